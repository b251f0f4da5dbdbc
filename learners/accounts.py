"""A student's own account: everything the platform keeps about them, to download, and erasure of it all.

What a school's data protection asks of it (GDPR articles 15, 17 and 20): the account (with a new e-mail
address waiting to be confirmed, ``PendingEmail``, which goes with it), its enrollments,
every answer, every decision the engine made for the learner with its reasons and predictions, the
progress figures, the engine's adapted parameters and the teachers' overrides about them. Erasing the
account deletes all of it in one transaction, with the admin's log entries about those records (they
name the student). The shared model keeps no parameter of its own for any
learner, so versions trained before the erasure hold nothing that is theirs alone; later trainings no
longer see their answers.

The account's e-mail address (``User.email``), where Django's password reset sends its links, is one its
owner has confirmed: a new one, given at sign-up, on the account page or through the API, waits
(``PendingEmail``) until they open the link e-mailed to it (:func:`change_email`, :func:`confirm_email`), so
that a typo never sends reset links to a stranger. An address set by staff in the admin, by a school's roster
(``manage.py import_accounts``) or by ``setup_demo`` is trusted as it is.
"""

import logging
import re
import smtplib
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.shortcuts import get_current_site
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from config.throttles import ResetEmailThrottle
from courses.models import Override
from learners.models import Attempt, Enrollment, Learner, PendingEmail, SkillProgress
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
        # The learner, every row about them and a new address waiting go with it (on_delete=CASCADE).
        user.delete()


# What a link to confirm an address signs (django.core.signing): for this use only.
CONFIRM_SALT = "learners.accounts.confirm_email"


class TooManyLinks(Exception):
    """More links e-mailed to one address than PASSWORD_RESET_THROTTLE_RATE allows: nothing was sent."""

    def __init__(self, wait: int):
        self.wait = wait
        self.message = f"Too many links sent to this address: try again in {wait} seconds."
        super().__init__(self.message)


class LinkRefused(Exception):
    """A link to confirm an address that confirms nothing (any more): ``message`` says why, for its reader."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class LinksToAddressThrottle(ResetEmailThrottle):
    """The reset links' count and limit for one address (PASSWORD_RESET_THROTTLE_RATE), kept for the links
    that confirm an address too: whichever link fills a mailbox, the mailbox is the same. The address is
    given, not read from the request: sending a link again names none."""

    def __init__(self, email: str):
        super().__init__()
        self.email = email

    def get_cache_key(self, request, view) -> str:
        return super().get_cache_key(SimpleNamespace(data={"email": self.email}), view)


def confirm_hours() -> int:
    """How long a link to confirm an address works (EMAIL_CONFIRM_HOURS), as the pages and e-mails say."""
    return settings.EMAIL_CONFIRM_HOURS


def pending_email_of(user: AbstractBaseUser) -> PendingEmail | None:
    """The new address waiting for the account's owner to open the link sent to it, if any."""
    return PendingEmail.objects.filter(user__pk=user.pk).first()


def send_account_mail(
    subject_template: str, body_template: str, context: dict, to: str, failure: str
) -> None:
    """One e-mail about an account, rendered from its templates; a mail server that fails is logged
    (``failure``, for whoever runs the site) and the action that sent it stands."""
    subject = render_to_string(subject_template, context).strip()
    try:
        send_mail(subject, render_to_string(body_template, context), None, [to])
    except (smtplib.SMTPException, OSError):
        logger.exception(failure)


def _tell_old_address(request, user: AbstractBaseUser, old: str) -> None:
    """Tell the address the account had of its change, so that an owner whose open session someone else used
    to send the account's reset links elsewhere learns of it."""
    if not old or old.casefold() == user.email.casefold():
        return
    context = {
        "username": user.get_username(),
        "site_name": get_current_site(request).name,
        "email": user.email,
    }
    send_account_mail(
        "registration/email_changed_subject.txt",
        "registration/email_changed.txt",
        context,
        old,
        "The notice of a changed e-mail address could not be sent",
    )


def _count_link(request, email: str) -> None:
    """Count a link to ``email`` with the reset links to it: TooManyLinks beyond the limit."""
    throttle = LinksToAddressThrottle(email)
    if not throttle.allow_request(request, None):
        raise TooManyLinks(max(1, round(throttle.wait() or 1)))


def _email_link(request, pending: PendingEmail) -> None:
    """E-mail the pending address its link: a signed token of the account, the address and this request for
    it (its id), which :func:`confirm_email` reads within ``confirm_hours``."""
    site = get_current_site(request)
    token = signing.dumps(
        {"user": pending.user_id, "email": pending.email, "pending": pending.pk}, salt=CONFIRM_SALT
    )
    context = {
        "username": pending.user.get_username(),
        "email": pending.email,
        "site_name": site.name,
        "domain": site.domain,
        "protocol": "https" if request.is_secure() else "http",
        "token": token,
        "confirm_hours": confirm_hours(),
    }
    send_account_mail(
        "registration/email_confirm_subject.txt",
        "registration/email_confirm_email.txt",
        context,
        pending.email,
        "The link to confirm an e-mail address could not be sent",
    )


def send_confirmation_link(request, pending: PendingEmail) -> None:
    """E-mail the pending address a link that makes it the account's, good for ``confirm_hours``: the first
    one, or again (each link works until it expires or the address stops waiting). Counted with the reset
    links to the same address: TooManyLinks, nothing sent, beyond PASSWORD_RESET_THROTTLE_RATE. A mail server
    that fails is logged; the address waits, and the link can be sent again."""
    _count_link(request, pending.email)
    _email_link(request, pending)


def change_email(request, email: str) -> PendingEmail | None:
    """The signed-in account's e-mail address, where reset links for a forgotten password go, replaced
    (empty: removed). Removed, or the address it has (in other capitals, say), it changes at once and any new
    address waiting is dropped. A new address waits (``PendingEmail``, replacing any other waiting) until its
    owner opens the link e-mailed to it (:func:`confirm_email`); until then reset links go to the address the
    account has. Returns the address waiting, or None when the change took effect; TooManyLinks, nothing
    changed, when the new address has had too many links. The address the account had is told when the
    change takes effect (here, or on confirming)."""
    user = request.user
    if not email or email.casefold() == user.email.casefold():
        cancel_email_change(user)
        old, user.email = user.email, email
        user.save(update_fields=["email"])
        _tell_old_address(request, user, old)
        return None
    _count_link(request, email)
    with transaction.atomic():
        # The account's row locked: two requests at once replace the waiting address one after the other.
        get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
        pending = PendingEmail.objects.filter(user__pk=user.pk).first()
        if pending is None or pending.email != email:
            # A new row, a new id: the links sent for the address it replaces no longer confirm anything.
            PendingEmail.objects.filter(user__pk=user.pk).delete()
            pending = PendingEmail.objects.create(user=user, email=email)
    _email_link(request, pending)
    return pending


def cancel_email_change(user: AbstractBaseUser) -> PendingEmail | None:
    """Drop the new address waiting to be confirmed, if any (returned): its links no longer confirm it, and
    reset links go on to the address the account has."""
    pending = pending_email_of(user)
    if pending is not None:
        PendingEmail.objects.filter(pk=pending.pk).delete()
    return pending


def _confirmation_in(token: str) -> dict:
    """What a link to confirm an address signed, or LinkRefused: expired, or not a link of ours."""
    try:
        signed = signing.loads(token, salt=CONFIRM_SALT, max_age=timedelta(hours=confirm_hours()))
        return {"user": int(signed["user"]), "email": str(signed["email"]), "pending": int(signed["pending"])}
    except signing.SignatureExpired:
        raise LinkRefused(
            f"A link to confirm an e-mail address works for {confirm_hours()} hours, and this one is older. "
            "Sign in and send a new one from your account page."
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused(
            "This link is not complete, or it was changed. Open it again from the e-mail, the whole of it, "
            "or sign in and send a new one from your account page."
        ) from None


def _no_longer_waiting(confirmation: dict) -> LinkRefused:
    """Why a well-signed link confirms nothing: used already, or for an address no longer waiting."""
    email = confirmation["email"]
    user = get_user_model().objects.filter(pk=confirmation["user"]).first()
    if user is not None and user.email == email:
        return LinkRefused(
            f"This link was used already: {email} is your account's e-mail address. There is nothing more "
            "to do."
        )
    return LinkRefused(
        f"This link was for {email}, which is no longer waiting to be confirmed: the change was cancelled, "
        "or another address was given since. Open the newest link we sent, or sign in and send a new one "
        "from your account page."
    )


def address_to_confirm(token: str) -> PendingEmail:
    """The new address a link confirms, waiting now, with its account; LinkRefused, saying why, when the link
    is expired, changed, used already, or for an address no longer waiting."""
    confirmation = _confirmation_in(token)
    pending = (
        PendingEmail.objects.select_related("user")
        .filter(pk=confirmation["pending"], user__pk=confirmation["user"], email=confirmation["email"])
        .first()
    )
    if pending is None:
        raise _no_longer_waiting(confirmation)
    return pending


def confirm_email(request, token: str) -> AbstractBaseUser:
    """Make the address a link confirms the account's e-mail address, where reset links go from now on, and
    tell the address it had; returns the account. LinkRefused as :func:`address_to_confirm` says. The waiting
    address is claimed by deleting its row: of two confirmations at once (a double click), one changes the
    address and the other finds it used."""
    confirmation = _confirmation_in(token)
    with transaction.atomic():
        claimed, _ = PendingEmail.objects.filter(
            pk=confirmation["pending"], user__pk=confirmation["user"], email=confirmation["email"]
        ).delete()
        if not claimed:
            raise _no_longer_waiting(confirmation)
        user = get_user_model().objects.select_for_update().get(pk=confirmation["user"])
        old, user.email = user.email, confirmation["email"]
        user.save(update_fields=["email"])
    _tell_old_address(request, user, old)
    return user
