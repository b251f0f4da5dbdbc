"""Thin Celery tasks of the learning engine: they take ids, are idempotent and return quietly on gone rows."""

from celery import shared_task
from django.conf import settings

from metamodel import services, training


@shared_task(acks_late=True, reject_on_worker_lost=True)
def adapt_learner(learner_id: int, course_id: int) -> int | None:
    """Adapt the active model to one learner in one course (stores a LearnerState)."""
    state = services.adapt_learner(learner_id, course_id)
    return state.pk if state else None


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.TRAINING_TIME_LIMIT,
    soft_time_limit=settings.TRAINING_TIME_LIMIT - 60,
)
def meta_train(run_id: int) -> int | None:
    """Run one queued training run (claimed once, however often the message is delivered)."""
    version = training.run_training(run_id)
    return version.pk if version else None


@shared_task
def meta_train_nightly() -> int:
    """Beat's nightly entry: queue a training run."""
    return training.start_training_run(trigger="schedule").pk
