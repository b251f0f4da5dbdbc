"""Every account has its learner profile; the progress read model keeps in step with teachers' resets.

A learner is created with the account, wherever the account is made (sign-up, the API, the admin,
createsuperuser), so the enrollment form's learner search finds it at once.

A ``reset_state`` override changes which attempts count (``learners.progress``), though no attempt is
recorded: its learner's progress is rebuilt when one is added, ended or deleted, on commit, as after an
attempt. Overrides are written in ``courses.services`` and the admin; listening here keeps the courses app
from having to know about the learners' read model.
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.models import Override
from learners.models import Learner
from learners.tasks import update_skill_progress


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="learners.a_learner_per_account")
def create_the_learner(sender: type, instance: Any, created: bool, raw: bool, **kwargs: Any) -> None:
    # raw: a fixture being loaded brings its own learners.
    if created and not raw:
        Learner.objects.create(user=instance)


@receiver(post_save, sender=Override, dispatch_uid="learners.reset_changes_progress.save")
@receiver(post_delete, sender=Override, dispatch_uid="learners.reset_changes_progress.delete")
def rebuild_progress_after_a_reset(sender: type[Override], instance: Override, **kwargs: Any) -> None:
    if instance.kind != Override.Kind.RESET_STATE or instance.learner_id is None:
        return
    learner_id, course_id = instance.learner_id, instance.course_id
    transaction.on_commit(lambda: update_skill_progress.delay(learner_id, course_id))
