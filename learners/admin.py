"""The teacher dashboard's view of learners: enrollments, attempts, progress. Scoped to taught courses."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from courses.admin import TeacherScopedAdmin
from learners.models import Attempt, Enrollment, Learner, SkillProgress


@admin.register(Learner)
class LearnerAdmin(TeacherScopedAdmin):
    course_path = "enrollments__course"
    list_display = ["__str__", "external_id", "created_at"]
    search_fields = ["user__username", "external_id"]
    ordering = ["user__username", "external_id"]
    readonly_fields = ["user", "external_id", "created_at"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # Enrolling a student means finding them first: the enrollment form's autocomplete may look up any
        # student's account by username (three characters at least), while the list shows only your
        # learners. Staff accounts (teachers, administrators) are not students, and are not listed.
        if request.path.endswith("/autocomplete/") and len(search_term) >= 3:
            students = Learner.objects.filter(user__isnull=False, user__is_staff=False)
            queryset = students.order_by(*self.ordering)
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(TeacherScopedAdmin):
    list_display = ["learner", "course", "created_at"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["learner__user__username", "learner__external_id", "course__title"]
    autocomplete_fields = ["learner"]
    list_select_related = ["learner__user", "course"]


@admin.register(Attempt)
class AttemptAdmin(TeacherScopedAdmin):
    list_display = [
        "created_at",
        "learner",
        "course",
        "exercise",
        "response",
        "correct",
        "hints_used",
        "source",
    ]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "correct", "source", "created_at"]
    search_fields = ["learner__user__username", "learner__external_id", "exercise__key"]
    list_select_related = ["learner__user", "course", "exercise"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # counting a large imported log on every page is slow

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Attempt | None = None) -> bool:
        return False  # the attempt log is a record of what happened: read-only


@admin.register(SkillProgress)
class SkillProgressAdmin(TeacherScopedAdmin):
    list_display = ["learner", "course", "skill", "attempts", "correct", "recent_accuracy", "mastered"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "mastered"]
    search_fields = ["learner__user__username", "skill__key"]
    list_select_related = ["learner__user", "course", "skill"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SkillProgress | None = None) -> bool:
        return False
