"""Every shipped demo exercise accepts its own answer and rejects a wrong one."""

import pytest
from django.core import mail
from django.core.management import call_command

from courses.management.commands.setup_demo import DEMO_DIR
from courses.models import Course, Exercise, read_fraction
from learners.models import Attempt
from metamodel.models import ModelVersion

pytestmark = pytest.mark.django_db


def wrong_answer(exercise: Exercise):
    if exercise.type == Exercise.Type.MULTIPLE_CHOICE:
        return next(choice for choice in exercise.choices if choice != exercise.answer)
    if exercise.type == Exercise.Type.NUMERIC:
        return str(float(exercise.answer) + 1 + 10 * (exercise.tolerance or 0))
    if exercise.type == Exercise.Type.FRACTION:  # the right value over another denominator: not simplified
        value, denominator = read_fraction(exercise.answer)
        return f"{value.numerator * denominator * 2}/{value.denominator * denominator * 2}"
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


MARKED = [
    ("intro-python", "dicts-06", "None", False), ("intro-python", "dicts-06", "none", True),
    ("intro-python", "types-06", "false true", False), ("fractions", "like-05", "3 /2", True),
    ("fractions", "like-05", "3/ 2", True), ("fractions", "like-05", "1 1/2", True),
    ("fractions", "like-05", "1\u00bd", True), ("fractions", "like-05", "18/12", False),
    ("fractions", "simplify-01", "6/8", False), ("fractions", "equiv-05", "3/4", False),
    ("linear-equations", "formulas-08", "L = a/W", False),
]  # fmt: skip


def test_the_demo_student_resets_a_forgotten_password_by_email_printed_in_the_terminal(client):
    call_command("setup_demo", "--no-model")
    client.post("/accounts/password-reset/", {"email": "student@example.org"})
    [message] = mail.outbox  # the embedded server's console backend prints it; tests keep it here
    assert message.to == ["student@example.org"] and "account student on" in message.body


def test_the_demo_marks_python_output_by_its_capitals_and_fractions_by_value_and_denominator():
    call_command("setup_demo", "--no-model")
    for course, key, response, correct in MARKED:
        exercise = Exercise.objects.get(course__slug=course, key=key)
        assert exercise.is_correct(response) is correct, (course, key, response)


def test_setup_demo_leaves_a_trained_model_and_can_run_twice():
    call_command("setup_demo")
    attempts = Attempt.objects.count()
    call_command("setup_demo")
    assert Course.objects.get(slug="fractions").teachers.get().username == "teacher"
    assert Attempt.objects.count() == attempts > 0  # the simulated histories are stored once
    assert ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).count() == 1
