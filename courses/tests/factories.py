"""Factories for courses, skills and exercises (factory_boy)."""

import factory
from django.contrib.auth import get_user_model

from courses.models import Course, Exercise, Skill


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")


class TeacherFactory(UserFactory):
    username = factory.Sequence(lambda n: f"teacher{n}")
    is_staff = True


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    description = "A course."


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.Sequence(lambda n: f"Skill {n}")


class ExerciseFactory(factory.django.DjangoModelFactory):
    """A numeric exercise 'What is 2 + n?' attached to one skill of its course."""

    class Meta:
        model = Exercise
        skip_postgeneration_save = True

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"ex-{n}")
    type = Exercise.Type.NUMERIC
    prompt = factory.Sequence(lambda n: f"What is 2 + {n}?")
    answer = factory.Sequence(lambda n: 2 + n)
    hints = ["Count on from 2."]
    explanation = "Add the numbers."

    @factory.post_generation
    def skills(self, create: bool, extracted: list[Skill] | None, **kwargs: object) -> None:
        if not create:
            return
        self.skills.set(extracted if extracted is not None else [SkillFactory(course=self.course)])
