"""Every account has its learner profile, and a new password revokes its API tokens.

A learner is created with the account, wherever the account is made (sign-up, the API, the admin,
createsuperuser), so the enrollment form's learner search finds it at once.
"""

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from learners.models import Learner


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="learners.a_learner_per_account")
def create_the_learner(sender: type, instance: Any, created: bool, raw: bool, **kwargs: Any) -> None:
    # raw: a fixture being loaded brings its own learners.
    if created and not raw:
        Learner.objects.create(user=instance)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="learners.revoke_tokens_on_new_password")
def revoke_the_tokens(
    sender: type, instance: Any, raw: bool, update_fields: frozenset[str] | None, **kwargs: Any
) -> None:
    """Saving an account whose password hash changed deletes its API tokens, however it changed: the
    password change page, the admin, `manage.py changepassword`, set_unusable_password. As Django signs
    sessions with the hash, it is the same event that ends the account's other sessions; that includes
    the rehash of a password at login after an upgrade raised its hasher's work factor."""
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
