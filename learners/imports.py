"""Bulk import of historical attempt logs (the canonical CSV of ../shared/datasets/README.md)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from courses.models import Course, Exercise, Skill
from learners.models import Attempt, Enrollment, Learner
from metamodel.histories import UNIX_TIME_FROM
from metamodel.ml.data import AttemptRecord

BATCH = 5000


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
        Skill, course, skill_keys, lambda key: Skill(course=course, key=key, name=skill_names.get(key) or key)
    )
    exercise_skills: dict[str, tuple[str, ...]] = {}
    for record in records:
        exercise_skills.setdefault(record.exercise, record.skills)
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

    learner_ids = list(dict.fromkeys(f"{course_slug}:{record.learner}" for record in records))
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
    position: dict[str, int] = {}
    for record in records:
        learner_key = f"{course_slug}:{record.learner}"
        position[learner_key] = position.get(learner_key, 0) + 1
        real_time = record.timestamp >= UNIX_TIME_FROM
        attempts.append(
            Attempt(
                learner_id=learners[learner_key],
                course=course,
                exercise_id=exercises[record.exercise].pk,
                correct=bool(record.correct),
                created_at=datetime.fromtimestamp(record.timestamp, tz=UTC) if real_time else now,
                log_timestamp=record.timestamp,
                source=source,
                idempotency_key=f"log:{course_slug}:{record.learner}:{position[learner_key]}",
            )
        )
    before = Attempt.objects.filter(course=course).count()
    Attempt.objects.bulk_create(attempts, batch_size=BATCH, ignore_conflicts=True)
    added = Attempt.objects.filter(course=course).count() - before
    return LogImportSummary(course, len(learners), len(exercises), len(skills), added, len(attempts) - added)
