"""The model's state on the teacher dashboard: training runs, versions, learner states and every decision."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from courses.admin import TeacherScopedAdmin
from courses.teachers import taught_slugs
from metamodel.histories import summary_seen
from metamodel.models import LearnerState, ModelVersion, Recommendation, TrainingRun
from metamodel.training import (
    IN_PROGRESS,
    BrokerUnreachable,
    CannotActivate,
    RunInProgress,
    activate_version,
    active_version,
    artifact_problem,
    can_mark_runs_failed,
    mark_runs_failed,
    start_training_run,
)


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


def warn_if_active_artifact_unusable(request: HttpRequest) -> None:
    """Say so on the model's pages when the active version cannot be served: learners get the rule. (On a
    page shown, not on an action's POST, whose message would outlive what the action changes.)"""
    version = active_version() if request.method == "GET" else None
    if version is not None and (problem := artifact_problem(version)) is not None:
        messages.warning(
            request,
            f"{version} is active but its artifact is unusable ({problem}): every web or worker process "
            "that loads it from now on (after a restart, or a process that has not served it yet) gives "
            "learners the rule-based choice, until a training run promotes a new version or another version "
            "is activated. A process that loaded it before it broke keeps serving its copy in memory.",
        )


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "status",
        "artifact_check",
        "validation_auc",
        "validation_ece",
        "history",
        "created_at",
        "activated_at",
    ]
    list_filter = ["status"]
    # Each row shown loads its artifact to check it: a page of 25 is a bounded amount of work.
    list_per_page = 25
    actions = ["activate"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "status",
                    "artifact_check",
                    "reason",
                    "created_at",
                    "activated_at",
                    "parent",
                    "training_run",
                    "trained_on",
                ]
            },
        ),
        ("How well it predicts", {"fields": ["quality"]}),
        (
            "Technical details",
            {
                "classes": ["collapse"],
                "fields": ["artifact", "sha256", "format_version", "data_fingerprint", "metrics"],
            },
        ),
    ]
    readonly_fields = ["quality", "artifact_check", "trained_on"]

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        version = super().get_object(request, object_id, from_field)
        if version is not None and version.training_run is not None:
            show_taught_only(version.training_run, request)
        return version

    def has_delete_permission(self, request: HttpRequest, obj: ModelVersion | None = None) -> bool:
        """The active version is never deleted (activate another first): learners are served by it."""
        if obj is not None and obj.status == ModelVersion.Status.ACTIVE:
            return False
        return super().has_delete_permission(request, obj)

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("metamodel.change_modelversion")

    @admin.action(description="Activate this version (serve it to learners)", permissions=["activate"])
    def activate(self, request: HttpRequest, queryset) -> None:
        """Roll back to, or overrule the rejection of, one version: its artifact must load."""
        if len(chosen := list(queryset[:2])) != 1:
            messages.error(request, "Select exactly one version to activate.")
            return
        try:
            version = activate_version(chosen[0].pk, by=request.user.get_username())
        except CannotActivate as error:
            messages.error(request, str(error))
            return
        recorded = version.reason.rpartition("\n")[2]  # the reason's last line: what the activation added
        messages.success(request, f"{version} is now served to learners ({recorded}).")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        warn_if_active_artifact_unusable(request)
        return super().changelist_view(request, extra_context)

    @admin.display(description="artifact")
    def artifact_check(self, version: ModelVersion) -> str:
        """Says "OK" when the artifact loads as serving loads it, else why it cannot be served."""
        problem = artifact_problem(version)
        return "OK" if problem is None else f"unusable: {problem}"

    @admin.display(description="reason", ordering="reason")
    def history(self, version: ModelVersion) -> str:
        """Why it was promoted or rejected, then each activation or replacement by hand: a line each."""
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in version.reason.splitlines()))

    @admin.display(description="trained on")
    def trained_on(self, version: ModelVersion) -> str:
        return (
            trained_on(version.training_run) if version.training_run else "— (its training run was deleted)"
        )

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


SOURCE_WORDS = {
    "web": "on the site",
    "api": "through the API",
    "import": "imported",
    "simulation": "simulated",
}


def show_taught_only(run: TrainingRun, request: HttpRequest) -> None:
    """Cut the run's data summary, as shown (never saved: these pages edit nothing), to the courses the
    user teaches, as the API does; ``run.others_only`` says whether it recorded only other courses' data."""
    seen = summary_seen(run.data_summary, taught_slugs(request.user))
    run.others_only = bool(run.data_summary) and not seen
    run.data_summary = seen


def trained_on(run: TrainingRun) -> str:
    """What a training run learned from, as :func:`show_taught_only` left it, in words; when that is
    nothing, why."""
    if run.data_summary:
        return summary_words(run.data_summary)
    if run.others_only:
        return "none of your courses (it learned from other courses' answers only)"
    if run.attempts_used:
        return "— (not recorded by runs of an earlier version of the platform)"
    if run.status in IN_PROGRESS:
        return "— (not known yet: the run has not read its data)"
    return "— (no answers: the run read none)"


def summary_words(summary: dict) -> str:
    """A training run's data in words, course by course: "fractions: 3,600 attempts by 60 learners (all
    simulated)". Its held-out learners are drawn from the same data, so a model trained on the demo's
    simulated learners says so beside its figures."""
    parts = []
    for slug, data in summary.items():
        sources = sorted(data["sources"].items())
        if len(sources) == 1:
            where = f"all {SOURCE_WORDS.get(sources[0][0], sources[0][0])}"
        else:
            where = ", ".join(f"{n:,} {SOURCE_WORDS.get(source, source)}" for source, n in sources)
        attempts, learners = data["attempts"], data["learners"]
        parts.append(
            f"{slug}: {attempts:,} attempt{pluralize(attempts)} by {learners:,} learner{pluralize(learners)} "
            f"({where})"
        )
    return "; ".join(parts)


def what_it_means(run: TrainingRun) -> str:
    """A run's outcome in plain words: what learners are served since, and what, if anything, to do."""
    active = active_version()
    serving = f"model v{active.pk}" if active else "the rule-based choice"
    if run.status in IN_PROGRESS:
        return (
            f"Not finished: learners are served {serving} meanwhile. Should it never end (its process was "
            'stopped), select it in the list and choose "Mark as failed".'
        )
    if run.status == TrainingRun.Status.FAILED:
        return (
            f"Nothing changed for learners: they are served {serving}. Put right what the result names, if "
            "anything, then start a new run."
        )
    if run.outcome == TrainingRun.Outcome.PROMOTED:
        return f"Its model replaced the one in use. Learners are now served {serving}."
    if run.outcome == TrainingRun.Outcome.SKIPPED:
        return f"No new answers or exercise texts to learn from: learners are still served {serving}."
    return (
        "Its model was kept aside, not served: tested on learners it was not trained on, it did not predict "
        "their answers clearly better than the model in use (AUC: how often it ranks a right answer above a "
        "wrong one), or there were too few of them to tell. This is normal when few new answers came in. "
        f"Learners are served {serving}. To serve it anyway, activate its version on the model versions list."
    )


# What the refusal to start a run adds in the admin: how to get out of a run that will never end.
STUCK_HINT = (
    "If its process was stopped (the server restarted, or manage.py train interrupted, while it trained), "
    'select it below and choose the action "Mark as failed", then start a new run.'
)


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "status",
        "outcome",
        "trigger",
        "requested_by",
        "attempts_used",
        "result",
        "created_at",
    ]
    list_filter = ["status", "outcome", "trigger"]
    list_select_related = ["requested_by"]
    actions = ["mark_failed"]
    change_list_template = "admin/metamodel/trainingrun/change_list.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "status",
                    "outcome",
                    "result",
                    "what_it_means",
                    "version_trained",
                    "trigger",
                    "requested_by",
                    "created_at",
                    "started_at",
                    "finished_at",
                ]
            },
        ),
        ("What it learned from", {"fields": ["trained_on", "attempts_used"]}),
        (
            "Technical details",
            {
                "classes": ["collapse"],
                "fields": ["seed", "data_fingerprint", "data_summary", "task_id", "claims"],
            },
        ),
    ]
    readonly_fields = ["trained_on", "what_it_means", "version_trained", "created_at"]

    @admin.display(description="what it means")
    def what_it_means(self, run: TrainingRun) -> str:
        """The run's result for someone who does not read AUCs: what learners get now, what to do."""
        return what_it_means(run)

    @admin.display(description="model version")
    def version_trained(self, run: TrainingRun) -> str:
        version = getattr(run, "model_version", None)
        if version is None:
            return "— (none: it trained no version)" if run.status not in IN_PROGRESS else "— (not yet)"
        url = reverse("admin:metamodel_modelversion_change", args=[version.pk])
        return format_html('<a href="{}">{}</a>', url, version)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        run = super().get_object(request, object_id, from_field)
        if run is not None:
            show_taught_only(run, request)
        return run

    @admin.display(description="trained on")
    def trained_on(self, run: TrainingRun) -> str:
        return trained_on(run)

    def get_urls(self):
        start = self.admin_site.admin_view(self.start_view)
        return [path("start/", start, name="metamodel_trainingrun_start"), *super().get_urls()]

    def start_view(self, request: HttpRequest) -> HttpResponseRedirect:
        """The dashboard's "Start a training run" button (POST only, needs add_trainingrun)."""
        if request.method != "POST" or not request.user.has_perm("metamodel.add_trainingrun"):
            raise PermissionDenied
        try:
            run = start_training_run("admin", request.user)
        except RunInProgress as busy:
            messages.warning(request, f"{busy} {STUCK_HINT}")
        except BrokerUnreachable as error:
            messages.error(request, str(error))
        else:  # where tasks run in-process (the embedded default) the run has already ended
            if run.status == TrainingRun.Status.QUEUED:
                messages.success(request, f"Training run {run.pk} is queued; this page shows how it ends.")
            else:
                failed = run.status == TrainingRun.Status.FAILED
                messages.add_message(
                    request,
                    messages.ERROR if failed else messages.SUCCESS,
                    f"Training run {run.pk}: {run.get_status_display().lower()}. {run.result}. "
                    f"{what_it_means(run)}",
                )
        return HttpResponseRedirect(reverse("admin:metamodel_trainingrun_changelist"))

    def has_mark_failed_permission(self, request: HttpRequest) -> bool:
        return can_mark_runs_failed(request.user)

    @admin.action(description="Mark as failed (a run stuck queued or running)", permissions=["mark_failed"])
    def mark_failed(self, request: HttpRequest, queryset) -> None:
        """Recover from a run whose process was stopped: else it refuses every new run until the sweep,
        which only a deployment with beat has, fails it."""
        if not (stopped := mark_runs_failed(queryset, by=request.user.get_username())):
            messages.warning(request, "None of the selected runs is queued or running: nothing changed.")
            return
        messages.success(
            request,
            f"{stopped} training run{pluralize(stopped)} marked failed; a new run can be started. Should a "
            "worker still be training one, what it trains is discarded.",
        )

    def has_delete_permission(self, request: HttpRequest, obj: TrainingRun | None = None) -> bool:
        """A queued or running run is not deleted: its worker would lose the row it writes to."""
        if obj is not None and obj.status in IN_PROGRESS:
            return False
        return super().has_delete_permission(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        warn_if_active_artifact_unusable(request)
        context = {**(extra_context or {}), "can_start": request.user.has_perm("metamodel.add_trainingrun")}
        return super().changelist_view(request, context)
