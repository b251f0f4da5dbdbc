"""Sending follow-up tasks once the request's writes are committed."""

import logging
from collections.abc import Iterable

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: object) -> None:
    """Send ``task(*args)`` when the current transaction commits (:func:`enqueue_all_on_commit`)."""
    enqueue_all_on_commit(task, [args])


def enqueue_all_on_commit(task: Task, calls: Iterable[tuple]) -> None:
    """Send ``task`` once with each argument tuple of ``calls`` when the current transaction commits.

    A broker that cannot be reached is logged, not raised: by then the request's own writes (an answer,
    an override, an import) are committed and must be reported as such, and what the task keeps up to date
    catches up without it (progress is rebuilt at the learner's next answer, adaptation inline at the next
    choice). The first failure ends the sending: each try waits for the broker's connection retries.
    """
    calls = list(calls)

    def send() -> None:
        for sent, args in enumerate(calls):
            try:
                task.delay(*args)
            except OperationalError as error:
                log.warning(
                    "Could not queue %s%s (%d of %d not sent): the task broker is unreachable (%s)",
                    task.name, args, len(calls) - sent, len(calls), error,
                )  # fmt: skip
                return

    transaction.on_commit(send)
