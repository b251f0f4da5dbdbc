"""Keeping the progress read model in step with teachers' resets.

A ``reset_state`` override changes which attempts count (``learners.progress``), though no attempt is
recorded: its learner's progress is rebuilt when one is added, ended or deleted, on commit, as after an
attempt. Overrides are written in ``courses.services`` and the admin; listening here keeps the courses app
from having to know about the learners' read model.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.models import Override
from learners.tasks import update_skill_progress


@receiver(post_save, sender=Override, dispatch_uid="learners.reset_changes_progress.save")
@receiver(post_delete, sender=Override, dispatch_uid="learners.reset_changes_progress.delete")
def rebuild_progress_after_a_reset(sender: type[Override], instance: Override, **kwargs: Any) -> None:
    if instance.kind != Override.Kind.RESET_STATE or instance.learner_id is None:
        return
    learner_id, course_id = instance.learner_id, instance.course_id
    transaction.on_commit(lambda: update_skill_progress.delay(learner_id, course_id))
