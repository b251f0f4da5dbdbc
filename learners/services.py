"""Learner actions: sign-up, enrolment, recording an attempt, reading progress."""

import enum
import hashlib
import json
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from config.queueing import enqueue_all_on_commit, enqueue_on_commit
from courses.join_codes import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_EXAMPLE,
    JOIN_CODE_LENGTH,
    is_join_code,
    normalise_join_code,
)
from courses.models import NUMBER_HELP, Course, Exercise, Override, read_fraction, read_number
from learners.models import Attempt, Enrollment, Learner, NotEnrolled, PendingEmail
from learners.tasks import update_skill_progress
from metamodel.models import LearnerState, Recommendation
from metamodel.policy import REPEAT_GAP
from metamodel.services import NothingToPractise, active_overrides, recommend_next
from metamodel.tasks import adapt_learner


class AttemptRefused(Exception):
    """An attempt that cannot be recorded; ``field`` names the request field at fault. ``for_learner``: the
    same in words for a learner on the page, where the API's message names things by their keys."""

    def __init__(self, field: str, message: str, for_learner: str | None = None):
        self.field = field
        self.message = message
        self.for_learner = for_learner or message
        super().__init__(f"{field}: {message}")


WITHDRAWN = (
    "Your teacher withdrew this exercise from the course while you had it open: your answer was not kept."
)


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different request."""


def learner_for(user: AbstractBaseUser) -> Learner:
    """The learner profile of a user (made with the account, ``learners.signals``; or here, for an account
    loaded from a fixture without one)."""
    learner, _ = Learner.objects.get_or_create(user=user)
    return learner


@transaction.atomic
def register_student(username: str, password: str, email: str = "") -> Learner:
    """Create a student account, and with it its learner profile. An e-mail address waits to be confirmed
    (``PendingEmail``): the caller sends the link (``learners.accounts.send_confirmation_link``)."""
    user = get_user_model().objects.create_user(username=username, password=password)
    if email:
        PendingEmail.objects.create(user=user, email=email)
    return user.learner


def enroll(learner: Learner, course: Course) -> tuple[Enrollment, bool]:
    """Enroll the learner (idempotent); returns the enrollment and whether it is new."""
    return Enrollment.objects.get_or_create(learner=learner, course=course)


class EnrollmentClosed(Exception):
    """A learner asked to enroll themselves in a course whose teachers enroll its learners."""

    message = "Only this course's teachers enroll learners in it: ask your teacher to enroll you."


def enroll_self(learner: Learner, course: Course) -> tuple[Enrollment, bool]:
    """A learner enrolls themselves (idempotent): in a course open to it (``Course.self_enrollment``), or
    one they are enrolled in already; EnrollmentClosed otherwise."""
    if not course.self_enrollment and not learner.is_enrolled_in(course):
        raise EnrollmentClosed
    return enroll(learner, course)


class JoinCodeRefused(Exception):
    """A join code that enrolls no one: not the shape of a code, no course's, or a draft course's."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# The letters and digits join codes leave out as look-alikes (courses.join_codes): I, L, O, 0 and 1.
JOIN_CODE_LOOK_ALIKES = [c for c in string.ascii_uppercase + string.digits if c not in JOIN_CODE_ALPHABET]


def _join_code_problem(typed: str) -> str:
    """What is wrong, for the pupil who typed it, with a normalised code that is not the shape of a join code:
    a sign other than a letter or digit, one of the look-alikes codes leave out (the pupil misread the
    board), or too few or too many characters."""
    strange = list(dict.fromkeys(character for character in typed if character not in JOIN_CODE_ALPHABET))
    if any(character not in JOIN_CODE_LOOK_ALIKES for character in strange):
        return f"A join code has only the letters A to Z and digits, such as {JOIN_CODE_EXAMPLE}."
    if strange:
        named = " or ".join(f"the {'digit' if c.isdigit() else 'letter'} {c}" for c in strange)
        left_out = f"{', '.join(JOIN_CODE_LOOK_ALIKES[:-1])} and {JOIN_CODE_LOOK_ALIKES[-1]}"
        return (
            f"A join code never has {named}: codes leave out {left_out}, which are easy to mix up. Look "
            "again at the code your teacher gave you."
        )
    return (
        f"A join code has {JOIN_CODE_LENGTH} letters and digits, such as {JOIN_CODE_EXAMPLE}: check that "
        "none is missing or extra."
    )


def join_with_code(learner: Learner, code: str) -> tuple[Course, bool]:
    """A learner enrolls themselves with the join code their teacher gave them (``courses.join_codes``),
    whatever its capitals, spaces and dashes, and even in a course its teachers enroll learners in
    (``Course.self_enrollment`` false): the code is the teacher's leave. Idempotent; returns the course and
    whether the enrollment is new. JoinCodeRefused, with a message for the learner, for what cannot be a code
    (``_join_code_problem``), a code of no course, and a draft's (unpublished: its learners could not open
    it)."""
    typed = normalise_join_code(code)
    if not is_join_code(typed):
        raise JoinCodeRefused(_join_code_problem(typed))
    course = Course.objects.filter(join_code=typed).first()
    if course is None:
        raise JoinCodeRefused(
            "No class has this join code: check it with your teacher (a code they replaced no longer works)."
        )
    if not course.published:
        raise JoinCodeRefused(
            f"{course.title} is not open yet: your teacher has not published it. Try the code again once "
            "they have."
        )
    return course, enroll(learner, course)[1]


@dataclass(frozen=True)
class ClassEnrollment:
    """What enrolling a list of students did: names enrolled now, already enrolled, and of no student, and
    what the teacher should know about the course."""

    enrolled: list[str]
    already: list[str]
    unknown: list[str]
    warnings: list[str]


@transaction.atomic
def enroll_class(course: Course, usernames: list[str]) -> ClassEnrollment:
    """Enroll the student accounts of these usernames in the course, all in one transaction, each reported
    by the username it signs in with. A name matches its account exactly, or else whatever its capitals
    (``Carys.P`` for ``carys.p``) when one account alone matches it so. A name of no account and one of a
    staff account are reported alike, as no student's: the report tells a teacher nothing about who the
    staff are."""
    names = list(dict.fromkeys(usernames))  # each once, in the order given
    students = (
        get_user_model()
        .objects.annotate(lowered=Lower("username"))
        .filter(lowered__in={name.lower() for name in names}, is_staff=False, is_superuser=False)
    )
    exact = {user.username: user for user in students}
    folded: dict[str, list] = {}
    for user in exact.values():
        folded.setdefault(user.lowered, []).append(user)
    enrolled, already, unknown = [], [], []
    for name in names:
        matches = folded.get(name.lower(), [])
        user = exact.get(name) or (matches[0] if len(matches) == 1 else None)
        if user is None:
            unknown.append(name)
        elif user.username not in enrolled + already:
            (enrolled if enroll(learner_for(user), course)[1] else already).append(user.username)
    warnings = []
    if not course.published:
        warnings.append(
            "The course is not published: its students cannot open it until it is (tick Published on the "
            "course in the admin)."
        )
    return ClassEnrollment(enrolled, already, unknown, warnings)


ALREADY_ANSWERED = "This exercise was already answered."
SET_ASIDE = "Your teacher has set this exercise aside: it is not practised now."
OUTDATED = (
    "This recommendation is out of date: you have answered in this course since it was made. Answer the "
    "one the engine offers now (GET …/next/)."
)
OUTDATED_FOR_LEARNER = "This exercise is out of date: you answered another since it was shown."
STEERED_FOR_LEARNER = "Your teacher has changed what you practise here since this exercise was chosen."


def response_problem(exercise: Exercise, response: Any) -> str | None:
    """Why a learner's response to the exercise cannot be checked, or None when it can.

    The answer form and the API both refuse such a response, with this message, rather than record it as
    a wrong answer: a number must read as a finite number, a fraction as one fraction, a choice must be one
    of the choices, and a text must be text.
    """
    if exercise.type == Exercise.Type.NUMERIC:
        if isinstance(response, bool):
            return f"Enter a number: {NUMBER_HELP}."
        try:
            read_number(response, exercise.course.decimal_comma)
        except ValueError as error:
            return str(error)
    elif exercise.type == Exercise.Type.FRACTION:
        try:
            read_fraction(response)
        except ValueError as error:
            return str(error)
    elif exercise.type == Exercise.Type.MULTIPLE_CHOICE:
        if not isinstance(response, str) or response not in exercise.choices:
            return f"Choose one of the answers: {', '.join(exercise.choices)}."
    elif not isinstance(response, str):
        return "Give your answer as text."
    return None


class Closed(enum.Enum):
    """Why a recommendation can no longer be answered (:func:`closed`)."""

    # It has its answer: the learner has seen the correct answer, and moves on to a fresh recommendation.
    ANSWERED = enum.auto()
    # The learner has answered in the course since it was made: it was chosen from a history that has
    # changed, and the learner may since have been shown its answer.
    OUTDATED = enum.auto()
    # A teacher has made or lifted an override for the learner or the whole course since it was made (a
    # reset, a pin, an exclusion, a band), or one has lapsed since (its end time came): the engine would
    # choose afresh. It may still be answered, since the learner may be working on it; it is no longer what
    # is offered next.
    STEERED = enum.auto()


def closed(recommendation: Recommendation, now: datetime | None = None) -> Closed | None:
    """Why the recommendation is no longer the one on offer at ``now`` (default: the clock), or None while
    it is, in one query. Every answer comes back with a newer recommendation made after it
    (``after_attempt``), so a newer one of those says the learner has answered since; an override of the
    course, the learner's or everyone's, made or lifted after it (by a teacher, or lapsed by ``now``:
    ``OverrideQuerySet.steered_after``) says a teacher has steered since."""
    newer = Recommendation.objects.filter(
        learner_id=OuterRef("learner_id"),
        course_id=OuterRef("course_id"),
        pk__gt=OuterRef("pk"),
        after_attempt__isnull=False,
    )
    steered = Override.objects.steered_after(OuterRef("created_at"), now).filter(
        Q(learner__isnull=True) | Q(learner_id=OuterRef("learner_id")), course_id=OuterRef("course_id")
    )
    answered, outdated, steered_since = (
        Recommendation.objects.filter(pk=recommendation.pk)
        .annotate(
            answered=Exists(Attempt.objects.filter(recommendation=OuterRef("pk"))),
            outdated=Exists(newer),
            steered=Exists(steered),
        )
        .values_list("answered", "outdated", "steered")
        .get()
    )
    if answered:
        return Closed.ANSWERED
    if outdated:
        return Closed.OUTDATED
    return Closed.STEERED if steered_since else None


@dataclass(frozen=True)
class AttemptResult:
    attempt: Attempt
    replayed: bool
    next: Recommendation | None


def _fingerprint(
    course: Course,
    exercise_key: str,
    response: Any,
    recommendation_id: int | None,
    hints_used: int,
    duration_ms: int | None,
) -> str:
    """The request, every field of it: a retry under the same key must send the same."""
    body = {
        "course": course.slug,
        "exercise": exercise_key,
        "response": response,
        "recommendation": recommendation_id,
        "hints_used": hints_used,
        "duration_ms": duration_ms,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _replay(learner: Learner, key: str, fingerprint: str) -> AttemptResult | None:
    stored = Attempt.objects.filter(learner=learner, idempotency_key=key).select_related("exercise").first()
    if stored is None:
        return None
    if stored.request_fingerprint != fingerprint:
        raise IdempotencyConflict(key)
    return AttemptResult(stored, replayed=True, next=stored.next_recommendations.first())


def _set_aside(learner: Learner, exercise: Exercise) -> bool:
    """Whether an override in force excludes the exercise, for the whole course or for this learner."""
    excluding = active_overrides(learner, exercise.course).filter(kind=Override.Kind.EXCLUDE_EXERCISE)
    return excluding.filter(exercise=exercise).exists()


def _answered_lately(learner: Learner, course: Course, exercise: Exercise) -> bool:
    """Whether the exercise is among the learner's last REPEAT_GAP answers in the course."""
    latest = Attempt.objects.filter(learner=learner, course=course).order_by("-created_at", "-id")
    return exercise.pk in latest.values_list("exercise_id", flat=True)[:REPEAT_GAP]


def marked_attempt(exercise: Exercise, response: Any, hints_used: int, **fields: Any) -> Attempt:
    """An attempt at the exercise, marked as every answer is (right or wrong against its answer now, which
    the attempt keeps, with at most its hints used), not stored: ``record_attempt`` stores it with the
    learner and the other ``fields``; a teacher's preview only shows it. ``response`` is one that
    ``response_problem`` accepts."""
    return Attempt(
        course=exercise.course,
        exercise=exercise,
        response=response,
        correct=exercise.is_correct(response),
        expected_answer=exercise.answer,
        hints_used=min(hints_used, len(exercise.hints)),
        **fields,
    )


@dataclass(frozen=True)
class RemarkedAnswer:
    """A past answer whose mark re-marking changes: marked wrong and right now, or marked right and wrong
    now."""

    attempt: Attempt
    was_correct: bool
    now_correct: bool


@dataclass(frozen=True)
class Remarking:
    """What marking an exercise's past answers against the exercise as it is now changes: each answer whose
    mark changes, oldest first, and how many of them are now right and now wrong."""

    exercise: Exercise
    answers: list[RemarkedAnswer]

    @property
    def now_right(self) -> int:
        """Answers marked wrong that are right now."""
        return sum(answer.now_correct for answer in self.answers)

    @property
    def now_wrong(self) -> int:
        """Answers marked right that are wrong now."""
        return len(self.answers) - self.now_right


def _marked_now(exercise: Exercise, response: Any) -> bool:
    """Whether the response is right against the exercise as it is now; one it can no longer read (a type
    or choices changed since) is wrong."""
    return response_problem(exercise, response) is None and exercise.is_correct(response)


def _remarked(exercise: Exercise) -> tuple[list[Attempt], Remarking]:
    """The exercise's answered attempts whose mark or answer key differs from what it gives now, marked
    anew (not saved), and what that changes. Imported attempts keep the mark of their log: they carry no
    response to check."""
    stale, changed = [], []
    attempts = exercise.attempts.exclude(source=Attempt.Source.IMPORT).select_related("learner__user")
    for attempt in attempts.order_by("created_at", "pk"):
        correct = _marked_now(exercise, attempt.response)
        if correct != attempt.correct or attempt.expected_answer != exercise.answer:
            if correct != attempt.correct:
                changed.append(RemarkedAnswer(attempt, was_correct=attempt.correct, now_correct=correct))
            attempt.correct, attempt.expected_answer = correct, exercise.answer
            stale.append(attempt)
    return stale, Remarking(exercise, changed)


def remarking(exercises: Sequence[Exercise]) -> list[Remarking]:
    """What :func:`remark_attempts` would change, changing nothing."""
    return [_remarked(exercise)[1] for exercise in exercises]


def remark_attempts(exercises: Sequence[Exercise], teacher: AbstractBaseUser) -> list[Remarking]:
    """Mark the past answers to these exercises again, against each exercise as it is now (its answer,
    tolerance, choices, capitals), after a teacher corrected it; all or nothing. Each re-marked attempt keeps
    the answer it is now marked against, so its result page shows that answer. The progress of every learner
    concerned is rebuilt and their adapted model dropped, to be adapted again from the corrected answers.
    Each exercise's history in the admin's log records that the teacher re-marked it, and what changed
    (nothing when no mark changed)."""
    with transaction.atomic():
        # Two re-markings of one exercise at once (a client retrying its POST, say) would both find the same
        # answers to change and both report them: the second waits here, then finds nothing left to change.
        # In the order of their ids, so that two overlapping selections cannot deadlock.
        exercise_ids = sorted(exercise.pk for exercise in exercises)
        list(Exercise.objects.select_for_update().filter(pk__in=exercise_ids).order_by("pk").values("pk"))
        done, touched = [], set()
        for exercise in exercises:
            stale, changes = _remarked(exercise)
            Attempt.objects.bulk_update(stale, ["correct", "expected_answer"])
            touched |= {(attempt.learner_id, attempt.course_id) for attempt in stale}
            if changes.answers:  # a re-marking that changes no mark is no event in the exercise's history
                LogEntry.objects.log_actions(
                    teacher.pk,
                    [exercise],
                    CHANGE,
                    f"Re-marked its past answers: {changes.now_right} now right, "
                    f"{changes.now_wrong} now wrong.",
                    single_object=True,
                )
            done.append(changes)
        for learner_id, course_id in touched:
            LearnerState.objects.filter(learner_id=learner_id, course_id=course_id).delete()
        enqueue_all_on_commit(update_skill_progress, sorted(touched))
        enqueue_all_on_commit(adapt_learner, sorted(touched))
    return done


def record_attempt(
    learner: Learner,
    course: Course,
    exercise_key: str,
    response: Any,
    *,
    source: str,
    idempotency_key: str | None = None,
    recommendation_id: int | None = None,
    hints_used: int = 0,
    duration_ms: int | None = None,
    at: datetime | None = None,
) -> AttemptResult:
    """Check the answer, store the attempt and choose what comes next, exactly once per idempotency key.

    The same key with the same request returns the stored attempt without a second row; the same key with
    a different request raises IdempotencyConflict. A learner not enrolled in the course is refused with
    NotEnrolled (a 403, as for the next exercise). A recommendation is answered once, and only until the
    learner answers in the course otherwise: a second answer to it, under another key, is refused, as is an
    answer to one made before the learner's latest answer (``closed``) (``AttemptRefused`` on
    "recommendation"); so is a response that cannot be checked (``response_problem``). An exercise a
    teacher set aside is refused, with a recommendation made before it was or without one. With a
    recommendation, the exercise must be the one recommended or one of its alternatives; without one, any
    practisable exercise but, through the API, those among the learner's last REPEAT_GAP answers
    (``AttemptRefused`` on "exercise"): a client choosing its own exercises could otherwise send the answer
    it was just shown again and again, each right answer counting towards mastery (the pages always answer
    a recommendation, and the engine never offers an exercise so soon). The database's unique constraint on
    (learner, key) settles two concurrent requests with one key: the loser reads the winner's row, and a
    retry gets the stored result, with the ``next`` recommendation made then (out of date once the learner
    has answered since). The progress read model is refreshed, and the learner's model state adapted, by
    tasks enqueued when the transaction commits.

    ``at`` (default: the clock) is when the attempt happened: it stamps the attempt and is the ``now`` of
    the next choice. Only Python callers such as the simulator set it; the API and the pages do not, so
    clients cannot backdate attempts. It is not part of the request's fingerprint: a retry later is the
    same request.
    """
    fingerprint = _fingerprint(course, exercise_key, response, recommendation_id, hints_used, duration_ms)
    if idempotency_key and (replay := _replay(learner, idempotency_key, fingerprint)):
        return replay
    if not learner.is_enrolled_in(course):
        raise NotEnrolled
    # Through the course, so that the exercise knows it (its answer is read in the course's language)
    # without a query of its own.
    exercise = course.exercises.practisable().filter(key=exercise_key).first()
    if exercise is None:
        raise AttemptRefused("exercise", f"No active exercise '{exercise_key}' in this course.", WITHDRAWN)
    if problem := response_problem(exercise, response):
        raise AttemptRefused("response", problem)
    recommendation = None
    if recommendation_id is not None:
        # With its exercise, whose key the offered keys are checked against.
        recommendation = (
            Recommendation.objects.select_related("exercise")
            .filter(pk=recommendation_id, learner=learner, course=course)
            .first()
        )
        if recommendation is None:
            raise AttemptRefused("recommendation", "Not a recommendation made to you in this course.")
        if exercise.key not in {recommendation.exercise.key, *recommendation.alternative_keys()}:
            raise AttemptRefused(
                "exercise",
                f"'{exercise_key}' was not offered with this recommendation: answer the recommended exercise "
                "or one of its alternatives.",
            )
    if _set_aside(learner, exercise):
        # Answered on the learner's own initiative, or from a recommendation made before the teacher set it
        # aside (the engine never offers an excluded exercise).
        raise AttemptRefused("exercise", SET_ASIDE)
    free_choice = recommendation is None and source == Attempt.Source.API
    if free_choice and _answered_lately(learner, course, exercise):
        raise AttemptRefused(
            "exercise",
            f"You answered '{exercise_key}' in your last {REPEAT_GAP} answers here and saw its answer: "
            "answer other exercises before this one again, or the one the engine offers next (GET …/next/).",
        )
    try:
        with transaction.atomic():
            if recommendation is not None:
                # Locked so that of two answers sent at once under different keys, the second waits here
                # and then finds the recommendation answered.
                Recommendation.objects.select_for_update().get(pk=recommendation.pk)
                why = closed(recommendation)
                if why is Closed.ANSWERED:
                    # A retry of the request that answered it, sent concurrently, gets that answer back.
                    if idempotency_key and (replay := _replay(learner, idempotency_key, fingerprint)):
                        return replay
                    raise AttemptRefused("recommendation", ALREADY_ANSWERED)
                if why is Closed.OUTDATED:
                    raise AttemptRefused("recommendation", OUTDATED, OUTDATED_FOR_LEARNER)
            attempt = marked_attempt(
                exercise,
                response,
                hints_used,
                learner=learner,
                duration_ms=duration_ms,
                created_at=timezone.now() if at is None else at,
                source=source,
                idempotency_key=idempotency_key or None,
                request_fingerprint=fingerprint,
                recommendation_id=recommendation_id,
            )
            attempt.save(force_insert=True)
            if recommendation is not None and recommendation.exercise_id != exercise.pk:
                # The learner took another exercise than the one recommended: log their choice.
                Recommendation.objects.filter(pk=recommendation.pk, learner_choice__isnull=True).update(
                    learner_choice=exercise
                )
            try:
                following = recommend_next(learner, course, after_attempt=attempt, now=attempt.created_at)
            except NothingToPractise:
                following = None
            enqueue_on_commit(update_skill_progress, learner.pk, course.pk)
            enqueue_on_commit(adapt_learner, learner.pk, course.pk)
    except IntegrityError:
        replay = _replay(learner, idempotency_key, fingerprint) if idempotency_key else None
        if replay is None:
            raise
        return replay
    return AttemptResult(attempt, replayed=False, next=following)


def next_exercise(learner: Learner, course: Course) -> Recommendation:
    """The next exercise for an enrolled learner, stored as a Recommendation with its reasons."""
    if not learner.is_enrolled_in(course):
        raise NotEnrolled
    return recommend_next(learner, course)
