"""Bulk import of historical attempt logs (the canonical CSV of ../shared/datasets/README.md)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from courses.models import KEY_VALIDATOR, Course, Exercise, Skill
from learners.models import Attempt, Enrollment, Learner
from metamodel.histories import UNIX_TIME_FROM
from metamodel.ml.data import AttemptLogError, AttemptRecord

BATCH = 5000
# The last second a datetime can hold, at the end of the year 9999.
LATEST_TIME = int(datetime.max.replace(tzinfo=UTC).timestamp())
# The longest ids the database columns hold, with what is added to them.
EXERCISE_KEY_LENGTH = Exercise._meta.get_field("key").max_length
SKILL_KEY_LENGTH = Skill._meta.get_field("key").max_length
SKILL_NAME_LENGTH = Skill._meta.get_field("name").max_length
LEARNER_KEY_LENGTH = Learner._meta.get_field("external_id").max_length
ATTEMPT_KEY_LENGTH = Attempt._meta.get_field("idempotency_key").max_length


@dataclass(frozen=True)
class LogImportSummary:
    course: Course
    learners: int
    exercises: int
    skills: int
    attempts: int
    skipped: int


def _ensure(model: type, course: Course, keys: list[str], make: Any) -> dict[str, Any]:
    """Rows of ``model`` in ``course`` by key, creating the missing ones with ``make(key)`` in bulk."""
    existing = {row.key: row for row in model.objects.filter(course=course, key__in=keys)}
    missing = [make(key) for key in keys if key not in existing]
    model.objects.bulk_create(missing, batch_size=BATCH)
    existing.update(
        {row.key: row for row in model.objects.filter(course=course, key__in=[m.key for m in missing])}
    )
    return existing


def learner_key(course_slug: str, learner: str) -> str:
    """An imported learner's external id: a log's ids mean something only within their course."""
    return f"{course_slug}:{learner}"


def attempt_key(course_slug: str, learner: str, position: int) -> str:
    """An imported attempt's idempotency key, by its 1-based position in the learner's block."""
    return f"log:{course_slug}:{learner}:{position}"


def positions(records: list[AttemptRecord]) -> Iterator[int]:
    """Each record's 1-based position within its learner's block."""
    counts: dict[str, int] = {}
    for record in records:
        counts[record.learner] = counts.get(record.learner, 0) + 1
        yield counts[record.learner]


def check_storable(records: list[AttemptRecord], course_slug: str, source: str) -> None:
    """Raise :class:`AttemptLogError` on the line of ``source`` of the first record that the database
    cannot store (:func:`storage_problem`), before anything is written."""
    for record, position in zip(records, positions(records), strict=True):
        problem = storage_problem(record, course_slug, position)
        if problem:
            raise AttemptLogError(source, record.line, problem)


def storage_problem(record: AttemptRecord, course_slug: str, position: int) -> str | None:
    """Why ``record`` cannot be stored, or None: a NUL character in an id (PostgreSQL refuses it), an id
    longer than its column, an exercise or skill id that is not a key the platform serves (``KEY_VALIDATOR``:
    the admin would refuse to save the row and its API URL would not resolve), or a time in seconds past the
    year 9999 (milliseconds, say). A learner id is free text: it is stored as ``<course>:<id>`` in
    ``Learner.external_id``, which has no rule but its length, and is looked up by value, never in a path."""
    if "\0" in record.learner + record.exercise + "".join(record.skills):
        return "an id holds a NUL character"
    for what, key, most in (
        ("exercise", record.exercise, EXERCISE_KEY_LENGTH),
        *(("skill", skill, SKILL_KEY_LENGTH) for skill in record.skills),
    ):
        if len(key) > most:
            return f"{what} id {key[:20]!r}... is too long: at most {most} characters"
        if rule := key_problem(key):
            return f"{what} id {key!r} cannot be a key: {rule}"
    room = min(
        LEARNER_KEY_LENGTH - len(learner_key(course_slug, record.learner)),
        ATTEMPT_KEY_LENGTH - len(attempt_key(course_slug, record.learner, position)),
    )
    if room < 0:
        most = len(record.learner) + room
        return f"learner id {record.learner[:20]!r}... is too long: at most {most} characters"
    if record.timestamp > LATEST_TIME:
        return f"timestamp {record.timestamp} is after the year 9999 in seconds (milliseconds?)"
    return None


@lru_cache(maxsize=2**16)
def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be an exercise's or a skill's key, in ``KEY_VALIDATOR``'s own words (less its
    final full stop, since the message goes on), or None. Cached: a log repeats its ids on every row."""
    try:
        KEY_VALIDATOR(key)
    except ValidationError as error:
        return " ".join(error.messages).rstrip(".")
    return None


@transaction.atomic
def import_attempt_log(
    records: list[AttemptRecord],
    course_slug: str,
    skill_names: dict[str, str] | None = None,
    source: str = Attempt.Source.IMPORT,
) -> LogImportSummary:
    """Store a validated attempt log as learners, skills, content-less exercises and attempts, in bulk.

    One transaction: an error leaves nothing behind. Learners are keyed ``<course>:<learner id>``, since ids
    mean something only within their log. Each attempt carries the key ``log:<course>:<learner>:<line
    position in the learner's block>``, so importing the same file again adds nothing. Real Unix timestamps
    become the attempt's time; positions are kept in ``log_timestamp`` and the order of insertion.
    """
    skill_names = skill_names or {}
    course, _ = Course.objects.get_or_create(
        slug=course_slug,
        defaults={"title": course_slug.replace("-", " ").title(), "published": False,
                  "description": "Imported attempt log; exercises have no content."},
    )  # fmt: skip
    skill_keys = sorted({skill for record in records for skill in record.skills})
    skills = _ensure(
        Skill,
        course,
        skill_keys,
        lambda key: Skill(course=course, key=key, name=skill_name(key, skill_names)),
    )
    # An exercise exercises every skill any of its attempts lists.
    exercise_skills: dict[str, dict[str, None]] = {}
    for record in records:
        exercise_skills.setdefault(record.exercise, {}).update(dict.fromkeys(record.skills))
    exercises = _ensure(
        Exercise,
        course,
        list(exercise_skills),
        lambda key: Exercise(course=course, key=key, type=Exercise.Type.TEXT, imported=True, active=False),
    )
    links = [
        Exercise.skills.through(exercise_id=exercises[key].pk, skill_id=skills[skill].pk)
        for key, keys in exercise_skills.items()
        for skill in keys
    ]
    Exercise.skills.through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
    Course.objects.filter(pk=course.pk).graph_changed()  # the rows above were written without signals

    learner_ids = list(dict.fromkeys(learner_key(course_slug, record.learner) for record in records))
    of_course = Learner.objects.filter(external_id__startswith=f"{course_slug}:")
    existing = set(of_course.values_list("external_id", flat=True))
    Learner.objects.bulk_create(
        [Learner(external_id=key) for key in learner_ids if key not in existing], batch_size=BATCH
    )
    learners = dict(of_course.values_list("external_id", "pk"))
    Enrollment.objects.bulk_create(
        [Enrollment(learner_id=pk, course=course) for pk in learners.values()],
        batch_size=BATCH,
        ignore_conflicts=True,
    )

    now = timezone.now()
    attempts = []
    for record, position in zip(records, positions(records), strict=True):
        real_time = record.timestamp >= UNIX_TIME_FROM
        attempts.append(
            Attempt(
                learner_id=learners[learner_key(course_slug, record.learner)],
                course=course,
                exercise_id=exercises[record.exercise].pk,
                correct=bool(record.correct),
                created_at=datetime.fromtimestamp(record.timestamp, tz=UTC) if real_time else now,
                log_timestamp=record.timestamp,
                source=source,
                idempotency_key=attempt_key(course_slug, record.learner, position),
            )
        )
    before = Attempt.objects.filter(course=course).count()
    Attempt.objects.bulk_create(attempts, batch_size=BATCH, ignore_conflicts=True)
    added = Attempt.objects.filter(course=course).count() - before
    return LogImportSummary(
        course, len(learner_ids), len(exercises), len(skills), added, len(attempts) - added
    )


def skill_name(key: str, names: dict[str, str]) -> str:
    """A skill's name from ``names``, cut to its column, or its id where it has none."""
    return (names.get(key) or key)[:SKILL_NAME_LENGTH]
