"""API representations of courses. Answers never leave the server through these."""

from django.db.models import CharField, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from config.fields import StrictCharField
from courses.mastery import STUCK_RULE
from courses.models import CASE_HELP, FRACTION_HELP, Course, Exercise, Override, Skill
from courses.services import teacher_accounts_refusal
from learners.classroom import MAX_NEW_ACCOUNTS
from learners.models import Learner
from learners.serializers import SkillProgressSerializer
from metamodel.policy import MASTERY_WINDOW


class SkillSerializer(serializers.ModelSerializer):
    prerequisites = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)

    class Meta:
        model = Skill
        fields = ["key", "name", "description", "prerequisites"]


class ExerciseSerializer(serializers.ModelSerializer):
    """An exercise as a learner sees it before answering: prompt and choices, no answer."""

    skills = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)
    prompt_html = serializers.CharField(read_only=True)
    choices = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Multiple choice: the options."
    )

    class Meta:
        model = Exercise
        fields = ["key", "type", "case_sensitive", "skills", "prompt", "prompt_html", "choices", "difficulty"]
        read_only_fields = fields
        extra_kwargs = {"case_sensitive": {"help_text": CASE_HELP}}


class CourseSerializer(serializers.ModelSerializer):
    enrolled = serializers.SerializerMethodField()
    join_code = serializers.SerializerMethodField(
        help_text="The course's teachers only (null for anyone else, and while it has none): the code pupils "
        "enroll themselves with (POST /api/v1/courses/join/), even where self_enrollment is false. Teachers "
        "create, replace and remove it with `POST`/`DELETE /api/v1/courses/{slug}/join-code/` or on the "
        "course's page in the teacher dashboard."
    )

    class Meta:
        model = Course
        fields = [
            "slug", "title", "description", "language", "published", "self_enrollment", "enrolled",
            "join_code",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "published": {
                "help_text": "Students see it in the catalogue. False: a draft, seen only by its teachers."
            },
            "self_enrollment": {
                "help_text": "Students may enroll themselves. False: its teachers enroll its learners."
            },
        }

    def get_enrolled(self, course: Course) -> bool:
        return course.pk in self.context.get("enrolled_course_ids", ())

    def get_join_code(self, course: Course) -> str | None:
        # A class's key: shown to those who teach it (``taught_course_ids``, None for a superuser: all).
        taught = self.context.get("taught_course_ids", ())
        return course.join_code if taught is None or course.pk in taught else None


class JoinCodeChangeSerializer(serializers.Serializer):
    replaces = serializers.CharField(
        required=False,
        help_text="The course's join code now, when it has one (capitals, spaces and dashes do not matter): "
        "a new code replaces it only if it is still the course's, so a request sent twice replaces it once.",
    )


class JoinCodeSerializer(serializers.Serializer):
    join_code = serializers.CharField(help_text="The course's new join code.")
    join_url = serializers.URLField(help_text="The link that fills the code in for a pupil.")
    detail = serializers.CharField(help_text="What was done, and what the code does now.")


class JoinCodesCreateSerializer(serializers.Serializer):
    courses = serializers.ListField(
        child=StrictCharField(max_length=50),
        required=False,
        allow_empty=False,
        max_length=1000,
        help_text="The slugs of the courses, each one you teach (at most 1,000; a slug named twice counts "
        "once). Left out: every course you are a teacher of (a superuser's too: the courses that name them "
        "as a teacher, not every course).",
    )

    def validate_courses(self, slugs: list[str]) -> list[Course]:
        """The courses named, each once; a slug that is not a course the caller teaches is refused, with the
        others like it, so that nothing is created (nor is whether another teacher's draft exists told)."""
        named = list(dict.fromkeys(slugs))
        user = self.context["request"].user
        taught = Course.objects.all() if user.is_superuser else user.taught_courses.all()
        courses = list(taught.filter(slug__in=named))
        found = {course.slug for course in courses}
        if missing := [slug for slug in named if slug not in found]:
            raise serializers.ValidationError(
                f"Not a course you teach (or no such course): {', '.join(missing)}. No join code was created."
            )
        return courses


class CourseJoinCodeSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The course's slug.")
    title = serializers.CharField(help_text="The course's title.")
    published = serializers.BooleanField(
        help_text="False: a draft, given no code, since a code enrolls no one in a draft (publish it, then "
        "create its code)."
    )
    join_code = serializers.CharField(
        allow_null=True,
        help_text="The code pupils enroll themselves with (POST /api/v1/courses/join/), to write on the "
        "board; null for a draft that has none. A draft's code works once it is published.",
    )
    join_url = serializers.URLField(
        allow_null=True, help_text="The link that fills the code in for a pupil; null without a code."
    )
    created = serializers.BooleanField(
        help_text="True: the code was created now; false: the course had it already and keeps it (or is a "
        "draft, given none)."
    )


class JoinCodesCreatedSerializer(serializers.Serializer):
    courses = CourseJoinCodeSerializer(many=True, help_text="Every course named (or taught), by title.")
    detail = serializers.CharField(
        help_text="How many codes were created, how many kept, and why a draft got none."
    )


class JoinSerializer(serializers.Serializer):
    code = StrictCharField(
        max_length=50,
        help_text="The course's join code as the teacher gave it (such as 7KQM-3XDF): capitals, spaces and "
        "dashes do not matter.",
    )


class CourseDetailSerializer(CourseSerializer):
    skills = SkillSerializer(many=True, read_only=True)
    exercises = serializers.SerializerMethodField()

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "skills", "exercises"]

    @extend_schema_field(ExerciseSerializer(many=True))
    def get_exercises(self, course: Course) -> list[dict]:
        exercises = course.exercises.practisable().prefetch_related("skills")
        return ExerciseSerializer(exercises, many=True).data


class DocumentSkillSerializer(serializers.Serializer):
    """A skill of a course document (for the schema: courses.documents validates the document)."""

    key = serializers.CharField(help_text="Unique in the course: ASCII letters, digits, '.', '_' and '-'.")
    name = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    prerequisites = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Keys of skills of this course; no cycles."
    )


class DocumentExerciseSerializer(serializers.Serializer):
    """An exercise of a course document (for the schema: courses.documents validates the document)."""

    key = serializers.CharField(help_text="Unique in the course: ASCII letters, digits, '.', '_' and '-'.")
    skills = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of its skills; at least one."
    )
    type = serializers.ChoiceField(choices=Exercise.Type.choices)
    prompt = serializers.CharField(help_text="Markdown, rendered and sanitised.")
    choices = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Multiple choice only: distinct strings."
    )
    answer = serializers.JSONField(
        help_text="Multiple choice: one of the choices. Numeric: a number. Fraction: one fraction as "
        f"learners must write it, in quotes ({FRACTION_HELP}); right with its value over its denominator. "
        "Text: a list of accepted answers."
    )
    tolerance = serializers.FloatField(
        required=False, help_text="Numeric only: absolute; exact when omitted."
    )
    case_sensitive = serializers.BooleanField(
        required=False, help_text="Text only: true when capitals matter (a program's output, code)."
    )
    hints = serializers.ListField(child=serializers.CharField(), required=False)
    explanation = serializers.CharField(required=False, allow_blank=True, help_text="Markdown.")
    difficulty = serializers.FloatField(
        required=False, help_text="Logits: 0 is average; at 1 an average learner is right about 1 time in 4."
    )


class CourseDocumentSerializer(serializers.Serializer):
    """The import endpoint's course document, validated in full by courses.documents (docs/courses.md)."""

    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    language = serializers.CharField(required=False)
    published = serializers.BooleanField(
        required=False, help_text="Left out: a new course is published, an existing one keeps its setting."
    )
    skills = DocumentSkillSerializer(many=True)
    exercises = DocumentExerciseSerializer(many=True)


class CourseDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The course document: YAML, or JSON when its name ends in .json.")


class ImportOptionsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(
        default=False, help_text="Check the document and report what would change; change nothing."
    )


class AnsweredSerializer(serializers.Serializer):
    key = serializers.CharField()
    attempts = serializers.IntegerField(help_text="Attempts learners have made on the exercise.")


class SkillLeftSerializer(serializers.Serializer):
    key = serializers.CharField()
    exercises = serializers.IntegerField(help_text="Exercises still linked to it (inactive, or from a log).")
    attempts = serializers.IntegerField(help_text="Attempts on those exercises.")


def _keys(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text=help_text)


class ImportResultSerializer(serializers.Serializer):
    """What the import did (in a dry run: would have done), key by key."""

    slug = serializers.CharField(source="course.slug")
    created = serializers.BooleanField(help_text="The course is new (in a dry run: would be).")
    dry_run = serializers.BooleanField(help_text="True: nothing was changed.")
    published = serializers.BooleanField(help_text="Whether students see the course in the catalogue.")
    course_changed = _keys(
        "The course's own fields a re-import changed (title, description, language, published)."
    )
    skills = serializers.IntegerField(help_text="Skills in the document.")
    exercises = serializers.IntegerField(help_text="Exercises in the document.")
    deactivated = serializers.IntegerField(help_text="Exercises missing from the document, now inactive.")
    skills_created = _keys("Skills new to the course.")
    skills_updated = _keys("Skills whose name, description or prerequisites changed.")
    skills_not_in_document = SkillLeftSerializer(
        many=True, help_text="Skills of the course the document left out, kept."
    )
    skills_deleted = _keys("Skills the document left out that nothing referred to, deleted.")
    exercises_created = _keys("Exercises new to the course.")
    exercises_updated = _keys("Exercises whose content or skills changed.")
    fields_changed = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For each exercise updated, what changed: its fields (prompt, answer, hints, ...) and "
        "'skills' when it practises other skills.",
    )
    answers_changed = AnsweredSerializer(
        many=True, help_text="Exercises whose answer changed; their attempts keep the result they were given."
    )
    exercises_deactivated = AnsweredSerializer(
        many=True, help_text="Exercises missing from the document, now inactive; their attempts are kept."
    )
    exercises_reactivated = _keys(
        "Inactive exercises (deactivated in the admin or by an earlier import), made active again."
    )
    warnings = _keys(
        "What may not be what the author meant: a rename that loses learners' history, a course unpublished "
        "while learners are enrolled, skills no active exercise practises."
    )


class OverrideEndSerializer(serializers.Serializer):
    """Lifting an override: why, optionally."""

    reason = StrictCharField(
        max_length=Override._meta.get_field("ended_reason").max_length,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why it is lifted.",
    )


class TaughtCourseField(serializers.SlugRelatedField):
    """A course by its slug, among those the requesting user teaches (every course, for a superuser): a
    slug of no course and one of a course they do not teach get the same answer, which tells nothing of the
    courses of other teachers."""

    queryset = Course.objects.all()  # what the schema reads; a request reads get_queryset
    default_error_messages = {"does_not_exist": "No course '{value}' that you teach."}

    def get_queryset(self) -> QuerySet[Course]:
        user = self.context["request"].user
        return Course.objects.all() if user.is_superuser else user.taught_courses.all()


class OverrideSerializer(serializers.ModelSerializer):
    """A teacher's override, naming things as teachers do: course slug, username, skill and exercise keys."""

    # Strings only: a number sent for a reason or a key is refused, not read as its digits.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        CharField: StrictCharField,
    }

    course = TaughtCourseField(slug_field="slug")
    learner = StrictCharField(source="learner.user.username", required=False, allow_null=True, default=None)
    skill = StrictCharField(source="skill.key", required=False, allow_null=True, default=None)
    exercise = StrictCharField(source="exercise.key", required=False, allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    ended_by = serializers.CharField(
        source="ended_by.username", read_only=True, allow_null=True, default=None, help_text="Who lifted it."
    )
    supersedes = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text="The overrides of the same kind for the same learner (or the whole course) that this one "
        "ended when it was added: a target band or a pin replaces the one in force.",
    )
    ends_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional: when the override lifts itself (lapses), an ISO 8601 date and time still to "
        "come (without an offset: the server's time zone). Null: in force until a teacher ends it. Not for a "
        "reset.",
    )
    status = serializers.ChoiceField(
        choices=Override.Status.choices,
        read_only=True,
        help_text="Where it stands now: `in_force` (the engine obeys it), `lapsed` (its `ends_at` has "
        "passed) or `ended` (by a teacher, or superseded).",
    )

    class Meta:
        model = Override
        fields = [
            "id", "course", "learner", "kind", "skill", "exercise", "band_low", "band_high", "reason",
            "ends_at", "status", "created_by", "created_at", "ended_at", "ended_by", "ended_reason",
            "supersedes",
        ]  # fmt: skip
        read_only_fields = ["created_at", "ended_at", "ended_reason"]

    def validate(self, attrs: dict) -> dict:
        course = attrs["course"]
        resolved = {}
        username = (attrs.pop("learner", None) or {}).get("user", {}).get("username")
        if username:
            # Only the course's learners are looked up, and any other name gets the same message, whether
            # its account exists or not: a teacher learns nothing about accounts outside their courses.
            resolved["learner"] = Learner.objects.filter(
                user__username=username, enrollments__course=course
            ).first()
            if resolved["learner"] is None:
                raise serializers.ValidationError(
                    {"learner": f"No learner '{username}' enrolled in this course."}
                )
        for field, model in (("skill", Skill), ("exercise", Exercise)):
            key = (attrs.pop(field, None) or {}).get("key")
            if key:
                resolved[field] = model.objects.filter(course=course, key=key).first()
                if resolved[field] is None:
                    raise serializers.ValidationError({field: f"No {field} '{key}' in this course."})
        return {**attrs, **resolved}


class StuckSkillSerializer(serializers.Serializer):
    """A skill a learner is stuck on, with the figures that make them stuck."""

    skill = serializers.CharField(source="skill.key", help_text="The skill's key.")
    answers = serializers.IntegerField(
        source="attempts",
        help_text="Answers on the skill since the latest reset; an exercise of two skills counts for each.",
    )
    recent_right = serializers.IntegerField(
        help_text=f"How many of the latest {MASTERY_WINDOW} answers on the skill were right."
    )


class ClassLearnerSerializer(serializers.Serializer):
    """One learner of a course's class, as the class mastery page lists them."""

    learner = serializers.CharField(
        source="__str__", help_text="A username, or imported:<external id> for a learner imported from a log."
    )
    skills_mastered = serializers.IntegerField(
        source="mastered", help_text="Of the course's practisable skills, since the latest reset."
    )
    answers = serializers.IntegerField(help_text="Attempts in the course since the latest reset.")
    reset_at = serializers.DateTimeField(allow_null=True, help_text="When a teacher last reset them.")
    last_answer_at = serializers.DateTimeField(
        allow_null=True, help_text="Their latest attempt in the course since the latest reset; null if none."
    )
    stuck_on = StuckSkillSerializer(
        many=True, help_text=f"The skills they are stuck on, in key order: {STUCK_RULE}. Empty if none."
    )
    url = serializers.SerializerMethodField(
        help_text="Where to read this learner in full: their skills, what the engine offers them, overrides."
    )

    def get_url(self, learner: Learner) -> str:
        kwargs = {"slug": self.context["course"].slug, "learner": str(learner)}
        return reverse("course-class-learner", kwargs=kwargs, request=self.context.get("request"))


class OfferedSerializer(serializers.Serializer):
    """The exercise the engine offers a learner now: their latest recommendation, not answered yet."""

    recommendation = serializers.IntegerField(source="pk", help_text="The recommendation's id.")
    exercise = serializers.CharField(source="exercise.key")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="As the learner reads them.")
    predicted_correct = serializers.FloatField(allow_null=True, help_text="Null when the rule chose it.")
    created_at = serializers.DateTimeField()


class SkillEstimateSerializer(serializers.Serializer):
    """The engine's estimate of one skill of a learner now, as it reads it when choosing their next
    exercise."""

    skill = serializers.CharField(help_text="The skill's key.")
    known = serializers.FloatField(
        help_text="How likely the engine takes the learner to know it now, 0 to 1."
    )
    due_for_review = serializers.BooleanField(
        source="review",
        help_text="Mastered once and, after a day or more away, likely forgotten: the engine brings it back "
        "(it still counts as mastered until an answer there says otherwise).",
    )


class ClassLearnerDetailSerializer(serializers.Serializer):
    """One learner of a course's class, as their page in the teacher dashboard shows them."""

    learner = serializers.CharField(
        source="learner.__str__",
        help_text="A username, or imported:<external id> for a learner imported from a log.",
    )
    reset_at = serializers.DateTimeField(
        source="since",
        allow_null=True,
        help_text="When a teacher last reset them: what follows counts since.",
    )
    answers = serializers.IntegerField(source="answered", help_text="Attempts in the course.")
    answers_right = serializers.IntegerField(source="right")
    skills_mastered = serializers.IntegerField(
        source="mastered", help_text="Of the course's practisable skills."
    )
    skill_total = serializers.IntegerField(help_text="The course's practisable skills.")
    skills = SkillProgressSerializer(
        source="reports", many=True, help_text="Every skill of the course, in prerequisite order."
    )
    stuck_on = StuckSkillSerializer(
        many=True, help_text=f"The skills they are stuck on, in key order: {STUCK_RULE}. Empty if none."
    )
    estimates = SkillEstimateSerializer(
        many=True,
        allow_null=True,
        help_text="The engine's estimate of each practisable skill now, in prerequisite order; null where no "
        "model is active (mastery is then read from the answers alone).",
    )
    offered = OfferedSerializer(
        allow_null=True,
        help_text="What the engine offers them now; null when their latest one is answered, or a teacher has "
        "steered since it was made (the engine then chooses afresh when they next practise).",
    )
    overrides = OverrideSerializer(many=True, help_text="In force for them: their own, then the course's.")


class ClassEnrollSerializer(serializers.Serializer):
    usernames = serializers.ListField(
        child=StrictCharField(max_length=150),
        allow_empty=False,
        max_length=1000,
        help_text="The students' usernames, as they sign in (at most 1,000).",
    )
    create_accounts = serializers.BooleanField(
        default=False,
        help_text=f"Create a student account, enrolled, with a temporary password, for each name that is no "
        f"one's (at most {MAX_NEW_ACCOUNTS} at a time); all or nothing. The passwords are in `accounts`, "
        "this once. Where the school's administrators make the accounts (the server's setting "
        "`TEACHER_ACCOUNTS_OPEN` off), `true` is a 400 on `create_accounts` that says so, and nothing is "
        "created or enrolled: send the names without it to enroll the existing accounts.",
    )

    def validate_create_accounts(self, value: bool) -> bool:
        if value and (refusal := teacher_accounts_refusal()):
            raise serializers.ValidationError(refusal)
        return value


class TemporaryPasswordSerializer(serializers.Serializer):
    """A learner's new temporary password (learners.classroom), given this once: it is stored only hashed."""

    username = serializers.CharField(help_text="The account's username, as they sign in.")
    temporary_password = serializers.CharField(
        help_text="Good for signing in once on the site, where they must then choose their own password; "
        "until they do, the API answers them 403."
    )


class ClassEnrollmentSerializer(serializers.Serializer):
    enrolled = serializers.ListField(
        child=serializers.CharField(),
        help_text="Enrolled now (with `create_accounts`: the new accounts too).",
    )
    already = serializers.ListField(child=serializers.CharField(), help_text="Enrolled before.")
    unknown = serializers.ListField(
        child=serializers.CharField(),
        help_text="No student account of that name (staff accounts too); empty with `create_accounts`.",
    )
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="What to know, such as a course not yet published."
    )
    accounts = TemporaryPasswordSerializer(
        many=True,
        required=False,
        help_text="Only with `create_accounts`: the accounts made now, in the order of the list, each with "
        "its temporary password, shown this once (stored only hashed). Empty when every name had an account.",
    )


class RemarkedAnswerSerializer(serializers.Serializer):
    """A past answer whose mark re-marking changes (learners.services.remarking)."""

    attempt = serializers.IntegerField(source="attempt.pk", help_text="The attempt's id.")
    learner = serializers.CharField(
        source="attempt.learner.__str__", help_text="Their username, as the class list names them."
    )
    created_at = serializers.DateTimeField(source="attempt.created_at", help_text="When they answered.")
    response = serializers.JSONField(source="attempt.response", help_text="What they answered.")
    was_correct = serializers.BooleanField(help_text="How it was marked.")
    now_correct = serializers.BooleanField(help_text="How the exercise as it is now marks it.")


class RemarkingSerializer(serializers.Serializer):
    """What marking an exercise's past answers against the exercise as it is now changes."""

    exercise = serializers.CharField(source="exercise.key", help_text="The exercise's key.")
    now_right = serializers.IntegerField(help_text="Answers marked wrong that are right now.")
    now_wrong = serializers.IntegerField(help_text="Answers marked right that are wrong now.")
    answers = RemarkedAnswerSerializer(
        many=True,
        help_text="Every answer whose mark changes, oldest first. Answers imported from an attempt log keep "
        "the mark of their log and are never listed.",
    )
