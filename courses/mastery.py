"""The teacher's view of a class: how far the learners enrolled in a course have come, skill by skill."""

from collections.abc import Iterator

from django.core.paginator import Paginator
from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Sum, When

from courses.models import Course, Skill, count_per_row, topological_order
from learners.models import Attempt, Learner, SkillProgress
from metamodel.services import resets_in_force

LEARNERS_PER_PAGE = 100  # a page a teacher reads; an imported log enrols thousands


def latest_reset(course: Course) -> Subquery:
    """When the outer query's learner was last reset in the course (``metamodel.services.reset_since``), for
    every row of a query at once."""
    return Subquery(resets_in_force(course).filter(learner=OuterRef("pk")).values("created_at")[:1])


def _skills_in_order(course: Course) -> list[Skill]:
    return topological_order(list(course.skills.order_by("key")), course.prerequisite_pairs())


def learner_rows(course: Course, practisable: set[int]) -> QuerySet[Learner]:
    """Every learner enrolled, weakest first, with skills ``mastered`` and ``answers`` since ``reset_at``."""
    # After a reset only the later attempts count (``learners.progress.counted_attempts``). Two counts, not
    # one with "no reset, or later than it": that one would look the reset up again for every attempt.
    attempts = Attempt.objects.filter(course=course)
    answers = Case(
        When(reset_at__isnull=True, then=count_per_row(attempts, "learner")),
        default=count_per_row(attempts.filter(created_at__gt=OuterRef("reset_at")), "learner"),
    )
    return (
        Learner.objects.filter(enrollments__course=course)
        .select_related("user")
        .annotate(reset_at=latest_reset(course))
        .annotate(
            mastered=count_per_row(
                SkillProgress.objects.filter(course=course, mastered=True, skill_id__in=practisable),
                "learner",
            ),
            answers=answers,
        )
        .order_by("mastered", "answers", "user__username", "external_id", "pk")
    )


def class_mastery(course: Course, page_number: int | str | None = 1) -> dict:
    """Every figure is over the learners enrolled in the course, so the shares add up to what is listed.

    Per skill that learners can practise, in prerequisite order: how many practised and mastered it, and how
    many of its answers were right (an exercise of two skills counts once for each); the other skills, with
    no active exercise, are only named (``unpractisable``), as the learners' totals leave them out. Per
    learner, every one enrolled, weakest first (fewest skills mastered, then fewest answers), a page of
    ``LEARNERS_PER_PAGE`` at a time (``page_number``; one out of range gives the nearest page): skills
    mastered, answers, which are their attempts in the course, each counted once, and when a teacher last
    reset them. Both count from that reset, as the learner's own progress page does. Mastery is read from
    the progress read model (``learners.progress``), so a learner whose progress has not been computed
    counts as mastering none.
    """
    practisable = course.practisable_skill_ids()  # a skill with nothing to practise cannot be mastered
    learners = learner_rows(course, practisable)
    paginator = Paginator(learners, LEARNERS_PER_PAGE)
    page = paginator.get_page(page_number)
    enrolled = paginator.count  # one learner per enrollment
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
    skills, unpractisable = [], []
    for skill in _skills_in_order(course):
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
    return {
        "enrolled": enrolled,
        "skills": skills,
        "unpractisable": unpractisable,
        "learners": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "skill_total": len(practisable),
    }


def _spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: one starting with =, +, - or @ would be read as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def mastery_rows(course: Course) -> Iterator[list[str]]:
    """The class mastery of every enrolled learner as spreadsheet rows, header first: per learner, skills
    mastered and answers (since a reset, as on the page), then one column per practisable skill, in
    prerequisite order: "mastered", "practised" (not mastered yet) or empty (not practised)."""
    practisable = course.practisable_skill_ids()
    skills = [skill for skill in _skills_in_order(course) if skill.pk in practisable]
    progress: dict[int, dict[int, bool]] = {}
    for learner_id, skill_id, mastered in SkillProgress.objects.filter(
        course=course, skill_id__in=practisable, learner__enrollments__course=course
    ).values_list("learner_id", "skill_id", "mastered"):
        progress.setdefault(learner_id, {})[skill_id] = mastered
    yield ["learner", "reset", f"skills mastered (of {len(skills)})", "answers", *(s.key for s in skills)]
    for learner in learner_rows(course, practisable):
        states = progress.get(learner.pk, {})
        yield [
            _spreadsheet_safe(str(learner)),
            learner.reset_at.isoformat() if learner.reset_at else "",
            str(learner.mastered),
            str(learner.answers),
            *("" if s.pk not in states else "mastered" if states[s.pk] else "practised" for s in skills),
        ]
