"""The teacher's view of a class: how far the learners enrolled in a course have come, skill by skill."""

from django.db.models import Count, Q, Sum

from courses.models import Course, count_per_row, topological_order
from learners.models import Attempt, Learner, SkillProgress

LEARNER_ROWS = 200  # a page a teacher reads; an imported log enrols thousands


def class_mastery(course: Course) -> dict:
    """Every figure is over the learners enrolled in the course, so the shares add up to what is listed.

    Per skill that learners can practise, in prerequisite order: how many practised and mastered it, and how
    many of its answers were right (an exercise of two skills counts once for each); the other skills, with
    no active exercise, are only named (``unpractisable``), as the learners' totals leave them out. Per
    learner (the ``LEARNER_ROWS`` with most skills mastered, those who have not answered yet included):
    skills mastered, and answers, which are their attempts in the course, each counted once. Mastery is
    read from the progress read model (``learners.progress``), so a learner whose progress has not been
    computed counts as mastering none.
    """
    progress = SkillProgress.objects.filter(course=course, learner__enrollments__course=course)
    per_skill = {
        row["skill_id"]: row
        for row in progress.values("skill_id").annotate(
            practised=Count("pk"),
            mastered=Count("pk", filter=Q(mastered=True)),
            answered=Sum("attempts"),
            right=Sum("correct"),
        )
    }
    enrolled = course.enrollments.count()
    practisable = course.practisable_skill_ids()  # a skill with nothing to practise cannot be mastered
    skills, unpractisable = [], []
    for skill in topological_order(list(course.skills.order_by("key")), course.prerequisite_pairs()):
        if skill.pk not in practisable:
            unpractisable.append(skill)
            continue
        row = per_skill.get(skill.pk, {})
        skills.append(
            {
                "name": skill.name,
                "key": skill.key,
                "practised": row.get("practised", 0),
                "mastered": row.get("mastered", 0),
                "share_mastered": row.get("mastered", 0) / enrolled if enrolled else None,
                "accuracy": row["right"] / row["answered"] if row.get("answered") else None,
            }
        )
    learners = (
        Learner.objects.filter(enrollments__course=course)
        .select_related("user")
        .annotate(
            mastered=count_per_row(
                SkillProgress.objects.filter(course=course, mastered=True, skill_id__in=practisable),
                "learner",
            ),
            answers=count_per_row(Attempt.objects.filter(course=course), "learner"),
        )
        .order_by("-mastered", "-answers", "user__username", "external_id")[:LEARNER_ROWS]
    )
    return {
        "enrolled": enrolled,
        "skills": skills,
        "unpractisable": unpractisable,
        "learners": list(learners),
        "skill_total": len(practisable),
    }
