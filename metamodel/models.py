"""What the learning engine stores: every recommendation it makes, with its reasons."""

from django.db import models


class Recommendation(models.Model):
    """One decision of the engine: the exercise chosen for a learner, why, and with what probability."""

    learner = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="recommendations")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="recommendations")
    exercise = models.ForeignKey("courses.Exercise", on_delete=models.CASCADE, related_name="recommendations")
    policy = models.CharField(max_length=40, help_text="Which policy chose: 'rule' until a model is active.")
    reasons = models.JSONField(
        default=list, help_text="Plain-language reasons, shown to learner and teacher."
    )
    predicted_correct = models.FloatField(null=True, blank=True)
    propensity = models.FloatField(default=1.0, help_text="Probability with which the policy chose it.")
    after_attempt = models.ForeignKey(
        "learners.Attempt",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="next_recommendations",
        help_text="The attempt whose answer this recommendation was returned with.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["learner", "course", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.exercise} for {self.learner}"
