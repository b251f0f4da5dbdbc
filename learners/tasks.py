"""Background work of the learners app. Tasks take ids, are idempotent, and return quietly on gone rows."""

from celery import shared_task

from learners.progress import rebuild_skill_progress


@shared_task(acks_late=True, reject_on_worker_lost=True)
def update_skill_progress(learner_id: int, course_id: int) -> int:
    """Refresh the progress page's per-skill statistics of one learner in one course."""
    return rebuild_skill_progress(learner_id, course_id)
