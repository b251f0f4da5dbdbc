"""Thin Celery tasks of the learning engine: they take ids, are idempotent and return quietly on gone rows."""

import logging

from celery import shared_task
from django.conf import settings

from metamodel import services, training

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def adapt_learner(learner_id: int, course_id: int) -> int | None:
    """Adapt the active model to one learner in one course (stores a LearnerState)."""
    state = services.adapt_learner(learner_id, course_id)
    return state.pk if state else None


# The limits travel in the task message from the process that sends it (web, beat's worker, `train
# --queue`): TRAINING_TIME_LIMIT must be the same there as on the training worker.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.TRAINING_TIME_LIMIT,
    soft_time_limit=settings.TRAINING_TIME_LIMIT - 60,
)
def meta_train(self, run_id: int) -> int | None:
    """Run one queued training run: claimed by one message only, and again by a redelivery of that message
    when its worker was lost mid-run."""
    version = training.run_training(run_id, task_id=self.request.id)
    return version.pk if version else None


@shared_task
def meta_train_nightly() -> int | None:
    """Beat's nightly entry: queue a training run, unless one is queued or running already."""
    try:
        return training.start_training_run(trigger="schedule").pk
    except training.RunInProgress as busy:
        log.info("nightly training not queued: %s", busy)
        return None


@shared_task
def sweep_training_runs() -> int:
    """Beat's sweep: fail the runs whose worker was lost and those no worker picked up."""
    return training.fail_abandoned_runs()


@shared_task
def prune_model_artifacts() -> int:
    """Beat's daily pruning: delete the artifacts of versions older than the MODEL_ARTIFACTS_KEPT latest."""
    pruned, freed = training.prune_artifacts(settings.MODEL_ARTIFACTS_KEPT)
    if pruned:
        log.info("pruned the artifacts of %d model versions, %d bytes", len(pruned), freed)
    return len(pruned)
