"""Learners, their enrollments, the attempt log and the per-skill statistics read by the progress page."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from courses.models import Course


# How a learner imported from a log (no account) is named: ``imported:<external id>`` (Learner.__str__).
IMPORTED = "imported:"


def named(name: str, through: str = "") -> Q:
    """The learner ``name`` names, as ``Learner.__str__`` writes it: a username, or ``imported:<external id>``
    (or the external id alone) for a learner imported from a log; ``through``, the lookup's path to the
    learner (``"learner__"`` from an attempt). No username contains ":" and every external id does
    (``<course>:<id>``): one name names one learner."""
    imported = {f"{through}user__isnull": True, f"{through}external_id": name.removeprefix(IMPORTED)}
    return Q(**{f"{through}user__username": name}) | Q(**imported)


class Learner(models.Model):
    """One per user; learners imported from historical logs have an external id and no user account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="learner"
    )
    external_id = models.CharField(
        max_length=200, null=True, blank=True, unique=True, help_text="Id in an imported attempt log."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    must_change_password = models.BooleanField(
        default=False,
        help_text="Holds a temporary password a teacher gave them: they choose their own when they next sign "
        "in, before anything else (learners.classroom).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(external_id__isnull=False), name="learner_has_identity"
            )
        ]

    def __str__(self) -> str:
        return self.user.get_username() if self.user_id else f"{IMPORTED}{self.external_id}"

    def is_enrolled_in(self, course: "Course") -> bool:
        return self.enrollments.filter(course=course).exists()


class NotEnrolled(PermissionDenied):
    """The learner is not enrolled in the course, which what they asked for needs (a 403 in the API)."""

    def __init__(self, message: str = "Enroll in this course first."):
        super().__init__(message)


class Enrollment(models.Model):
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="enrollments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "course"], name="enrollment_unique")]

    def __str__(self) -> str:
        return f"{self.learner} in {self.course.slug}"


class Attempt(models.Model):
    class Source(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API"
        IMPORT = "import", "Import"
        SIMULATION = "simulation", "Simulation"

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="attempts")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="attempts")
    exercise = models.ForeignKey("courses.Exercise", on_delete=models.CASCADE, related_name="attempts")
    response = models.JSONField(null=True, blank=True)
    correct = models.BooleanField()
    # A teacher may correct an exercise's answer later; an attempt keeps the result it was given, and its
    # feedback compares this with the exercise's answer now to say that it changed.
    expected_answer = models.JSONField(
        null=True, blank=True, help_text="The exercise's answer when the attempt was marked."
    )
    hints_used = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True, help_text="Server time the attempt was recorded.")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    log_timestamp = models.BigIntegerField(
        null=True, blank=True, help_text="The timestamp column of an imported log (seconds or a position)."
    )
    # NULL, not "", for "no key": the partial unique constraint below must ignore key-less attempts.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the request body, to refuse a reused key."
    )
    recommendation = models.ForeignKey(
        "metamodel.Recommendation", on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="attempt_idempotency_key_unique_per_learner",
            )
        ]
        indexes = [
            models.Index(fields=["learner", "course", "created_at", "id"], name="attempt_learner_course_time")
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.exercise} ({'correct' if self.correct else 'wrong'})"


class SkillProgress(models.Model):
    """Read model of one learner's practice of one skill, rebuilt from the attempt log by a task."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="skill_progress")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey("courses.Skill", on_delete=models.CASCADE, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    recent_accuracy = models.FloatField(
        null=True,
        blank=True,
        help_text="Share correct over the learner's latest answers on the skill.",
    )
    mastered = models.BooleanField(
        default=False, help_text="Whether the engine judges that the learner knows the skill."
    )
    last_practised_at = models.DateTimeField(null=True, blank=True)
    last_attempt_id = models.BigIntegerField(default=0, help_text="The newest attempt these figures include.")

    class Meta:
        verbose_name_plural = "skill progress"
        constraints = [models.UniqueConstraint(fields=["learner", "skill"], name="skill_progress_unique")]
        indexes = [models.Index(fields=["learner", "course"])]

    def __str__(self) -> str:
        return f"{self.learner} on {self.skill.name}: {self.correct} of {self.attempts} right"

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None


class PendingEmail(models.Model):
    """A new e-mail address for an account, kept apart until its owner opens the link sent to it
    (learners.accounts.change_email): ``User.email`` stays the confirmed address, where Django's password
    reset sends its links, so that a typo never sends them to a stranger. One at a time per account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_email"
    )
    email = models.EmailField(max_length=254, help_text="Waiting for its owner to open the link sent to it.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.email} for {self.user.get_username()}"
