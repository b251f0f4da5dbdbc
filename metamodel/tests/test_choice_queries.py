"""A choice reads the course and the learner's history once: its queries do not grow with the history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import train_on_simulated_learners
from learners.models import Attempt
from learners.services import enroll, learner_for
from metamodel.services import recommend_next

pytestmark = pytest.mark.django_db

# The course's graph stamp (its graph was read by the choice before), the overrides, the history, the
# stored state with its version (active: no other query for the active version) and its conditional
# update, the open recommendation, the new one.
QUERIES_OF_A_CHOICE = 7


def queries_of_a_choice_after(learner, course, answers: int) -> int:
    """Add ``answers`` attempts to the log, as the worker has not adapted to yet, then count one choice."""
    exercises = list(course.exercises.all())
    start = timezone.now() - timedelta(days=1)
    Attempt.objects.bulk_create(
        Attempt(
            learner=learner,
            course=course,
            exercise=exercises[n % len(exercises)],
            correct=n % 3 > 0,
            created_at=start + timedelta(seconds=n),
            source=Attempt.Source.SIMULATION,
        )
        for n in range(answers)
    )
    with CaptureQueriesContext(connection) as queries:
        recommend_next(learner, course)
    return len(queries)


def test_a_choice_costs_the_same_queries_after_one_answer_or_three_hundred(course, student):
    train_on_simulated_learners()
    learner = learner_for(student)
    enroll(learner, course)
    recommend_next(learner, course)  # the first choice also creates the learner's stored state
    after_one = queries_of_a_choice_after(learner, course, 1)
    after_many = queries_of_a_choice_after(learner, course, 300)
    assert after_one == after_many <= QUERIES_OF_A_CHOICE
