"""API representations of courses. Answers never leave the server through these."""

from rest_framework import serializers

from courses.models import Course, Exercise, Override, Skill
from learners.models import Learner


class SkillSerializer(serializers.ModelSerializer):
    prerequisites = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)

    class Meta:
        model = Skill
        fields = ["key", "name", "description", "prerequisites"]


class ExerciseSerializer(serializers.ModelSerializer):
    """An exercise as a learner sees it before answering: prompt and choices, no answer."""

    skills = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)
    prompt_html = serializers.CharField(read_only=True)

    class Meta:
        model = Exercise
        fields = ["key", "type", "skills", "prompt", "prompt_html", "choices", "difficulty"]


class CourseSerializer(serializers.ModelSerializer):
    enrolled = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = ["slug", "title", "description", "language", "enrolled"]

    def get_enrolled(self, course: Course) -> bool:
        return course.pk in self.context.get("enrolled_course_ids", ())


class CourseDetailSerializer(CourseSerializer):
    skills = SkillSerializer(many=True, read_only=True)
    exercises = serializers.SerializerMethodField()

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "skills", "exercises"]

    def get_exercises(self, course: Course) -> list[dict]:
        exercises = course.exercises.practisable().prefetch_related("skills")
        return ExerciseSerializer(exercises, many=True).data


class CourseDocumentSerializer(serializers.Serializer):
    """The course document of the import endpoint; validated in full by courses.documents."""

    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    language = serializers.CharField(required=False)
    skills = serializers.ListField(child=serializers.DictField())
    exercises = serializers.ListField(child=serializers.DictField())


class ImportResultSerializer(serializers.Serializer):
    slug = serializers.CharField()
    created = serializers.BooleanField()
    skills = serializers.IntegerField()
    exercises = serializers.IntegerField()
    deactivated = serializers.IntegerField(help_text="Exercises missing from the document, now inactive.")


class OverrideSerializer(serializers.ModelSerializer):
    """A teacher's override, naming things as teachers do: course slug, username, skill and exercise keys."""

    course = serializers.SlugRelatedField(slug_field="slug", queryset=Course.objects.all())
    learner = serializers.CharField(
        source="learner.user.username", required=False, allow_null=True, default=None
    )
    skill = serializers.CharField(source="skill.key", required=False, allow_null=True, default=None)
    exercise = serializers.CharField(source="exercise.key", required=False, allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = Override
        fields = [
            "id", "course", "learner", "kind", "skill", "exercise", "band_low", "band_high", "reason",
            "created_by", "created_at", "ended_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "ended_at"]

    def validate(self, attrs: dict) -> dict:
        course = attrs["course"]
        user = self.context["request"].user
        if not user.is_superuser and not course.teachers.filter(pk=user.pk).exists():
            raise serializers.ValidationError({"course": "You do not teach this course."})
        resolved = {}
        username = (attrs.pop("learner", None) or {}).get("user", {}).get("username")
        if username:
            # Whether they are enrolled is the model's check, shared with the admin.
            resolved["learner"] = Learner.objects.filter(user__username=username).first()
            if resolved["learner"] is None:
                raise serializers.ValidationError({"learner": f"No learner '{username}'."})
        for field, model in (("skill", Skill), ("exercise", Exercise)):
            key = (attrs.pop(field, None) or {}).get("key")
            if key:
                resolved[field] = model.objects.filter(course=course, key=key).first()
                if resolved[field] is None:
                    raise serializers.ValidationError({field: f"No {field} '{key}' in this course."})
        return {**attrs, **resolved}
