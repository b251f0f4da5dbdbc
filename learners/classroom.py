"""Accounts a teacher makes for a class, and the temporary passwords handed out on paper.

Young pupils often cannot sign up themselves. A teacher enrolling a class (the admin's "Enroll a class")
may have the accounts of the names that are no one's created, each with a temporary password printed on a
sign-in slip; a teacher may also give an enrolled pupil a new temporary password (the learner's page in the
dashboard, ``POST /api/v1/courses/{slug}/class/{learner}/password/``). A temporary password is good for
one thing: signing in to choose one's own (``Learner.must_change_password``). Until then
``learners.middleware`` sends every page to the one where they choose it, and ``learners.permissions``
closes the API to them. The passwords are shown once, in the response that made them, and stored only as
Django's password hashes; the admin's log says which teacher made each account or gave each password.
An account a teacher made by mistake (a name typed wrong) may be deleted by them while it has never been
used (:func:`delete_unused_account`). A school's administrator makes accounts the same way, hundreds at a
time, from a roster file (``manage.py import_accounts``); those are the school's, not a teacher's to delete.
"""

import re
import secrets
from dataclasses import dataclass
from functools import partial

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework.authtoken.models import Token

from courses.models import Course
from learners.accounts import send_account_mail
from learners.models import Learner
from learners.services import ClassEnrollment, enroll, enroll_class

# Lower-case letters and digits without the ones a child (or a printer) confuses: no i, l, 1, o or 0.
# 31 symbols, 10 of them: about 50 bits, beyond guessing at the sign-in's rate limit (AUTH_THROTTLE_RATE),
# and typed on a tablet's keyboard without the shift key.
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_PASSWORD_LENGTH = 10

# Each new password is hashed as every password is (PBKDF2: up to half a second of CPU on a small server):
# fifty accounts keep the request within the web server's timeout (GUNICORN_TIMEOUT, 60 s).
MAX_NEW_ACCOUNTS = 50

USERNAME_CHARACTERS = "letters, digits and @ . + - _ only, no spaces"

# How the admin's log begins the entry of each account made by a teacher enrolling a class (the course
# follows): :func:`delete_unused_account` recognises those accounts by it.
MADE_BY_CLASS_ENROLLMENT = "Created with a temporary password by a teacher enrolling a class"


def temporary_password() -> str:
    """A fresh temporary password: ``TEMPORARY_PASSWORD_LENGTH`` characters drawn with ``secrets`` from
    ``TEMPORARY_PASSWORD_ALPHABET``, easy to read off a slip and to type."""
    return "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))


@dataclass(frozen=True)
class SignInSlip:
    """What one pupil needs to sign in the first time: printed, cut out and handed over."""

    username: str
    temporary_password: str
    course: Course


@dataclass(frozen=True)
class ClassAccounts:
    """What enrolling a class with new accounts did: the enrollment report (the new accounts among the
    enrolled) and a slip for each new account, in the order of the list."""

    enrollment: ClassEnrollment
    slips: list[SignInSlip]


class ClassListRefused(Exception):
    """Accounts cannot be made for the list as it is: every problem, each naming its line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class AccountNotDeleted(Exception):
    """A teacher may not delete this account (:func:`deletion_refusal` says why)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class PasswordNotGiven(Exception):
    """A temporary password cannot be given to this learner (a staff account, or no account at all)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def read_class_list(text: str, *, spaces_separate: bool = True) -> list[tuple[int, str]]:
    """The names of a pasted class list, each with the number of its line (from 1): one name a line, or
    several separated by commas, tabs or spaces, as a spreadsheet column or row, or a typed list, gives them.
    ``spaces_separate`` False, where the names become new accounts: a space is then part of the name (and
    refused as a username's), so that a pupil's full name, "Ana Smith", is not made two accounts, "Ana"
    and "Smith"."""
    separators = re.compile(r"[,\s]+" if spaces_separate else r"[,\t]+")
    return [
        (number, name.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        for name in separators.split(line)
        if name.strip()
    ]


def _username_problem(name: str, pasted: bool) -> str | None:
    """Why ``name`` cannot be a new account's username, or None when it can (the checks of sign-up).
    ``pasted``: the name comes from a pasted list, one a line."""
    user_model = get_user_model()
    longest = user_model._meta.get_field("username").max_length
    if len(name) > longest:
        return f"“{name}” has {len(name)} characters: a username has {longest} at most."
    if any(character.isspace() for character in name):  # a pupil's full name, most likely
        apart = ", and put each username on a line of its own" if pasted else ""
        return f"“{name}” cannot be a username: it has a space. Write it without, such as ana.smith{apart}."
    try:
        user_model.username_validator(name)
    except ValidationError:
        return f"“{name}” cannot be a username: {USERNAME_CHARACTERS}."
    return None


def new_name_problems(names: list[str], *, pasted: bool = False) -> dict[str, str]:
    """Why each of these names, none of them a student's username, cannot be a new account's: a name that
    cannot be a username, or one an account has already whatever its capitals (a staff account, or a
    student's written otherwise: two accounts may not differ only in capitals). The names refused, each
    with its problem; the others can be made. ``pasted``: the names come from a pasted list, one a line."""
    taken = set(
        get_user_model()
        .objects.annotate(lowered=Lower("username"))
        .filter(lowered__in={name.lower() for name in names})
        .values_list("lowered", flat=True)
    )
    problems = {}
    for name in names:
        if problem := _username_problem(name, pasted):
            problems[name] = problem
        elif name.lower() in taken:
            problems[name] = (
                f"“{name}” is taken (whatever its capitals) by an account that cannot be enrolled by this "
                "name: type a student's username exactly as it is written, or choose another name."
            )
    return problems


def in_other_capitals(name: str, first: str, where: str) -> str:
    """The problem of a list that names ``first`` (at ``where``, such as "line 2") and, later, ``name``,
    the same in other capitals."""
    return (
        f"“{name}” is “{first}” of {where} in other capitals: two accounts cannot differ only so; keep one "
        "of them."
    )


def create_student_account(username: str, **details: str) -> tuple[Learner, str]:
    """A new student account (``details``: its e-mail and names) with a temporary password, which the
    pupil replaces with their own at their first sign-in (``Learner.must_change_password``). Returns its
    learner and the password, to be handed over this once: only its hash is kept."""
    password = temporary_password()
    user = get_user_model().objects.create_user(username=username, password=password, **details)
    learner = user.learner  # learners.signals made it with the account
    learner.must_change_password = True
    learner.save(update_fields=["must_change_password"])
    return learner, password


@transaction.atomic
def enroll_class_creating_accounts(
    course: Course, class_list: list[tuple[int, str]], teacher: AbstractBaseUser, *, entry: str = "Line"
) -> ClassAccounts:
    """Enroll a class as ``learners.services.enroll_class`` does, and create a student account, enrolled,
    with a temporary password for each name that is no student's. All or nothing: a name that cannot be a
    username, one already taken by an account this list cannot enroll (a staff account, or one of two
    accounts that differ only in capitals), the same new name twice in other capitals, or more than
    ``MAX_NEW_ACCOUNTS`` new names, and nothing is created or enrolled (ClassListRefused, every problem
    with its line). ``class_list``: the names with their line numbers (``read_class_list``). ``entry``: what
    the problems call a place of the list, "Line" for a pasted list ("Line 2: …", "… of line 1"), "item" for
    the API's list of names, as the API names a list's items ("item 2: …", "… of item 1")."""
    user_model = get_user_model()
    line_of: dict[str, int] = {}
    for number, name in class_list:
        line_of.setdefault(user_model.normalize_username(name), number)
    names = list(line_of)
    done = enroll_class(course, names)
    refused = new_name_problems(done.unknown, pasted=entry == "Line")
    problems = []
    new_names: dict[str, str] = {}  # lowered: as written, the first time
    for name in done.unknown:
        line = line_of[name]
        if problem := refused.get(name):
            problems.append(f"{entry} {line}: {problem}")
        elif (first := new_names.get(name.lower())) is not None:
            where = f"{entry.lower()} {line_of[first]}"
            problems.append(f"{entry} {line}: {in_other_capitals(name, first, where)}")
        else:
            new_names[name.lower()] = name
    if len(new_names) > MAX_NEW_ACCOUNTS:
        problems.append(
            f"{len(new_names)} new accounts: at most {MAX_NEW_ACCOUNTS} at a time. Split the list and send "
            "the rest afterwards: the names already made are then simply enrolled."
        )
    if problems:
        raise ClassListRefused(problems)  # the enrollments above are rolled back with the transaction
    slips, created = [], []
    for name in new_names.values():
        try:
            learner, password = create_student_account(name)
        except IntegrityError as error:  # made by someone else since the check above
            raise ClassListRefused(
                [f"{entry} {line_of[name]}: “{name}” was taken a moment ago: send the list again."]
            ) from error
        enroll(learner, course)
        slips.append(SignInSlip(learner.user.get_username(), password, course))
        created.append(learner.user)
    # One entry in the admin's log for each account, naming the teacher who made it.
    LogEntry.objects.log_actions(
        teacher.pk,
        created,
        ADDITION,
        f"{MADE_BY_CLASS_ENROLLMENT} in {course.title} ({course.slug}).",
    )
    enrollment = ClassEnrollment(
        [*done.enrolled, *(slip.username for slip in slips)], done.already, [], done.warnings
    )
    return ClassAccounts(enrollment, slips)


def _taught_by_another(learner: Learner, teacher: AbstractBaseUser) -> Course | None:
    """A course the learner is enrolled in that the teacher does not teach (None for a superuser, who
    teaches every course): the account is then not the teacher's alone to act on."""
    if teacher.is_superuser:
        return None
    elsewhere = learner.enrollments.exclude(course__teachers=teacher).select_related("course").first()
    return elsewhere.course if elsewhere else None


def password_refusal(learner: Learner, teacher: AbstractBaseUser) -> str | None:
    """Why the teacher may not give the learner a new temporary password, or None when they may. A staff
    account's password is an administrator's to change; an imported learner has no account; and a pupil
    also enrolled in a course the teacher does not teach is an administrator's too (superusers may), or a
    teacher could enroll anyone by username, give them a password and read their other courses."""
    if learner.user is None:
        return f"{learner} was imported from an attempt log: there is no account to sign in to."
    if learner.user.is_staff or learner.user.is_superuser:
        return f"{learner} is a staff account: an administrator changes its password, in the admin's Users."
    if elsewhere := _taught_by_another(learner, teacher):
        return (
            f"{learner} is also enrolled in {elsewhere.title}, which you do not teach: an administrator "
            "gives them a new password (the admin's Users), so that no teacher can sign in to another's "
            "class."
        )
    return None


@transaction.atomic
def give_temporary_password(learner: Learner, course: Course, teacher: AbstractBaseUser) -> SignInSlip:
    """Give a pupil enrolled in the course a new temporary password, as a teacher of the course does when
    one has forgotten theirs: the old one stops working (and with it their sessions and API tokens), and
    they choose their own at their next sign-in; an account with an e-mail address is told, once the
    transaction commits (:func:`tell_of_temporary_password`). PasswordNotGiven when the teacher may not
    (:func:`password_refusal`)."""
    if refusal := password_refusal(learner, teacher):
        raise PasswordNotGiven(refusal)
    user = learner.user
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])  # learners.signals: this revokes the account's API tokens
    Learner.objects.filter(user=user).update(must_change_password=True)
    given = f"Given a temporary password by a teacher of {course.title} ({course.slug})."
    LogEntry.objects.log_actions(teacher.pk, [user], CHANGE, given)
    if user.email:
        transaction.on_commit(partial(tell_of_temporary_password, user, course, teacher))
    return SignInSlip(user.get_username(), password, course)


def tell_of_temporary_password(user: AbstractBaseUser, course: Course, teacher: AbstractBaseUser) -> None:
    """E-mail a pupil, at their account's (confirmed) address, that a teacher gave them a new temporary
    password: which teacher, for which course, on what date, that they choose their own at their next
    sign-in, and what to do if they did not expect it; never the password. So a pupil learns of a password
    they did not ask for. A mail server that fails is logged; the password stands."""
    context = {
        "username": user.get_username(),
        "teacher": teacher.get_full_name() or teacher.get_username(),
        "course": course.title,
        "given_on": timezone.localdate(),
    }
    send_account_mail(
        "registration/temporary_password_subject.txt",
        "registration/temporary_password_email.txt",
        context,
        user.email,
        "The notice of a temporary password given could not be sent",
    )


def deletion_refusal(learner: Learner, teacher: AbstractBaseUser) -> str | None:
    """Why the teacher may not delete the learner's account, or None when they may: only an account a
    teacher made enrolling a class (the admin's log says so), never used (never signed in to on the site,
    no API token, no answer), not a staff account, and enrolled in no course the teacher does not teach
    (superusers teach every course). Anything more is an administrator's to delete (the admin's Users), or
    the pupil's own (their account page): a teacher must not be able to erase a pupil's work."""
    user = learner.user
    if user is None:
        return f"{learner} was imported from an attempt log: there is no account to delete."
    if user.is_staff or user.is_superuser:
        return f"{learner} is a staff account: an administrator deletes it, in the admin's Users."
    made_by_class_enrollment = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(user),
        object_id=str(user.pk),
        action_flag=ADDITION,
        change_message__startswith=MADE_BY_CLASS_ENROLLMENT,
    ).exists()
    if not made_by_class_enrollment:
        return (
            f"{learner} was not made by a teacher enrolling a class (they signed up, or an administrator "
            "made the account): an administrator deletes it, or its owner on their account page."
        )
    # Getting an API token does not set last_login (only a sign-in on the site does), but it too says
    # that someone has used the temporary password.
    if user.last_login is not None or Token.objects.filter(user=user).exists():
        return f"{learner} has signed in: an account in use is deleted by an administrator."
    if learner.attempts.exists():
        return f"{learner} has answered exercises: an account in use is deleted by an administrator."
    if elsewhere := _taught_by_another(learner, teacher):
        return (
            f"{learner} is also enrolled in {elsewhere.title}, which you do not teach: an administrator "
            "deletes the account."
        )
    return None


@transaction.atomic
def delete_unused_account(learner: Learner, teacher: AbstractBaseUser) -> str:
    """Delete an account a teacher made by mistake (a name typed wrong on the class list), with its learner
    and enrollments, and log the deletion in the admin's log under the teacher; return its username.
    AccountNotDeleted when the teacher may not (:func:`deletion_refusal`).

    The conditions are read again under a lock on the learner's and the account's rows: a sign-in updates
    the account's row (last_login), and a new answer, enrollment or API token references one of the two
    rows, so each waits for this transaction (and then finds the account gone) or is seen by the check; a
    pupil who signs in meanwhile keeps their account."""
    locked = Learner.objects.select_for_update().filter(pk=learner.pk).first()
    if locked is None:  # deleted since
        raise AccountNotDeleted(f"{learner}'s account has already been deleted.")
    if locked.user_id is not None:
        # Its own query: PostgreSQL locks no row on the nullable side of select_related's outer join.
        locked.user = get_user_model().objects.select_for_update().get(pk=locked.user_id)
    if refusal := deletion_refusal(locked, teacher):
        raise AccountNotDeleted(refusal)
    user = locked.user
    username = user.get_username()
    LogEntry.objects.log_actions(
        teacher.pk, [user], DELETION, "Deleted by a teacher: made by mistake enrolling a class, never used."
    )
    user.delete()  # the learner, its enrollments and the rest follow (on_delete=CASCADE)
    return username


def pupils_awaiting_password(usernames: list[str]) -> list[str]:
    """Those of ``usernames`` whose account still has a temporary password (their own not chosen yet), in
    the order given."""
    waiting = set(
        Learner.objects.filter(user__username__in=usernames, must_change_password=True).values_list(
            "user__username", flat=True
        )
    )
    return [name for name in usernames if name in waiting]


def must_choose_password(user: AbstractBaseUser) -> bool:
    """Whether the account signs in with a temporary password and must choose its own first."""
    return Learner.objects.filter(user_id=user.pk, must_change_password=True).exists()


@transaction.atomic
def choose_own_password(user: AbstractBaseUser, password: str) -> None:
    """The pupil's own password replaces the temporary one; from now on they go where they like."""
    user.set_password(password)
    user.save(update_fields=["password"])
    Learner.objects.filter(user=user).update(must_change_password=False)
