"""The course and the attempt log as the engine reads them, each read once per choice and seen two ways.

The policy (``metamodel.policy``) works on ids; the model on keys namespaced as ``"<course slug>/<key>"``
(metamodel.ml.trained's convention), so one shared model serves every course without collisions. For the
model, time is the attempt's Unix time in seconds, except for attempts imported from logs that only know
positions, which keep their position (``log_timestamp``).
"""

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from django.db.models import Count

from courses.models import Course, Exercise, topological_order
from learners.models import Attempt
from metamodel.ml.data import AttemptRecord
from metamodel.ml.trained import Attempt as ModelAttempt
from metamodel.ml.trained import Candidate
from metamodel.policy import CandidateExercise, PastAttempt, SkillNode


@dataclass(frozen=True)
class CourseGraph:
    """A course's skills, prerequisites and exercises, for the policy and for the model."""

    course: Course
    skills: list[SkillNode]  # each after its prerequisites
    exercises: list[CandidateExercise]  # the practisable ones: active and authored
    candidates: list[Candidate]  # the same exercises, in the same order, as the model's candidates
    keys: dict[int, str]  # the same exercises' keys, by id
    skill_ids: dict[int, tuple[int, ...]]  # every exercise of the course, practisable or not
    skill_keys: dict[int, tuple[str, ...]]  # the same, as sorted namespaced keys


def _skill_keys(skill_ids: dict[int, tuple[int, ...]], key_of: dict[int, str]) -> dict[int, tuple[str, ...]]:
    """Each exercise's skill keys (``key_of`` each skill id), sorted."""
    return {exercise: tuple(sorted(key_of[s] for s in ids)) for exercise, ids in skill_ids.items()}


# Each course's graph as last read in this process, with the stamp it was read under (by course id).
_graphs: dict[int, tuple[UUID, CourseGraph]] = {}


def course_graph(course: Course) -> CourseGraph:
    """The course's graph, read again only when it changed since this process last read it: one query for
    the course's ``graph_stamp``, which every write to its skills, prerequisites, exercises or their links
    renews (``courses.signals``). The graph carries ``course`` as given, so the course's own fields (its
    target band, its slug) are always the caller's."""
    stamp = Course.objects.filter(pk=course.pk).values_list("graph_stamp", flat=True).first()
    cached = _graphs.get(course.pk)
    if cached is not None and cached[0] == stamp and cached[1].course.slug == course.slug:
        return replace(cached[1], course=course)
    graph = _read_graph(course)
    if stamp is not None:
        _graphs[course.pk] = (stamp, graph)
    return graph


def _read_graph(course: Course) -> CourseGraph:
    """Read the course's graph in four queries: the exercise-skill links, the skills, the prerequisite
    edges and the practisable exercises."""
    skill_ids = course.skill_ids_by_exercise()
    skill_rows = list(course.skills.order_by("key"))
    skill_keys = _skill_keys(skill_ids, {skill.pk: f"{course.slug}/{skill.key}" for skill in skill_rows})
    pairs = course.prerequisite_pairs()
    prerequisites: dict[int, list[int]] = {}
    for skill_id, prerequisite_id in pairs:
        prerequisites.setdefault(skill_id, []).append(prerequisite_id)
    skills = [
        SkillNode(skill.pk, skill.name, tuple(prerequisites.get(skill.pk, ())))
        for skill in topological_order(skill_rows, pairs)
    ]
    rows = course.exercises.practisable().values_list("pk", "key", "difficulty", "prompt")
    exercises, candidates, keys = [], [], {}
    for pk, key, difficulty, prompt in rows:
        exercises.append(CandidateExercise(pk, skill_ids.get(pk, ()), difficulty))
        # The prompt lets an exercise the model has not been trained on borrow what it learned of the
        # exercises of most similar text, and the model read an answer as evidence on the exercises
        # most like it (metamodel.ml.text).
        candidates.append(Candidate(f"{course.slug}/{key}", skill_keys.get(pk, ()), difficulty, prompt))
        keys[pk] = key
    return CourseGraph(course, skills, exercises, candidates, keys, skill_ids, skill_keys)


# A timestamp this large is real Unix time (after 2001-09-09); smaller ones are positions in a sequence.
UNIX_TIME_FROM = 1_000_000_000


def prediction_time(history: list[ModelAttempt], now: datetime) -> int:
    """``now`` in the history's own unit: Unix seconds for real time, the next position for position logs."""
    if history and history[-1].timestamp < UNIX_TIME_FROM:
        return history[-1].timestamp + 1
    return int(now.timestamp())


def _time(created_at: datetime, log_timestamp: int | None) -> int:
    return int(log_timestamp) if log_timestamp is not None else int(created_at.timestamp())


@dataclass(frozen=True)
class History:
    """A learner's latest attempts in a course, oldest first."""

    past: list[PastAttempt]  # for the policy: ids, and the time the attempt was recorded
    model: list[ModelAttempt]  # for the model: namespaced keys, and the log's own time
    last_attempt_id: int  # 0 when there is none


def learner_history(
    learner_id: int,
    graph: CourseGraph,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> History:
    """The learner's latest ``limit`` attempts in the course (after ``since``, up to ``until``), in one
    query."""
    attempts = Attempt.objects.filter(learner_id=learner_id, course=graph.course)
    if since is not None:
        attempts = attempts.filter(created_at__gt=since)
    if until is not None:
        attempts = attempts.filter(created_at__lte=until)
    rows = list(
        attempts.order_by("-created_at", "-id").values_list(
            "pk",
            "exercise_id",
            "exercise__key",
            "exercise__difficulty",
            "correct",
            "created_at",
            "log_timestamp",
        )[:limit]
    )
    rows.reverse()
    slug = graph.course.slug
    return History(
        past=[
            PastAttempt(
                exercise_id, graph.skill_ids.get(exercise_id, ()), correct, created.timestamp(), difficulty
            )
            for _, exercise_id, _, difficulty, correct, created, _ in rows
        ],
        model=[
            ModelAttempt(
                f"{slug}/{key}", graph.skill_keys.get(exercise_id, ()), int(correct), _time(created, logged)
            )
            for _, exercise_id, key, _, correct, created, logged in rows
        ],
        last_attempt_id=max((row[0] for row in rows), default=0),
    )


def course_logs() -> Iterator[tuple[str, list[AttemptRecord]]]:
    """Every course's attempts as attempt-log records, grouped by learner and chronological within one.

    Exercise and skill keys are the course's own, as in an attempt-log file: ``meta_train`` namespaces
    them by the course's slug, into the keys the platform then predicts with (``"<slug>/<key>"``).
    """
    for course in Course.objects.order_by("slug"):
        skills = _skill_keys(course.skill_ids_by_exercise(), dict(course.skills.values_list("pk", "key")))
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
                key,
                skills.get(exercise, ()),
                int(correct),
                _time(created, logged),
            )
            for learner, exercise, key, correct, created, logged in rows
        ]
        if records:
            yield course.slug, records


def data_summary(logs: list[tuple[str, list[AttemptRecord]]]) -> dict[str, dict]:
    """What a training run read, per course slug: ``attempts`` and ``learners`` counted from the ``logs`` it
    read (:func:`course_logs`), and ``sources``, its attempts by where they came from (web, api, import,
    simulation) in one query, so that a teacher can tell a model trained on real learners from one trained
    on the demo's simulated ones."""
    sources: dict[str, dict[str, int]] = {}
    for row in Attempt.objects.values("course__slug", "source").annotate(n=Count("pk")).order_by():
        sources.setdefault(row["course__slug"], {})[row["source"]] = row["n"]
    return {
        slug: {
            "attempts": len(records),
            "learners": len({record.learner for record in records}),
            "sources": sources.get(slug, {}),
        }
        for slug, records in logs
    }


def summary_seen(summary: dict[str, dict], courses: Collection[str] | None) -> dict[str, dict]:
    """The part of a run's :func:`data_summary` about the courses of these slugs, those a teacher teaches
    (None: all of it, for a superuser): what other teachers' courses hold, published or not, is theirs."""
    return summary if courses is None else {slug: data for slug, data in summary.items() if slug in courses}


def exercise_texts() -> dict[str, str]:
    """The prompts of every course's practisable exercises (those a choice scores, so the model trains
    with the texts it is served with), by namespaced key (``"<course slug>/<key>"``)."""
    rows = Exercise.objects.practisable().exclude(prompt="")
    return {
        f"{slug}/{key}": prompt for slug, key, prompt in rows.values_list("course__slug", "key", "prompt")
    }


def fingerprint(logs: list[tuple[str, list[AttemptRecord]]], texts: dict[str, str]) -> str:
    """SHA-256 of the training data (attempts and exercise texts), so a run on unchanged data can be
    recognised."""
    digest = hashlib.sha256()
    for slug, records in logs:
        digest.update(slug.encode())
        for r in records:
            digest.update(
                f"{r.learner},{r.exercise},{';'.join(r.skills)},{r.correct},{r.timestamp}\n".encode()
            )
    for key in sorted(texts):
        digest.update(f"{key}\t{texts[key]}\n".encode())
    return digest.hexdigest()
