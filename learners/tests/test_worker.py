"""The progress read model is refreshed by a real Celery worker process on the Redis broker."""

import pytest

from conftest import wait_for
from learners.models import SkillProgress
from learners.services import enroll, learner_for, record_attempt

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_recorded_attempt_updates_progress_through_the_worker(start_worker, course, student):
    worker = start_worker("default")
    learner = learner_for(student)
    enroll(learner, course)
    record_attempt(learner, course, "add-1", "5", source="api", idempotency_key="w1")
    record_attempt(learner, course, "add-2", "1", source="api", idempotency_key="w2")
    row = wait_for(
        lambda: SkillProgress.objects.filter(learner=learner, skill__key="addition", attempts=2).first()
    )
    assert (row.correct, row.recent_accuracy) == (1, 0.5)
    assert worker.poll() is None, "the worker died"
