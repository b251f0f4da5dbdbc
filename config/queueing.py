"""Sending follow-up tasks once the request's writes are committed."""

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: object) -> None:
    """Send ``task(*args)`` when the current transaction commits.

    A broker that cannot be reached is logged, not raised: by then the request's own writes (an answer,
    an override) are committed and must be reported as such, and what the task keeps up to date catches up
    without it (progress is rebuilt at the learner's next answer, adaptation inline at the next choice).
    """

    def send() -> None:
        try:
            task.delay(*args)
        except OperationalError as error:
            log.warning("Could not queue %s%s: the task broker is unreachable (%s)", task.name, args, error)

    transaction.on_commit(send)
