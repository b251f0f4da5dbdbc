"""Every account has its learner profile.

A learner is created with the account, wherever the account is made (sign-up, the API, the admin,
createsuperuser), so the enrollment form's learner search finds it at once.
"""

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from learners.models import Learner


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="learners.a_learner_per_account")
def create_the_learner(sender: type, instance: Any, created: bool, raw: bool, **kwargs: Any) -> None:
    # raw: a fixture being loaded brings its own learners.
    if created and not raw:
        Learner.objects.create(user=instance)
