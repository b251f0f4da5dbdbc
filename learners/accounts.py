"""A student's own account: everything the platform keeps about them, to download, and erasure of it all.

What a school's data protection asks of it (GDPR articles 15, 17 and 20): the account, its enrollments,
every answer, every decision the engine made for the learner with its reasons and predictions, the
progress figures, the engine's adapted parameters and the teachers' overrides about them. Erasing the
account deletes all of it in one transaction, with the admin's log entries about those records (they
name the student). The shared model keeps no parameter of its own for any
learner, so versions trained before the erasure hold nothing that is theirs alone; later trainings no
longer see their answers.
"""

import logging
import re
import smtplib

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from courses.models import Override
from learners.models import Attempt, Enrollment, Learner, SkillProgress
from metamodel.models import LearnerState, Recommendation

logger = logging.getLogger(__name__)

# Raised when the export's layout changes, so that a reader of an older download knows.
EXPORT_FORMAT = 1


class CannotErase(Exception):
    """The account may not be erased by its owner here (staff, or self-service erasure is off)."""


def account_records(user: AbstractBaseUser) -> dict:
    """The querysets of everything kept about the user's learner (empty when they never practised)."""
    # The user's learner, as a subquery: with none (never practised) nothing matches, where learner=None
    # would match the course-wide overrides (learner NULL).
    mine = {"learner__in": Learner.objects.filter(user__pk=user.pk).values("pk")}
    return {
        "enrollments": Enrollment.objects.filter(**mine).select_related("course").order_by("created_at"),
        "attempts": Attempt.objects.filter(**mine).select_related("course", "exercise"),
        "recommendations": Recommendation.objects.filter(**mine)
        .select_related("course", "exercise", "learner_choice")
        .order_by("created_at", "id"),
        "skill_progress": SkillProgress.objects.filter(**mine).select_related("course", "skill"),
        "engine_states": LearnerState.objects.filter(**mine).select_related("course"),
        "overrides": Override.objects.filter(**mine).select_related("course", "skill", "exercise"),
    }


def account_data(user: AbstractBaseUser) -> dict:
    """The whole download, laid out as learners.serializers.AccountDataSerializer renders it."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "account": user,
        **account_records(user),
    }


# How each record kept about a learner names them (its __str__), so that the admin's log entries about
# records already deleted (an enrollment a teacher removed) are found by what they say: "sam in fractions".
NAMED_AS = {
    Learner: "^{}$",
    Enrollment: "^{} in ",
    Attempt: "^{} on ",
    SkillProgress: "^{} on ",
    LearnerState: "^{} in ",
    Recommendation: " for {}$",
    Override: " for {}$",
}


def admin_log_about(user: AbstractBaseUser) -> QuerySet[LogEntry]:
    """The admin's log entries about the account, its learner or anything kept about them, now or before
    (each names its record: "#12: Set the target band in fractions for sam"), so they go when the account
    goes: by the records' ids, and for records deleted since, by how their names name the learner."""
    records = [*account_records(user).values(), Learner.objects.filter(user__pk=user.pk)]
    about = Q(content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk))
    for queryset in records:
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        if ids:
            about |= Q(content_type=ContentType.objects.get_for_model(queryset.model), object_id__in=ids)
    name = re.escape(user.get_username())
    for model, pattern in NAMED_AS.items():
        named = pattern.format(name)
        about |= Q(content_type=ContentType.objects.get_for_model(model), object_repr__regex=named)
    return LogEntry.objects.filter(about)


def erase_account(user: AbstractBaseUser) -> None:
    """Delete the account and everything kept about its learner, or raise CannotErase."""
    if not settings.ACCOUNT_DELETION_OPEN:
        raise CannotErase(
            "Deleting an account here is turned off on this platform: ask your school or the platform's "
            "administrator."
        )
    if user.is_staff or user.is_superuser:
        raise CannotErase("A staff account is deleted by an administrator, in the admin.")
    with transaction.atomic():
        admin_log_about(user).delete()
        user.delete()  # the learner and every row about them go with it (on_delete=CASCADE)


def change_email(request, email: str) -> None:
    """The signed-in account's e-mail address, where reset links for a forgotten password go, replaced
    (empty: removed). The address it had is told, so that an owner whose open session someone else used to
    send the account's reset links elsewhere learns of it; a mail server that fails is logged, and the
    change stands."""
    user = request.user
    old, user.email = user.email, email
    user.save(update_fields=["email"])
    if not old or old.casefold() == email.casefold():
        return
    context = {"username": user.get_username(), "site_name": get_current_site(request).name, "email": email}
    subject = render_to_string("registration/email_changed_subject.txt", context).strip()
    try:
        send_mail(subject, render_to_string("registration/email_changed.txt", context), None, [old])
    except (smtplib.SMTPException, OSError):
        logger.exception("The notice of a changed e-mail address could not be sent")
