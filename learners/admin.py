"""The teacher dashboard's view of learners: enrollments, attempts, progress. Scoped to taught courses."""

from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from courses.admin import TeacherScopedAdmin, course_label, taught_course_ids
from learners.models import Attempt, Enrollment, Learner, SkillProgress


@admin.register(Learner)
class LearnerAdmin(TeacherScopedAdmin):
    course_path = "enrollments__course"
    list_display = ["__str__", "external_id", "created_at"]
    search_fields = ["user__username", "external_id"]
    ordering = ["user__username", "external_id"]
    readonly_fields = ["user", "external_id", "created_at", "courses"]

    def teaches(self, request: HttpRequest) -> Q:
        # A learner enrolled in two of your courses is listed once: the ids of your courses' enrollees.
        enrolled = Enrollment.objects.filter(course__in=taught_course_ids(request.user)).values("learner")
        return Q(pk__in=enrolled)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user")  # each row is named by its account

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # Enrolling a student means finding them first: the enrollment form's autocomplete may look up any
        # student's account by username (three characters at least), while the list shows only your
        # learners. Staff accounts (teachers, administrators) are not students, and are not listed.
        if request.path.endswith("/autocomplete/") and len(search_term) >= 3:
            students = Learner.objects.filter(user__isnull=False, user__is_staff=False).select_related("user")
            queryset = students.order_by(*self.ordering)
        return super().get_search_results(request, queryset, search_term)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Learner | None:
        learner = super().get_object(request, object_id, from_field)
        if learner is not None:  # the courses the page lists: for a teacher, only those they teach
            enrollments = learner.enrollments.select_related("course").order_by("course__title", "course")
            if not request.user.is_superuser:
                enrollments = enrollments.filter(course__in=taught_course_ids(request.user))
            learner.shown_enrollments = list(enrollments)
        return learner

    @admin.display(description="courses")
    def courses(self, learner: Learner) -> str:
        """Each course the learner is enrolled in (of yours), linked to their answers and the class."""
        rows = [
            (
                course_label(enrollment.course),
                enrollment.created_at.date(),
                reverse("admin:learners_attempt_changelist")
                + "?"
                + urlencode({"learner__id__exact": learner.pk, "course__id__exact": enrollment.course_id}),
                reverse("admin:courses_course_mastery", args=[enrollment.course_id]),
            )
            for enrollment in learner.shown_enrollments
        ]
        if not rows:
            return "Not enrolled in any course."  # a teacher sees only learners enrolled in theirs
        items = format_html_join(
            "",
            '<li>{}, enrolled {}: <a href="{}">their answers</a> · <a href="{}">class mastery</a></li>',
            rows,
        )
        return format_html("<ul>{}</ul>", items)

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
    list_select_related = ["learner__user", "course", "exercise__course"]  # an exercise is named by both
    ordering = ["-created_at", "-id"]  # the latest answers first
    # No date_hierarchy: its links cost a scan of every date in the log; the created_at filter stays.
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
    list_select_related = ["learner__user", "course", "skill__course"]  # a skill is named with its course

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SkillProgress | None = None) -> bool:
        return False
