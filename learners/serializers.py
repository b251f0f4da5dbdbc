"""API representations of a learner's practice: the next exercise, attempts and feedback, progress."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.models import CASE_HELP, Exercise
from learners.models import Attempt
from metamodel.models import Recommendation
from metamodel.policy import MASTERY_THRESHOLD, explain

# What "mastered" means wherever progress is read (metamodel.policy.mastered_by_model).
MASTERED_HELP = (
    f"The engine takes the skill as known, at least {MASTERY_THRESHOLD:.0%} likely from the answers (and "
    "the model's predictions, once one is active). It stays so while time passes and the skill waits for "
    "review; a wrong answer can end it."
)


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        help_text="For links to reset a forgotten password: it waits until its owner opens the link e-mailed "
        "to it.",
    )

    def validate_username(self, value: str) -> str:
        user_model = get_user_model()
        user_model.username_validator(value)
        if user_model.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("This username is taken.")
        return value

    def validate(self, attrs: dict) -> dict:
        user = get_user_model()(username=attrs["username"], email=attrs.get("email", ""))
        try:
            validate_password(attrs["password"], user)
        except Exception as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(
        help_text="The e-mail address of the account whose password was forgotten."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    username = serializers.CharField()


class AlternativeSerializer(serializers.Serializer):
    """An exercise the learner may pick instead of the recommended one (no answer)."""

    key = serializers.CharField()
    type = serializers.ChoiceField(choices=Exercise.Type.choices)
    case_sensitive = serializers.BooleanField(help_text=CASE_HELP)
    skills = serializers.ListField(child=serializers.CharField())
    prompt = serializers.CharField()
    prompt_html = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    hints = serializers.ListField(child=serializers.CharField())
    predicted_correct = serializers.FloatField(allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    meaning = serializers.CharField(allow_null=True)


class NextExerciseSerializer(serializers.Serializer):
    """The exercise the engine recommends, without its answer, why it was chosen, and the alternatives."""

    recommendation = serializers.IntegerField(source="pk")
    course = serializers.CharField(source="course.slug")
    key = serializers.CharField(source="exercise.key")
    type = serializers.ChoiceField(source="exercise.type", choices=Exercise.Type.choices)
    case_sensitive = serializers.BooleanField(source="exercise.case_sensitive", help_text=CASE_HELP)
    skills = serializers.SerializerMethodField()
    prompt = serializers.CharField(source="exercise.prompt")
    prompt_html = serializers.CharField(source="exercise.prompt_html")
    choices = serializers.ListField(source="exercise.choices", child=serializers.CharField())
    hints = serializers.ListField(source="exercise.hints", child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())
    why = serializers.SerializerMethodField(
        help_text="The reasons again, each with what its code means in words a pupil reads (null for a "
        "teacher's note, which says what it means itself), as the practice page's \"Why this exercise?\" "
        "shows them."
    )
    policy = serializers.CharField()
    predicted_correct = serializers.FloatField(allow_null=True)
    propensity = serializers.FloatField(help_text="The probability with which the policy chose it.")
    alternatives = serializers.SerializerMethodField()

    def get_skills(self, recommendation: Recommendation) -> list[str]:
        return [skill.key for skill in recommendation.exercise.skills.all()]

    @extend_schema_field(AlternativeSerializer(many=True))
    def get_alternatives(self, recommendation: Recommendation) -> list[dict]:
        return AlternativeSerializer(alternatives_of(recommendation), many=True).data

    @extend_schema_field(ReasonSerializer(many=True))
    def get_why(self, recommendation: Recommendation) -> list[dict]:
        return why_of(recommendation)


def why_of(recommendation: Recommendation) -> list[dict]:
    """Each of the recommendation's reasons with the meaning of its code for a pupil (``policy.explain``)."""
    return [{"reason": reason, "meaning": explain(reason)} for reason in recommendation.reasons]


def alternatives_of(recommendation: Recommendation) -> list[dict]:
    """The three best candidates after the recommended exercise, as the learner may pick them instead."""
    predicted = {c["exercise"]: c.get("predicted_correct") for c in recommendation.candidates}
    keys = recommendation.alternative_keys()
    offered = recommendation.course.exercises.practisable().filter(key__in=keys).prefetch_related("skills")
    exercises = {e.key: e for e in offered}
    return [
        {
            "key": key,
            "type": exercises[key].type,
            "case_sensitive": exercises[key].case_sensitive,
            "skills": [skill.key for skill in exercises[key].skills.all()],
            "prompt": exercises[key].prompt,
            "prompt_html": exercises[key].prompt_html,
            "choices": exercises[key].choices,
            "hints": exercises[key].hints,
            "predicted_correct": predicted[key],
        }
        for key in keys
        if key in exercises
    ]


class AttemptCreateSerializer(serializers.Serializer):
    course = serializers.SlugField(help_text="The course's slug.")
    exercise = serializers.CharField(max_length=100, help_text="The exercise's key in the course.")
    response = serializers.JSONField(
        help_text="The learner's answer: a choice, a number, a fraction or a text."
    )
    recommendation = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The recommendation answered (from GET …/next/): its exercise or one of its alternatives, "
        "answered once. Without one, an exercise among your last five answers in the course is refused.",
    )
    hints_used = serializers.IntegerField(required=False, default=0, min_value=0, max_value=100)
    duration_ms = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=86_400_000)

    def validate_response(self, value: object) -> object:
        if isinstance(value, dict | list) or value is None or (isinstance(value, str) and len(value) > 2000):
            raise serializers.ValidationError(
                "Give one answer: a choice, a number, a fraction or a text (≤ 2000 characters)."
            )
        return value


class FeedbackSerializer(serializers.Serializer):
    message = serializers.CharField()
    correct_answer = serializers.JSONField(
        allow_null=True, help_text="Null when the exercise's answer was changed after the attempt."
    )
    answer_changed = serializers.BooleanField(
        help_text="The exercise's answer was changed after the attempt, which keeps the result it was given."
    )
    explanation = serializers.CharField()
    explanation_html = serializers.CharField()
    hints = serializers.ListField(child=serializers.CharField())


def feedback_for(attempt: Attempt) -> dict:
    """What the learner is told after answering: right or wrong, the answer, the worked explanation.

    The result is the one the attempt was given. When a teacher has changed the exercise's answer since,
    the feedback says so instead of showing an answer that would contradict it.
    """
    exercise = attempt.exercise
    changed = attempt.expected_answer is not None and attempt.expected_answer != exercise.answer
    return {
        "message": "Correct!" if attempt.correct else "Not quite.",
        "correct_answer": None
        if changed
        else (exercise.answer[0] if exercise.type == "text" else exercise.answer),
        "answer_changed": changed,
        "explanation": exercise.explanation,
        "explanation_html": exercise.explanation_html,
        "hints": exercise.hints,
    }


class AttemptSerializer(serializers.ModelSerializer):
    course = serializers.CharField(source="course.slug")
    exercise = serializers.CharField(source="exercise.key")
    learner = serializers.CharField(source="learner.__str__")

    class Meta:
        model = Attempt
        fields = [
            "id", "learner", "course", "exercise", "response", "correct", "hints_used", "duration_ms",
            "created_at", "source", "recommendation",
        ]  # fmt: skip


class AttemptResultSerializer(serializers.Serializer):
    attempt = serializers.IntegerField(source="attempt.pk")
    correct = serializers.BooleanField(source="attempt.correct")
    feedback = serializers.SerializerMethodField()
    next = NextExerciseSerializer(allow_null=True)

    @extend_schema_field(FeedbackSerializer)
    def get_feedback(self, result) -> dict:
        return feedback_for(result.attempt)


class SkillProgressSerializer(serializers.Serializer):
    skill = serializers.CharField(source="skill_key")
    name = serializers.CharField()
    attempts = serializers.IntegerField()
    correct = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True)
    recent_accuracy = serializers.FloatField(allow_null=True)
    mastered = serializers.BooleanField(help_text=MASTERED_HELP)
    last_practised_at = serializers.DateTimeField(allow_null=True)
    practisable = serializers.BooleanField(
        help_text="The course has an exercise for this skill; without one, it is nothing to master."
    )


class ProgressSerializer(serializers.Serializer):
    course = serializers.CharField()
    skills = SkillProgressSerializer(many=True)


class _CourseSlug(serializers.Serializer):
    course = serializers.CharField(source="course.slug")


class ExportedEnrollmentSerializer(_CourseSlug):
    enrolled_at = serializers.DateTimeField(source="created_at")


class ExportedAttemptSerializer(_CourseSlug, serializers.ModelSerializer):
    exercise = serializers.CharField(source="exercise.key")

    class Meta:
        model = Attempt
        fields = [
            "id", "course", "exercise", "response", "correct", "hints_used", "duration_ms", "created_at",
            "source", "recommendation",
        ]  # fmt: skip


class ExportedRecommendationSerializer(_CourseSlug, serializers.ModelSerializer):
    exercise = serializers.CharField(source="exercise.key")
    learner_choice = serializers.CharField(source="learner_choice.key", allow_null=True, default=None)

    class Meta:
        model = Recommendation
        fields = [
            "id", "course", "exercise", "created_at", "policy", "model_version", "reasons",
            "predicted_correct", "propensity", "candidates", "learner_choice",
        ]  # fmt: skip


class ExportedSkillProgressSerializer(_CourseSlug):
    skill = serializers.CharField(source="skill.key")
    attempts = serializers.IntegerField()
    correct = serializers.IntegerField()
    recent_accuracy = serializers.FloatField(allow_null=True)
    mastered = serializers.BooleanField(help_text=MASTERED_HELP)
    last_practised_at = serializers.DateTimeField(allow_null=True)


class ExportedEngineStateSerializer(_CourseSlug):
    model_version = serializers.IntegerField(source="model_version_id")
    params = serializers.JSONField(help_text="The model's parameters adapted to the learner's answers.")
    attempts_seen = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class ExportedOverrideSerializer(_CourseSlug):
    kind = serializers.CharField()
    skill = serializers.CharField(source="skill.key", allow_null=True, default=None)
    exercise = serializers.CharField(source="exercise.key", allow_null=True, default=None)
    band_low = serializers.FloatField(allow_null=True)
    band_high = serializers.FloatField(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="When it lapses, if given an end.")
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_reason = serializers.CharField(allow_blank=True)


class PendingEmailSerializer(serializers.Serializer):
    """A new e-mail address waiting for the account's owner to open the link sent to it."""

    email = serializers.EmailField(
        help_text="The new address: it becomes the account's once the link e-mailed to it is opened (within "
        "EMAIL_CONFIRM_HOURS, 24, of sending); reset links do not go to it until then."
    )
    requested_at = serializers.DateTimeField(source="created_at")


CONFIRMED_EMAIL_HELP = (
    "The account's e-mail address, confirmed: where links to reset a forgotten password go (empty: none)."
)
PENDING_EMAIL_HELP = "A new address waiting to be confirmed from the link sent to it; null when none."


class AccountEmailSerializer(serializers.Serializer):
    """The caller's e-mail address and a new one waiting to be confirmed."""

    email = serializers.CharField(allow_blank=True, help_text=CONFIRMED_EMAIL_HELP)
    pending_email = PendingEmailSerializer(allow_null=True, help_text=PENDING_EMAIL_HELP)


class EmailChangedSerializer(AccountEmailSerializer):
    detail = serializers.CharField(help_text="What the change did, in words for the account's owner.")


class ExportedAccountSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.CharField(allow_blank=True, help_text=CONFIRMED_EMAIL_HELP)
    pending_email = PendingEmailSerializer(allow_null=True, help_text=PENDING_EMAIL_HELP)
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)


class AccountDataSerializer(serializers.Serializer):
    """Everything the platform keeps about the caller as a learner (learners.accounts)."""

    format = serializers.IntegerField(help_text="The layout's version; raised when it changes.")
    exported_at = serializers.DateTimeField()
    account = ExportedAccountSerializer()
    enrollments = ExportedEnrollmentSerializer(many=True)
    attempts = ExportedAttemptSerializer(many=True)
    recommendations = ExportedRecommendationSerializer(
        many=True, help_text="Every exercise the engine chose for you, with its reasons and predictions."
    )
    skill_progress = ExportedSkillProgressSerializer(many=True)
    engine_states = ExportedEngineStateSerializer(many=True)
    overrides = ExportedOverrideSerializer(many=True, help_text="Teachers' instructions about you.")


class AccountPasswordSerializer(serializers.Serializer):
    """A request on the caller's account that its password confirms (``password``)."""

    wrong_password = "This is not the account's password."
    password = serializers.CharField(
        trim_whitespace=False, help_text="The account's password, to confirm that its owner asks."
    )

    def validate_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError(self.wrong_password)
        return value


class PasswordChangeSerializer(AccountPasswordSerializer):
    wrong_password = "This is not the password the account signs in with now."
    password = serializers.CharField(
        trim_whitespace=False,
        help_text="The password the account signs in with now (a teacher's temporary one, for a pupil who "
        "has not chosen their own yet).",
    )
    new_password = serializers.CharField(
        trim_whitespace=False, help_text="The new password: the platform's password rules apply."
    )

    def validate_new_password(self, value: str) -> str:
        try:
            validate_password(value, self.context["user"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from error
        return value


class EmailChangeSerializer(AccountPasswordSerializer):
    """The caller's e-mail address for password reset links, changed or removed, confirmed by the password."""

    email = serializers.EmailField(
        allow_blank=True,
        help_text="Where links to reset a forgotten password are to go: a new address waits until the link "
        "e-mailed to it is opened; the address waiting already sends its link again; the account's address "
        "now cancels the one waiting; empty removes it at once (a teacher then gives new passwords).",
    )


class AccountDeleteSerializer(AccountPasswordSerializer):
    """Erasing the caller's account, confirmed by its password."""
