"""Every shipped demo exercise accepts its own answer and rejects a wrong one."""

import pytest
from django.core.management import call_command

from courses.management.commands.setup_demo import DEMO_DIR
from courses.models import Course, Exercise
from learners.models import Attempt
from metamodel.models import ModelVersion

pytestmark = pytest.mark.django_db


def wrong_answer(exercise: Exercise):
    if exercise.type == Exercise.Type.MULTIPLE_CHOICE:
        return next(choice for choice in exercise.choices if choice != exercise.answer)
    if exercise.type == Exercise.Type.NUMERIC:
        return str(float(exercise.answer) + 1 + 10 * (exercise.tolerance or 0))
    return "certainly not " + exercise.answer[0]


def test_the_demo_loads_three_rich_courses_and_every_answer_checks_out():
    call_command("setup_demo", "--no-model")
    assert len(list(DEMO_DIR.glob("*.yaml"))) >= 3
    courses = Course.objects.all()
    assert courses.count() >= 3
    for course in courses:
        assert course.skills.count() >= 8, course.slug
        assert course.exercises.count() >= 60, course.slug
        assert course.prerequisite_pairs(), course.slug
        for exercise in course.exercises.all():
            answer = exercise.answer if exercise.type != Exercise.Type.TEXT else exercise.answer[0]
            assert exercise.is_correct(answer), exercise
            assert not exercise.is_correct(wrong_answer(exercise)), exercise
            assert exercise.hints and exercise.explanation, exercise


def test_setup_demo_leaves_a_trained_model_and_can_run_twice():
    call_command("setup_demo")
    attempts = Attempt.objects.count()
    call_command("setup_demo")
    assert Course.objects.get(slug="fractions").teachers.get().username == "teacher"
    assert Attempt.objects.count() == attempts > 0  # the simulated histories are stored once
    assert ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).count() == 1
