"""Factories for learners, enrollments and attempts (factory_boy)."""

import factory
from django.utils import timezone

from courses.tests.factories import CourseFactory, ExerciseFactory, UserFactory
from learners.models import Attempt, Enrollment, Learner


class LearnerFactory(factory.django.DjangoModelFactory):
    """The learner of a new account (made with it, learners.signals)."""

    class Meta:
        model = Learner
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    learner = factory.SubFactory(LearnerFactory)
    course = factory.SubFactory(CourseFactory)


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    learner = factory.SubFactory(LearnerFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    course = factory.SelfAttribute("exercise.course")
    response = factory.SelfAttribute("exercise.answer")
    correct = True
    created_at = factory.LazyFunction(timezone.now)
    source = Attempt.Source.API
