"""The attempt log as the model sees it: per course, per learner, oldest first, keys namespaced by course.

Exercise and skill keys become ``"<course slug>/<key>"`` (metamodel.ml.trained's convention), so one
shared model serves every course without collisions. Time is the attempt's Unix time in seconds, except
for attempts imported from logs that only know positions, which keep their position (``log_timestamp``).
"""

import hashlib
import time
from collections.abc import Iterator
from datetime import datetime

from courses.models import Course, Exercise
from learners.models import Attempt
from metamodel.ml.data import AttemptRecord
from metamodel.ml.trained import Attempt as ModelAttempt
from metamodel.ml.trained import Candidate


def skill_keys_by_exercise(course: Course) -> dict[int, tuple[str, ...]]:
    """Namespaced skill keys of every exercise of the course, in one query."""
    keys: dict[int, list[str]] = {}
    pairs = Exercise.skills.through.objects.filter(exercise__course=course).values_list(
        "exercise_id", "skill__key"
    )
    for exercise_id, skill_key in pairs:
        keys.setdefault(exercise_id, []).append(f"{course.slug}/{skill_key}")
    return {exercise_id: tuple(sorted(skills)) for exercise_id, skills in keys.items()}


# A timestamp this large is real Unix time (after 2001-09-09); smaller ones are positions in a sequence.
UNIX_TIME_FROM = 1_000_000_000


def prediction_time(history: list[ModelAttempt]) -> int:
    """'Now' in the history's own unit: the clock for real time, the next position for position logs."""
    if history and history[-1].timestamp < UNIX_TIME_FROM:
        return history[-1].timestamp + 1
    return int(time.time())


def _time(created_at, log_timestamp: int | None) -> int:
    return int(log_timestamp) if log_timestamp is not None else int(created_at.timestamp())


def learner_history(
    learner_id: int, course: Course, limit: int, since: datetime | None = None
) -> tuple[list[ModelAttempt], int]:
    """The learner's latest ``limit`` attempts in the course (after ``since``), oldest first, and the
    newest attempt's id."""
    skills = skill_keys_by_exercise(course)
    attempts = Attempt.objects.filter(learner_id=learner_id, course=course)
    if since is not None:
        attempts = attempts.filter(created_at__gt=since)
    rows = list(
        attempts.order_by("-created_at", "-id").values_list(
            "pk", "exercise_id", "exercise__key", "correct", "created_at", "log_timestamp"
        )[:limit]
    )
    rows.reverse()
    history = [
        ModelAttempt(
            f"{course.slug}/{key}", skills.get(exercise_id, ()), int(correct), _time(created, logged)
        )
        for _, exercise_id, key, correct, created, logged in rows
    ]
    return history, max((row[0] for row in rows), default=0)


def candidates(course: Course) -> tuple[list[int], list[Candidate]]:
    """The course's practisable exercises (ids) and the same as model candidates."""
    skills = skill_keys_by_exercise(course)
    rows = course.exercises.filter(active=True, imported=False).values_list("pk", "key", "difficulty")
    ids, items = [], []
    for pk, key, difficulty in rows:
        ids.append(pk)
        items.append(Candidate(f"{course.slug}/{key}", skills.get(pk, ()), difficulty))
    return ids, items


def course_logs() -> Iterator[tuple[str, list[AttemptRecord]]]:
    """Every course's attempts as attempt-log records, grouped by learner and chronological within one."""
    for course in Course.objects.order_by("slug"):
        skills = skill_keys_by_exercise(course)
        rows = (
            Attempt.objects.filter(course=course)
            .order_by("learner_id", "created_at", "id")
            .values_list(
                "learner_id", "exercise_id", "exercise__key", "correct", "created_at", "log_timestamp"
            )
            .iterator(chunk_size=20_000)
        )
        records = [
            AttemptRecord(
                str(learner),
                f"{course.slug}/{key}",
                skills.get(exercise, ()),
                int(correct),
                _time(created, logged),
            )
            for learner, exercise, key, correct, created, logged in rows
        ]
        if records:
            yield course.slug, records


def fingerprint(logs: list[tuple[str, list[AttemptRecord]]]) -> str:
    """SHA-256 of the training data, so a run on unchanged data can be recognised."""
    digest = hashlib.sha256()
    for slug, records in logs:
        digest.update(slug.encode())
        for r in records:
            digest.update(
                f"{r.learner},{r.exercise},{';'.join(r.skills)},{r.correct},{r.timestamp}\n".encode()
            )
    return digest.hexdigest()
