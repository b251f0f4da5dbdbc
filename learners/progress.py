"""The progress read model: per-skill statistics derived from the attempt log.

Progress counts the attempts the engine counts: those after the learner's latest active reset in the
course (a teacher's ``reset_state`` override, read by ``metamodel.services.reset_since``).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from courses.models import Course, topological_order
from learners.models import Attempt, Learner, NotEnrolled, SkillProgress
from metamodel.histories import course_graph
from metamodel.policy import MASTERY_WINDOW, PastAttempt, mastered_by_answers
from metamodel.services import mastered_skills, reset_since


@dataclass(frozen=True)
class SkillReport:
    skill_key: str
    name: str
    attempts: int
    correct: int
    accuracy: float | None
    recent_accuracy: float | None
    mastered: bool
    last_practised_at: datetime | None
    practisable: bool  # the course has an exercise a learner can be given for it


def mastery_tally(reports: list[SkillReport]) -> tuple[int, int]:
    """How many of the skills that can be practised the learner has mastered, and how many there are.

    A skill without an exercise to practise (created empty, or left by a re-import) is nothing to master.
    """
    practisable = [report for report in reports if report.practisable]
    return sum(report.mastered for report in practisable), len(practisable)


def counted_attempts(learner_id: int, course_id: int, since: datetime | None) -> QuerySet[Attempt]:
    """The learner's attempts in the course after ``since``, as ``metamodel.histories.learner_history``
    reads them for the engine."""
    attempts = Attempt.objects.filter(learner_id=learner_id, course_id=course_id)
    return attempts if since is None else attempts.filter(created_at__gt=since)


def attempt_totals(learner: Learner, course: Course, since: datetime | None) -> tuple[int, int]:
    """How many exercises the learner answered in the course after ``since``, and how many right.

    From the attempt log: an exercise of two skills counts once here, once per skill in the read model.
    """
    totals = counted_attempts(learner.pk, course.pk, since).aggregate(
        answered=Count("id"), right=Count("id", filter=Q(correct=True))
    )
    return totals["answered"], totals["right"]


def course_progress(learner: Learner, course: Course) -> list[SkillReport]:
    """Per-skill statistics of the learner in the course, every skill listed, in prerequisite order, each
    saying whether the course has an exercise to practise it (``mastery_tally`` counts only those).

    Raises NotEnrolled for a course the learner is not enrolled in, as asking for the next exercise does.
    """
    if not learner.is_enrolled_in(course):
        raise NotEnrolled
    stored = {row.skill_id: row for row in SkillProgress.objects.filter(learner=learner, course=course)}
    practisable = course.practisable_skill_ids()
    reports = []
    for skill in topological_order(list(course.skills.order_by("key")), course.prerequisite_pairs()):
        row = stored.get(skill.pk)
        reports.append(
            SkillReport(
                skill_key=skill.key,
                name=skill.name,
                attempts=row.attempts if row else 0,
                correct=row.correct if row else 0,
                accuracy=row.accuracy if row else None,
                recent_accuracy=row.recent_accuracy if row else None,
                mastered=bool(row and row.mastered),
                last_practised_at=row.last_practised_at if row else None,
                practisable=skill.pk in practisable,
            )
        )
    return reports


def progress_summary(learner: Learner, course: Course) -> dict:
    """What the learner's progress page shows, and their page in the teacher dashboard: each skill
    (``reports``, :func:`course_progress`), exercises ``answered`` and ``right`` (``share_right``), skills
    ``mastered`` of ``skill_total``, all counted from the teacher's latest reset (``since``), and the
    ``window`` recent accuracy is read over. Raises NotEnrolled as :func:`course_progress` does."""
    reports = course_progress(learner, course)
    since = reset_since(learner, course)
    answered, right = attempt_totals(learner, course, since)
    mastered, skill_total = mastery_tally(reports)
    return {
        "reports": reports,
        "since": since,
        "answered": answered,
        "right": right,
        "share_right": right / answered if answered else None,
        "mastered": mastered,
        "skill_total": skill_total,
        "window": MASTERY_WINDOW,
    }


def rebuild_skill_progress(learner_id: int, course_id: int) -> int:
    """Recompute the learner's per-skill read model in a course from the attempt log; returns skills touched.

    Only the attempts after the learner's latest active reset count; a skill with none has no row.
    Idempotent: it derives everything from the log, so running it twice, or late, gives the same rows.
    """
    learner = Learner.objects.filter(pk=learner_id).first()
    course = Course.objects.filter(pk=course_id).first()
    if learner is None or course is None:
        return 0
    graph = course_graph(course)
    since = reset_since(learner, course)
    outcomes: dict[int, list[bool]] = {}
    last_time: dict[int, datetime] = {}
    history: list[PastAttempt] = []
    last_id, answered_at = 0, None
    attempts = counted_attempts(learner_id, course_id, since)
    for pk, exercise_id, correct, created_at in attempts.order_by("created_at", "id").values_list(
        "pk", "exercise_id", "correct", "created_at"
    ):
        last_id, answered_at = max(last_id, pk), created_at
        skill_ids = graph.skill_ids.get(exercise_id, ())
        history.append(PastAttempt(exercise_id, skill_ids, correct, created_at.timestamp()))
        for skill_id in skill_ids:
            outcomes.setdefault(skill_id, []).append(correct)
            last_time[skill_id] = created_at
    # What the engine acts on: its "ready: prerequisites mastered" reasons name what this page shows. Read
    # as of the latest answer, so that time alone changes nothing, and a late rebuild gives the same rows.
    mastered = mastered_skills(learner, graph, since, now=answered_at)
    if mastered is None:
        mastered = mastered_by_answers(history)
    rows = [
        SkillProgress(
            learner_id=learner_id,
            course_id=course_id,
            skill_id=skill_id,
            attempts=len(results),
            correct=sum(results),
            recent_accuracy=sum(results[-MASTERY_WINDOW:]) / len(results[-MASTERY_WINDOW:]),
            mastered=skill_id in mastered,
            last_practised_at=last_time[skill_id],
            last_attempt_id=last_id,
        )
        for skill_id, results in outcomes.items()
    ]
    with transaction.atomic():
        stored = SkillProgress.objects.filter(learner_id=learner_id, course_id=course_id)
        stored.exclude(skill_id__in=outcomes).delete()  # practised only before a reset
        SkillProgress.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["learner", "skill"],
            update_fields=[
                "attempts",
                "correct",
                "recent_accuracy",
                "mastered",
                "last_practised_at",
                "last_attempt_id",
            ],
        )
    return len(rows)
