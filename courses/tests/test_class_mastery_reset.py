"""After a teacher resets a learner, the class mastery page counts that learner's answers from the reset, as
their skills and their own progress page do, and says when the reset was."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Override
from courses.services import add_override, end_override
from courses.teachers import make_teacher
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(course, django_capture_on_commit_callbacks):
    """``answer(learner, key, response)``: a web answer, its progress rebuilt as after a real request."""
    keys = iter(range(1000))

    def answer_with(learner, key: str, response: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            record_attempt(learner, course, key, response, source="web", idempotency_key=f"k{next(keys)}")

    return answer_with


@pytest.fixture
def reset(course, teacher, django_capture_on_commit_callbacks):
    def reset_learner(learner) -> Override:
        with django_capture_on_commit_callbacks(execute=True):
            return add_override(
                Override(course=course, learner=learner, kind="reset_state", reason="shared the account"),
                teacher,
            )

    return reset_learner


def teachers_row(teacher, course, name: str) -> str:
    client = Client()
    client.force_login(teacher)
    page = client.get(f"/admin/courses/course/{course.pk}/mastery/").content.decode()
    return re.search(rf'<tr><th scope="row">(?:<a [^>]*>)?{name}\b.*?</tr>', page, re.DOTALL).group(0)


def cells(row: str) -> list[str]:
    return re.findall(r"<td>([^<]*)</td>", row)


def answered_on_own_page(user, course) -> str:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("learners:progress", args=[course.slug])).content.decode()
    return re.search(r'<dd id="total-answered">(\d+)</dd>', page).group(1)


def test_a_reset_learner_is_counted_from_the_reset_as_on_their_own_page(
    course, teacher, student, other_student, answer, reset, django_capture_on_commit_callbacks
):
    make_teacher(teacher)
    sam, olga = learner_for(student), learner_for(other_student)
    for learner in (sam, olga):
        enroll(learner, course)
        for _ in range(3):
            answer(learner, "count-1", "3")  # counting mastered
    made = reset(sam)
    answer(sam, "count-2", "4")  # wrong: still nothing mastered
    row = teachers_row(teacher, course, "sam")
    assert cells(row)[:2] == ["0", "1"]  # skills mastered, answers: both since the reset
    assert f"(reset {timezone.localtime(made.created_at):%-d %B %Y})" in row
    assert answered_on_own_page(student, course) == "1"
    olga_row = teachers_row(teacher, course, "olga")
    assert cells(olga_row)[:2] == ["1", "3"] and "reset" not in olga_row

    with django_capture_on_commit_callbacks(execute=True):
        end_override(made, teacher)  # an ended reset counts every answer again
    row = teachers_row(teacher, course, "sam")
    assert cells(row)[1] == "4" and "reset" not in row
    assert answered_on_own_page(student, course) == "4"


def test_after_two_resets_the_answers_count_from_the_latest(course, teacher, student, answer, reset):
    make_teacher(teacher)
    sam = learner_for(student)
    enroll(sam, course)
    answer(sam, "count-1", "3")
    reset(sam)
    answer(sam, "count-1", "3")
    reset(sam)
    answer(sam, "count-2", "7")
    answer(sam, "count-1", "3")
    assert cells(teachers_row(teacher, course, "sam"))[1] == "2" == answered_on_own_page(student, course)
