"""What the learning engine stores: training runs, model versions, adapted learner states and every
recommendation it makes, with its reasons."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Recommendation(models.Model):
    """One decision of the engine: the exercise chosen for a learner, why, and with what probability."""

    learner = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="recommendations")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="recommendations")
    exercise = models.ForeignKey("courses.Exercise", on_delete=models.CASCADE, related_name="recommendations")
    policy = models.CharField(max_length=40, help_text="Which policy chose: 'rule' until a model is active.")
    reasons = models.JSONField(
        default=list, help_text="Plain-language reasons, shown to learner and teacher."
    )
    model_version = models.ForeignKey(
        "metamodel.ModelVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    predicted_correct = models.FloatField(null=True, blank=True)
    propensity = models.FloatField(default=1.0, help_text="Probability with which the policy chose it.")
    candidates = models.JSONField(
        default=list,
        blank=True,
        help_text="The scored candidates, best first: exercise key, predicted success, score, probability.",
    )
    learner_choice = models.ForeignKey(
        "courses.Exercise",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="An alternative the learner picked instead of the recommended exercise.",
    )
    after_attempt = models.ForeignKey(
        "learners.Attempt",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="next_recommendations",
        help_text="The attempt whose answer this recommendation was returned with.",
    )
    history_until = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The id of the learner's latest attempt in the course that the decision read (0: none).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["learner", "course", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.exercise} for {self.learner}"

    def alternative_keys(self) -> list[str]:
        """The three best candidates after the recommended exercise: the learner may pick one instead."""
        recommended = self.exercise.key
        return [c["exercise"] for c in self.candidates if c["exercise"] != recommended][:3]


class TrainingRun(models.Model):
    """One meta-training of the shared model, queued on demand or by the nightly schedule."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Outcome(models.TextChoices):
        """What a succeeded run came to (blank until then, and for a failed run)."""

        PROMOTED = "promoted", "Promoted"
        REJECTED = "rejected", "Rejected"
        SKIPPED = "skipped", "Skipped"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=20, default="manual", help_text="manual, api, admin or schedule.")
    seed = models.PositiveIntegerField(default=0)
    data_fingerprint = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the training data.")
    attempts_used = models.PositiveIntegerField(default=0)
    data_summary = models.JSONField(
        default=dict,
        blank=True,
        help_text="What it learned from, per course slug: attempts, learners, and attempts by where they "
        "came from (web, api, import, simulation).",
    )
    result = models.TextField(blank=True, help_text="What came of it: promoted, rejected (why) or the error.")
    task_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="The task message that claimed the run: only a redelivery of it may claim the run again.",
    )
    claims = models.PositiveSmallIntegerField(
        default=0, help_text="How often its task took the run: more than once when a worker was lost mid-run."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Training run {self.pk} ({self.status})"


class ModelVersion(models.Model):
    """A trained model: its artifact on disk (verified by SHA-256), its validation metrics, its fate."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE)
    training_run = models.OneToOneField(
        TrainingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="model_version"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children",
        help_text="The active version when this one was trained.",
    )  # fmt: skip
    artifact = models.CharField(
        max_length=500,
        help_text="The artifact's file name in MODEL_ARTIFACT_DIR (a whole path for a file kept elsewhere).",
    )
    sha256 = models.CharField(max_length=64)
    format_version = models.PositiveSmallIntegerField()
    data_fingerprint = models.CharField(max_length=64)
    metrics = models.JSONField(default=dict, help_text="Validation metrics on held-out learners.")
    reason = models.TextField(
        blank=True,
        help_text="Why it was promoted or rejected, then a line for each time it was activated or replaced "
        "by hand (by whom, when).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    pruned_at = models.DateTimeField(
        null=True, blank=True, help_text="When its artifact was deleted to free space (prune_artifacts)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one active version: promotion swaps it inside one transaction.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="one_active_model_version"
            )
        ]

    def __str__(self) -> str:
        return f"Model v{self.pk} ({self.status})"


class LearnerState(models.Model):
    """A learner's parameters adapted from the active model to their attempts in one course."""

    learner = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="states")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="learner_states")
    params = models.JSONField()
    last_attempt_id = models.BigIntegerField(
        default=0, help_text="The newest attempt the parameters include."
    )
    attempts_seen = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "course"], name="learner_state_unique")]

    def __str__(self) -> str:
        model = f"model v{self.model_version_id}, {self.attempts_seen} attempts"
        return f"{self.learner} in {self.course.slug} ({model})"
