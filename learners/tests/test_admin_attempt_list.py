"""A teacher's lists of attempts, exercises and learners: the same rows as before, read without sorting the
whole attempt log to remove duplicates, the latest answers first."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import arithmetic_document
from courses.services import import_course
from courses.teachers import make_teacher
from learners.services import enroll, learner_for
from learners.tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_courses_of_mine(teacher, other_teacher, course, student, other_student):
    """Sam is enrolled in two of tess's courses: he answered in arithmetic today, in geometry yesterday and
    three days ago; olga answered in otto's course two days ago."""
    make_teacher(teacher)
    second = import_course(arithmetic_document("geometry"), teacher=teacher).course
    theirs = import_course(arithmetic_document("other-course"), teacher=other_teacher).course
    sam, olga = learner_for(student), learner_for(other_student)
    now = timezone.now()
    answers = [(sam, course), (sam, second), (olga, theirs), (sam, second)]
    for days_ago, (learner, taught) in enumerate(answers):
        enroll(learner, taught)
        AttemptFactory(learner=learner, exercise=taught.exercises.get(key="add-1"),
                       created_at=now - timedelta(days=days_ago))  # fmt: skip
    client = Client()
    client.force_login(teacher)
    return client


def rows_of(page: str, column: str) -> list[str]:
    return re.findall(rf'<td class="field-{column}[^"]*">([^<]*)</td>', page)


def test_the_attempt_list_shows_the_latest_answers_first(two_courses_of_mine):
    page = two_courses_of_mine.get("/admin/learners/attempt/").content.decode()
    assert rows_of(page, "exercise") == ["arithmetic/add-1", "geometry/add-1", "geometry/add-1"]


def test_the_attempt_list_filters_by_date_without_a_date_drill_down(two_courses_of_mine):
    page = two_courses_of_mine.get("/admin/learners/attempt/").content.decode()
    assert "Past 7 days" in page  # the sidebar's date filter
    assert '<nav class="toplinks">' not in page  # its links cost a scan of every date of the log


@pytest.mark.parametrize(
    ("url", "table", "rows"),
    [
        ("/admin/learners/attempt/", "learners_attempt", 3),
        ("/admin/learners/learner/", "learners_learner", 1),
        ("/admin/learners/enrollment/", "learners_enrollment", 2),
        ("/admin/courses/exercise/", "courses_exercise", 12),
        ("/admin/courses/course/", "courses_course", 2),
    ],
)
def test_a_teachers_list_shows_each_row_once_without_a_distinct(two_courses_of_mine, url, table, rows):
    with CaptureQueriesContext(connection) as queries:
        page = two_courses_of_mine.get(url).content.decode()
    listed = page[page.index('<table id="result_list">') :]
    assert listed[listed.index("<tbody>") : listed.index("</tbody>")].count("<tr") == rows
    assert "other-course" not in page and "olga" not in page
    assert not [q["sql"] for q in queries.captured_queries if f'DISTINCT "{table}"."id"' in q["sql"]]


def test_the_exercise_list_counts_each_exercises_attempts(two_courses_of_mine):
    page = two_courses_of_mine.get("/admin/courses/exercise/?q=add-1").content.decode()
    assert rows_of(page, "course") == ["Arithmetic", "Arithmetic"]
    assert sorted(rows_of(page, "attempt_count")) == ["1", "2"]  # arithmetic's add-1 and geometry's
