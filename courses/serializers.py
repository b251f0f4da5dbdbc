"""API representations of courses. Answers never leave the server through these."""

from rest_framework import serializers

from courses.models import Course, Exercise, Skill


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
        exercises = course.exercises.filter(active=True, imported=False).prefetch_related("skills")
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
