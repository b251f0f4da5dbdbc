"""A teacher downloads the class's mastery as a spreadsheet: every learner, skill by skill, the same figures
as the page; another teacher's course cannot be downloaded."""

import csv
import io

import pytest
from django.test import Client
from django.utils import timezone

from conftest import right_answer
from courses.teachers import make_teacher
from courses.tests.factories import UserFactory
from learners.models import Attempt
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


def download(user, course):
    client = Client()
    client.force_login(user)
    return client.get(f"/admin/courses/course/{course.pk}/mastery.csv")


def test_every_learner_skill_by_skill(
    course, teacher, student, other_student, django_capture_on_commit_callbacks
):
    make_teacher(teacher)
    sam, olga = learner_for(student), learner_for(other_student)
    plus = learner_for(UserFactory(username="+1+1"))  # a name a spreadsheet would read as a formula
    for learner in (sam, olga, plus):
        enroll(learner, course)
    for n, key in enumerate(["count-1", "count-2", "count-3"]):
        with django_capture_on_commit_callbacks(execute=True):
            record_attempt(sam, course, key, right_answer(course, key), source="web", idempotency_key=f"k{n}")
    with django_capture_on_commit_callbacks(execute=True):
        record_attempt(olga, course, "count-1", "0", source="web", idempotency_key="o1")

    response = download(teacher, course)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    expected_name = f"class-mastery-arithmetic-{timezone.localdate():%Y-%m-%d}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{expected_name}"'
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == [
        "learner", "reset", "skills mastered (of 3)", "answers", "last answer", "stuck on",
        "counting", "addition", "multiplication",
    ]  # fmt: skip
    last = {
        learner: Attempt.objects.filter(learner=learner).last().created_at.isoformat()
        for learner in (sam, olga)
    }
    # Weakest first, as on the page: nobody's answers, then Olga's wrong one, then Sam's three right.
    assert rows == [
        ["'+1+1", "", "0", "0", "", "", "", "", ""],
        ["olga", "", "0", "1", last[olga], "", "practised", "", ""],
        ["sam", "", "1", "3", last[sam], "", "mastered", "", ""],
    ]
    page = Client()
    page.force_login(teacher)
    assert (
        f"/admin/courses/course/{course.pk}/mastery.csv"
        in page.get(f"/admin/courses/course/{course.pk}/mastery/").content.decode()
    )


def test_another_teachers_course_is_not_downloaded(course, other_teacher):
    make_teacher(other_teacher)
    assert download(other_teacher, course).status_code == 404
