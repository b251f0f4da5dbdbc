"""The progress read model is refreshed by a real Celery worker process on the Redis broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import IN_CI
from learners.models import SkillProgress
from learners.services import enroll, learner_for, record_attempt

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {seconds} s")


@pytest.fixture
def worker():
    if not settings.CELERY_BROKER_URL or connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("worker tests need CELERY_BROKER_URL and a PostgreSQL DATABASE_URL in CI")
        pytest.skip("set CELERY_BROKER_URL and a PostgreSQL DATABASE_URL to run worker tests")
    db = connection.settings_dict
    env = {
        **os.environ,
        # the worker must read and write the test database that this test process uses
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default", "--pool", "solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=Path(settings.BASE_DIR), env=env,
    )  # fmt: skip
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_a_recorded_attempt_updates_progress_through_the_worker(worker, course, student):
    learner = learner_for(student)
    enroll(learner, course)
    record_attempt(learner, course, "add-1", "5", source="api", idempotency_key="w1")
    record_attempt(learner, course, "add-2", "1", source="api", idempotency_key="w2")
    row = wait_for(
        lambda: SkillProgress.objects.filter(learner=learner, skill__key="addition", attempts=2).first()
    )
    assert (row.correct, row.recent_accuracy) == (1, 0.5)
    assert worker.poll() is None, "the worker died"
