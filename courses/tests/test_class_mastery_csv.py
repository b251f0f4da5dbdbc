"""A teacher downloads the class's mastery as a spreadsheet to take into a markbook: every learner in register
order, skill by skill under the skills' names, with the share of answers right and plain local times; another
teacher's course cannot be downloaded."""

import codecs
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from conftest import right_answer
from courses.models import Override, Skill
from courses.services import add_override
from courses.teachers import make_teacher
from courses.tests.factories import UserFactory
from learners.models import Attempt
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db

# A time in the evening, in UTC; in Paris it is an hour later.
EVENING = datetime(2026, 12, 2, 16, 53, 23, 912702, tzinfo=UTC)
WRONG = {"count-2": "4"}  # a wrong choice; "0" is wrong elsewhere


@pytest.fixture
def answer(course, django_capture_on_commit_callbacks):
    """``answer(learner, key, right)``: a web answer, its progress rebuilt as after a real request."""
    keys = iter(range(1000))

    def answer_with(learner, key: str, right: bool) -> None:
        response = right_answer(course, key) if right else WRONG.get(key, "0")
        with django_capture_on_commit_callbacks(execute=True):
            record_attempt(learner, course, key, response, source="web", idempotency_key=f"k{next(keys)}")

    return answer_with


def download(user, course) -> list[list[str]]:
    response = get_csv(user, course)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def get_csv(user, course):
    client = Client()
    client.force_login(user)
    return client.get(f"/admin/courses/course/{course.pk}/mastery.csv")


def answered_at(learner, moment: datetime) -> None:
    Attempt.objects.filter(learner=learner).update(created_at=moment)


@override_settings(TIME_ZONE="Europe/Paris")
def test_every_learner_in_register_order_skill_by_skill(
    course, teacher, student, other_student, answer, django_capture_on_commit_callbacks
):
    make_teacher(teacher)
    sam, olga = learner_for(student), learner_for(other_student)
    amy, ben = learner_for(UserFactory(username="amy")), learner_for(UserFactory(username="Ben"))
    plus = learner_for(UserFactory(username="+1+1"))  # a name a spreadsheet would read as a formula
    for learner in (sam, olga, amy, ben, plus):
        enroll(learner, course)
    for key in ["count-1", "count-2", "count-3"]:
        answer(sam, key, right=True)
    answer(sam, "add-1", right=False)
    for _ in range(3):
        answer(amy, "count-1", right=True)
    for _ in range(8):
        answer(ben, "count-2", right=False)  # stuck on counting
    for _ in range(2):
        answer(olga, "count-1", right=True)
    with django_capture_on_commit_callbacks(execute=True):
        reset = add_override(
            Override(course=course, learner=olga, kind="reset_state", reason="shared the account"), teacher
        )
    for learner in (sam, amy, ben, olga):
        answered_at(learner, EVENING - timedelta(days=2))
    Override.objects.filter(pk=reset.pk).update(created_at=EVENING - timedelta(days=1))
    answer(olga, "count-1", right=False)  # the only answer since her reset
    for learner in (sam, amy, ben):
        answered_at(learner, EVENING)
    Attempt.objects.filter(learner=olga, created_at__gt=EVENING - timedelta(days=1)).update(
        created_at=EVENING
    )

    response = get_csv(teacher, course)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    expected_name = f"class-mastery-arithmetic-{timezone.localdate():%Y-%m-%d}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{expected_name}"'
    assert response.content.startswith(codecs.BOM_UTF8)  # Excel reads the names as UTF-8
    header, *rows = download(teacher, course)
    assert header == [
        "learner", "reset", "skills mastered (of 3)", "answers", "answers right (%)", "last answer",
        "stuck on", "Counting", "Addition", "Multiplication",
    ]  # fmt: skip
    # Register order, capitals aside; times in Paris, to the minute; Olga counted from her reset.
    assert rows == [
        ["'+1+1", "", "0", "0", "", "", "", "", "", ""],
        ["amy", "", "1", "3", "100", "2026-12-02 17:53", "", "mastered", "", ""],
        ["Ben", "", "0", "8", "0", "2026-12-02 17:53", "Counting", "practised", "", ""],
        ["olga", "2026-12-01 17:53", "0", "1", "0", "2026-12-02 17:53", "", "practised", "", ""],
        ["sam", "", "1", "4", "75", "2026-12-02 17:53", "", "mastered", "practised", ""],
    ]
    page = Client()
    page.force_login(teacher)
    assert (
        f"/admin/courses/course/{course.pk}/mastery.csv"
        in page.get(f"/admin/courses/course/{course.pk}/mastery/").content.decode()
    )


def test_skills_are_headed_by_name_told_apart_by_key_and_never_a_formula(course, teacher):
    make_teacher(teacher)
    Skill.objects.filter(course=course, key="addition").update(name="counting")
    Skill.objects.filter(course=course, key="multiplication").update(name="=2*3")  # no formula in a heading
    header = download(teacher, course)[0]
    assert header[7:] == ["Counting (counting)", "counting (addition)", "'=2*3"]


@override_settings(TIME_ZONE="Europe/Paris")
def test_evening_homework_is_on_the_schools_day(course, teacher, student, answer):
    """Half past eleven at night in UTC is already the next day in Paris: the page and the CSV say so."""
    make_teacher(teacher)
    sam = learner_for(student)
    enroll(sam, course)
    answer(sam, "count-1", right=True)
    answered_at(sam, datetime(2026, 12, 2, 23, 30, tzinfo=UTC))
    assert download(teacher, course)[1][5] == "2026-12-03 00:30"
    client = Client()
    client.force_login(teacher)
    page = client.get(f"/admin/courses/course/{course.pk}/mastery/").content.decode()
    assert "<td>3 December 2026</td>" in page
    assert "Times are in the Europe/Paris time zone" in " ".join(page.split())


def test_another_teachers_course_is_not_downloaded(course, other_teacher):
    make_teacher(other_teacher)
    assert get_csv(other_teacher, course).status_code == 404
