"""The learners' pages of the teacher dashboard cost as many queries with 30 rows as with 5: a teacher's
page of 100 attempts is not a hundred queries more."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from conftest import queries_for
from learners.models import Attempt, Enrollment, Learner, SkillProgress

pytestmark = pytest.mark.django_db


def add_pupils(course, count: int, first: int) -> None:
    """``count`` pupils with accounts, enrolled, each with one answer and one skill's progress."""
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"pupil{n:02d}") for n in range(first, first + count)]
    )
    learners = Learner.objects.bulk_create([Learner(user=user) for user in users])
    Enrollment.objects.bulk_create([Enrollment(learner=learner, course=course) for learner in learners])
    exercise = course.exercises.get(key="count-1")
    Attempt.objects.bulk_create(
        Attempt(learner=learner, course=course, exercise=exercise, response=3, correct=True,
                created_at=timezone.now(), source=Attempt.Source.WEB)
        for learner in learners
    )  # fmt: skip
    counting = course.skills.get(key="counting")
    SkillProgress.objects.bulk_create(
        SkillProgress(learner=learner, course=course, skill=counting, attempts=1, correct=1)
        for learner in learners
    )


@pytest.mark.parametrize(
    ("url", "row_text"),
    [
        ("/admin/learners/attempt/", "arithmetic/count-1"),  # an exercise is named with its course
        ("/admin/learners/skillprogress/", "Counting [counting] (arithmetic)"),
        ("/admin/learners/learner/", "pupil"),
        ("/admin/learners/enrollment/", "pupil"),
    ],
)
def test_a_list_costs_as_many_queries_with_30_rows_as_with_5(dashboard, course, url, row_text):
    add_pupils(course, 5, first=0)
    few, page = queries_for(dashboard, url)
    assert page.count(row_text) >= 5
    add_pupils(course, 25, first=5)
    many, page = queries_for(dashboard, url)
    assert page.count(row_text) >= 30
    assert many == few


def test_the_learner_autocomplete_costs_as_many_queries_with_30_pupils_as_with_5(dashboard, course):
    # The enrollment form's learner field: a teacher finds a student by three letters of their username.
    url = "/admin/autocomplete/?app_label=learners&model_name=enrollment&field_name=learner&term=pup"
    add_pupils(course, 5, first=0)
    few, found = queries_for(dashboard, url)
    assert found.count('"text": "pupil') == 5
    add_pupils(course, 25, first=5)
    many, found = queries_for(dashboard, url)
    assert found.count('"text": "pupil') == 20  # a page of the autocomplete
    assert many == few
