"""The model's state on the teacher dashboard: training runs, versions, learner states and every decision."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from courses.admin import TeacherScopedAdmin
from metamodel.models import LearnerState, ModelVersion, Recommendation, TrainingRun
from metamodel.training import start_training_run


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what the engine did: visible, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin, TeacherScopedAdmin):
    list_display = ["created_at", "learner", "course", "exercise_key", "policy", "predicted", "why"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "policy"]
    search_fields = ["learner__user__username", "exercise__key"]
    list_select_related = ["learner__user", "course", "exercise"]

    @admin.display(description="exercise", ordering="exercise__key")
    def exercise_key(self, recommendation: Recommendation) -> str:
        return recommendation.exercise.key

    @admin.display(description="predicted success", ordering="predicted_correct")
    def predicted(self, recommendation: Recommendation) -> str:
        p = recommendation.predicted_correct
        return "—" if p is None else f"{p:.0%}"

    @admin.display(description="why")
    def why(self, recommendation: Recommendation) -> str:
        """The reasons as the learner's "Why this exercise?" panel words them, one per line."""
        return format_html_join(mark_safe("<br>"), "{}", ((capfirst(r),) for r in recommendation.reasons))


@admin.register(LearnerState)
class LearnerStateAdmin(ReadOnlyAdmin, TeacherScopedAdmin):
    list_display = ["learner", "course", "model_version", "attempts_seen", "last_attempt_id", "updated_at"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["learner__user__username", "learner__external_id"]
    list_select_related = ["learner__user", "course", "model_version"]


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "status",
        "validation_auc",
        "validation_ece",
        "reason",
        "created_at",
        "activated_at",
    ]
    list_filter = ["status"]
    fieldsets = [
        (None, {"fields": ["status", "reason", "created_at", "activated_at", "parent", "training_run"]}),
        ("How well it predicts", {"fields": ["quality"]}),
        (
            "Technical details",
            {
                "classes": ["collapse"],
                "fields": ["artifact", "sha256", "format_version", "data_fingerprint", "metrics"],
            },
        ),
    ]
    readonly_fields = ["quality"]

    @admin.display(description="on learners it was not trained on")
    def quality(self, version: ModelVersion) -> str:
        """The validation figures in plain words, for teachers; the raw metrics stay under the details."""
        metrics = version.metrics
        rows = [
            ("Answers predicted", f"{metrics['n']:,}" if "n" in metrics else "—"),
            (
                "AUC: how often it ranks a right answer above a wrong one (0.5 is chance, 1 is perfect)",
                _figure(metrics.get("auc")),
            ),
            ("The same over each learner's first 10 answers", _figure(metrics.get("auc_positions_1_10"))),
            (
                "Calibration error (ECE): how far its predicted chances are from what happened (0 is "
                "perfect; the engine reads them as chances)",
                _figure(metrics.get("ece")),
            ),
        ]
        body = format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows)
        return format_html("<table>{}</table>", body)

    @admin.display(description="validation AUC")
    def validation_auc(self, version: ModelVersion) -> str:
        return _figure(version.metrics.get("auc"))

    @admin.display(description="validation ECE")
    def validation_ece(self, version: ModelVersion) -> str:
        return _figure(version.metrics.get("ece"))


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "trigger", "requested_by", "attempts_used", "result", "created_at"]
    list_filter = ["status", "trigger"]
    change_list_template = "admin/metamodel/trainingrun/change_list.html"

    def get_urls(self):
        start = self.admin_site.admin_view(self.start_view)
        return [path("start/", start, name="metamodel_trainingrun_start"), *super().get_urls()]

    def start_view(self, request: HttpRequest) -> HttpResponseRedirect:
        """The dashboard's "Start a training run" button (POST only, needs add_trainingrun)."""
        if request.method != "POST" or not request.user.has_perm("metamodel.add_trainingrun"):
            raise PermissionDenied
        with transaction.atomic():
            run = start_training_run("admin", request.user)
        run.refresh_from_db()  # where tasks run in-process (the embedded default) it has already ended
        if run.status == TrainingRun.Status.QUEUED:
            messages.success(request, f"Training run {run.pk} is queued; this page shows how it ends.")
        else:
            messages.success(
                request, f"Training run {run.pk}: {run.get_status_display().lower()}. {run.result}"
            )
        return HttpResponseRedirect(reverse("admin:metamodel_trainingrun_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        context = {**(extra_context or {}), "can_start": request.user.has_perm("metamodel.add_trainingrun")}
        return super().changelist_view(request, context)
