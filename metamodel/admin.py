"""The model's decisions, as teachers see them: every recommendation with its reasons."""

from django.contrib import admin
from django.http import HttpRequest

from courses.admin import TeacherScopedAdmin
from metamodel.models import Recommendation


@admin.register(Recommendation)
class RecommendationAdmin(TeacherScopedAdmin):
    list_display = ["created_at", "learner", "course", "exercise", "policy", "predicted_correct", "reasons"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "policy"]
    search_fields = ["learner__user__username", "exercise__key"]
    list_select_related = ["learner__user", "course", "exercise"]
    readonly_fields = [f.name for f in Recommendation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
