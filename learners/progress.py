"""The progress read model: per-skill statistics derived from the attempt log."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Sum

from courses.models import Course, skill_ids_by_exercise, topological_order
from learners.models import Attempt, Learner, SkillProgress
from metamodel.policy import MASTERY_WINDOW, PastAttempt, mastered_by_answers


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


def course_progress(learner: Learner, course: Course) -> list[SkillReport]:
    """Per-skill statistics of the learner in the course, every skill listed, in prerequisite order."""
    stored = {row.skill_id: row for row in SkillProgress.objects.filter(learner=learner, course=course)}
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
            )
        )
    return reports


def rebuild_skill_progress(learner_id: int, course_id: int) -> int:
    """Recompute the learner's per-skill read model in a course from the attempt log; returns skills touched.

    Idempotent: it derives everything from the log, so running it twice, or late, gives the same rows.
    """
    skills_of = skill_ids_by_exercise(course_id)
    outcomes: dict[int, list[bool]] = {}
    last_time: dict[int, datetime] = {}
    history: list[PastAttempt] = []
    last_id = 0
    attempts = Attempt.objects.filter(learner_id=learner_id, course_id=course_id).order_by("created_at", "id")
    for pk, exercise_id, correct, created_at in attempts.values_list(
        "pk", "exercise_id", "correct", "created_at"
    ):
        last_id = max(last_id, pk)
        skill_ids = skills_of.get(exercise_id, ())
        history.append(PastAttempt(exercise_id, skill_ids, correct, created_at.timestamp()))
        for skill_id in skill_ids:
            outcomes.setdefault(skill_id, []).append(correct)
            last_time[skill_id] = created_at
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


def class_mastery(course: Course) -> dict:
    """The teacher's view of a class: per skill (prerequisite order) how many enrolled learners practised
    and mastered it, and per learner how many skills they mastered, from the progress read model."""
    rows = SkillProgress.objects.filter(course=course, learner__enrollments__course=course)
    totals = rows.values("skill_id").annotate(
        practised=Count("pk"),
        mastered_count=Count("pk", filter=Q(mastered=True)),
        answered=Sum("attempts"),
        right=Sum("correct"),
    )
    per_skill = {row["skill_id"]: row for row in totals}
    enrolled = course.enrollments.count()
    skills = []
    for skill in topological_order(list(course.skills.order_by("key")), course.prerequisite_pairs()):
        row = per_skill.get(skill.pk, {})
        mastered = row.get("mastered_count", 0)
        skills.append(
            {
                "name": skill.name,
                "practised": row.get("practised", 0),
                "mastered": mastered,
                "share_mastered": mastered / enrolled if enrolled else None,
                "accuracy": row["right"] / row["answered"] if row.get("answered") else None,
            }
        )
    learners = (
        rows.values("learner_id", "learner__user__username", "learner__external_id")
        .annotate(mastered_count=Count("pk", filter=Q(mastered=True)), answered=Sum("attempts"))
        .order_by("-mastered_count", "learner__user__username")[:200]
    )
    return {"enrolled": enrolled, "skills": skills, "learners": list(learners), "skill_total": len(skills)}
