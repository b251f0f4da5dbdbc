"""Python callers such as the simulator record an attempt at a moment of their choosing."""

from datetime import UTC, datetime

import pytest

from learners.models import Attempt, SkillProgress
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
def learner(course, student):
    learner = learner_for(student)
    enroll(learner, course)
    return learner


def answer(learner, course, key: str, at: datetime):
    return record_attempt(
        learner, course, "count-1", "3", source=Attempt.Source.SIMULATION, idempotency_key=key, at=at
    )


def test_an_attempt_is_stored_at_the_moment_given_and_the_progress_follows_on_commit(
    learner, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        result = answer(learner, course, "k1", MOMENT)
    assert Attempt.objects.get().created_at == MOMENT
    assert result.next is not None and result.next.after_attempt == result.attempt
    assert len(callbacks) == 2 and not SkillProgress.objects.exists()
    for callback in callbacks:
        callback()
    progress = SkillProgress.objects.get(skill__key="counting")
    assert (progress.attempts, progress.last_practised_at) == (1, MOMENT)


def test_a_retry_at_a_later_moment_replays_the_first_attempt(learner, course):
    first = answer(learner, course, "k1", MOMENT)
    again = answer(learner, course, "k1", datetime(2026, 3, 2, tzinfo=UTC))
    assert again.replayed and again.attempt.pk == first.attempt.pk
    assert Attempt.objects.get().created_at == MOMENT
