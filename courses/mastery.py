"""The teacher's view of a class: how far the learners enrolled in a course have come, skill by skill."""

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower, Round
from django.utils import timezone

from courses.models import Course, Skill, count_per_row, topological_order
from learners.models import IMPORTED, Attempt, Learner, SkillProgress
from learners.progress import progress_summary
from learners.services import closed
from metamodel.histories import course_graph
from metamodel.models import Recommendation
from metamodel.policy import MASTERY_WINDOW
from metamodel.services import active_overrides, engine_states, resets_in_force

LEARNERS_PER_PAGE = 100  # a page a teacher reads; an imported log enrols thousands
RECENT_ANSWERS = 20  # the answers a teacher reads on one learner's page

# A learner is stuck on a skill they have not mastered when they have answered it often and mostly wrong of
# late. Eight answers: without a trained model about three right in a row master a skill, so a learner who
# is getting it has most likely mastered it by eight; with fewer, a slow start would be flagged. Under half
# of the latest MASTERY_WINDOW right: no better than guessing between two choices, not a slip or two on the
# way to mastery. Eight is over the window, so a stuck skill's recent accuracy is over a full window.
STUCK_ANSWERS = 8
STUCK_ACCURACY = 0.5
STUCK_RULE = (  # the rule in a teacher's words: change it with the constants
    f"{STUCK_ANSWERS} or more answers on a skill they have not mastered, fewer than half of their latest "
    f"{MASTERY_WINDOW} right"
)
# The rule, over SkillProgress rows. They count only the answers since a teacher's reset
# (``learners.progress``), so a reset clears it.
STUCK = Q(mastered=False, attempts__gte=STUCK_ANSWERS, recent_accuracy__lt=STUCK_ACCURACY)

# A learner's name as ``Learner.__str__`` writes it, for the database to search and sort by.
NAME = Coalesce("user__username", Concat(Value(IMPORTED), "external_id"), output_field=CharField())

# The orders a teacher can list the learners in (``?order=``), those who most need them first: what to sort
# by (then by name), and the order in words. A learner who has not answered yet has no last answer: they come
# first when sorted by it.
WEAKEST = "mastered"
ORDERS = {
    WEAKEST: (("mastered", "answers"), "weakest first: fewest skills mastered, then fewest answers"),
    "name": ((), "by name, from A to Z"),
    "answers": (("answers", "mastered"), "fewest answers first, then fewest skills mastered"),
    "last-answer": (
        (F("last_answer_at").asc(nulls_first=True),),
        "by last answer: those who have not answered yet first, then those who last answered longest ago",
    ),
}


def latest_reset(course: Course) -> Subquery:
    """When the outer query's learner was last reset in the course (``metamodel.services.reset_since``), for
    every row of a query at once."""
    return Subquery(resets_in_force(course).filter(learner=OuterRef("pk")).values("created_at")[:1])


def _skills_in_order(course: Course) -> list[Skill]:
    return topological_order(list(course.skills.order_by("key")), course.prerequisite_pairs())


def stuck_progress(course: Course, practisable: set[int]) -> QuerySet[SkillProgress]:
    """The ``SkillProgress`` rows of the course's practisable skills learners are stuck on (``STUCK``)."""
    return SkillProgress.objects.filter(STUCK, course=course, skill_id__in=practisable)


def stuck_on(course: Course, practisable: set[int]) -> QuerySet[SkillProgress]:
    """The ``stuck_progress`` rows as a teacher reads them: in skill key order, each with its skill and
    ``recent_right``, how many of the latest ``MASTERY_WINDOW`` answers on it were right."""
    return (
        stuck_progress(course, practisable)
        .select_related("skill")
        .annotate(recent_right=Cast(Round(F("recent_accuracy") * MASTERY_WINDOW), IntegerField()))
        .order_by("skill__key")
    )


def since_reset(attempts: QuerySet[Attempt], figure: Callable[[QuerySet[Attempt]], Expression]) -> Case:
    """``figure`` of the outer query's learner's ``attempts`` since their ``reset_at`` (all of them when
    they were never reset): after a reset only the later attempts count
    (``learners.progress.counted_attempts``)."""
    # Two subqueries, not one with "no reset, or later than it": that one would look the reset up again for
    # every attempt.
    return Case(
        When(reset_at__isnull=True, then=figure(attempts)),
        default=figure(attempts.filter(created_at__gt=OuterRef("reset_at"))),
    )


def count_of(attempts: QuerySet[Attempt]) -> Expression:
    """How many of ``attempts`` are the outer query's learner's."""
    return count_per_row(attempts, "learner")


def learner_rows(course: Course, practisable: set[int], order: str = WEAKEST) -> QuerySet[Learner]:
    """Every learner enrolled, in the ``order`` of ``ORDERS`` (weakest first by default), with their
    ``name``, skills ``mastered``, ``answers`` and when they last answered (``last_answer_at``, None when
    they have not) since ``reset_at``, and ``stuck_on``: their :func:`stuck_on` rows, fetched for all the
    learners read in one query."""
    attempts = Attempt.objects.filter(course=course)

    def latest(rows: QuerySet[Attempt]) -> Subquery:
        return Subquery(rows.filter(learner=OuterRef("pk")).order_by("-created_at").values("created_at")[:1])

    return (
        Learner.objects.filter(enrollments__course=course)
        .select_related("user")
        .prefetch_related(Prefetch("skill_progress", stuck_on(course, practisable), to_attr="stuck_on"))
        .annotate(reset_at=latest_reset(course), name=NAME)
        .annotate(
            mastered=count_per_row(
                SkillProgress.objects.filter(course=course, mastered=True, skill_id__in=practisable),
                "learner",
            ),
            answers=since_reset(attempts, count_of),
            last_answer_at=since_reset(attempts, latest),
        )
        .order_by(*ORDERS[order][0], Lower("name"), "pk")
    )


def matching(
    learners: QuerySet[Learner], course: Course, search: str, not_mastered: Skill | None
) -> QuerySet[Learner]:
    """Those of the ``learners`` whose name contains ``search`` (capitals aside; all of them when it is
    empty) and, given a skill, who have not mastered it in the course."""
    if search:
        learners = learners.filter(name__icontains=search)
    if not_mastered is not None:
        mastered = SkillProgress.objects.filter(course=course, skill=not_mastered, mastered=True)
        learners = learners.exclude(Exists(mastered.filter(learner=OuterRef("pk"))))
    return learners


def class_mastery(
    course: Course,
    page_number: int | str | None = 1,
    order: str | None = WEAKEST,
    search: str = "",
    skill_key: str | None = None,
) -> dict:
    """Every figure is over the learners enrolled in the course, so the shares add up to what is listed.

    Per skill that learners can practise, in prerequisite order: how many practised and mastered it, how
    many have not mastered it yet, and how many of its answers were right (an exercise of two skills counts
    once for each); the other skills, with no active exercise, are only named (``unpractisable``), as the
    learners' totals leave them out. Per learner, every one enrolled, in the ``order`` a teacher chose, a key
    of ``ORDERS`` (for any other, weakest first: fewest skills mastered, then fewest answers), a page of
    ``LEARNERS_PER_PAGE`` at a time (``page_number``; one out of range gives the nearest page): skills
    mastered, answers, which are their attempts in the course, each counted once, when they last answered,
    the skills they are stuck on (``STUCK``) and when a teacher last reset them. All count from that reset,
    as the learner's own progress page does. Per skill, and in all (``stuck_learners``), how many learners
    are stuck. Mastery is read from the progress read model (``learners.progress``), so a learner whose
    progress has not been computed counts as mastering none, and as stuck on none.

    The learners listed may be narrowed (:func:`matching`) to those whose name contains ``search`` and to
    those who have not mastered the practisable skill of key ``skill_key`` (``not_mastered_skill``); a key of
    no such skill narrows nothing and is given back as ``unknown_skill``. The other figures stay the whole
    class's; ``matching`` counts the learners listed.
    """
    practisable = course.practisable_skill_ids()  # a skill with nothing to practise cannot be mastered
    order = order if order in ORDERS else WEAKEST
    search = search.replace("\x00", "").strip()  # no name holds a NUL, which the database refuses
    in_order = _skills_in_order(course)
    not_mastered = next((s for s in in_order if s.key == skill_key and s.pk in practisable), None)
    learners = matching(learner_rows(course, practisable, order), course, search, not_mastered)
    paginator = Paginator(learners, LEARNERS_PER_PAGE)
    page = paginator.get_page(page_number)
    enrolled = course.enrollments.count()  # one learner per enrollment
    progress = SkillProgress.objects.filter(course=course, learner__enrollments__course=course)
    stuck = stuck_progress(course, practisable).filter(learner__enrollments__course=course)
    per_skill = {
        row["skill_id"]: row
        for row in progress.values("skill_id").annotate(
            practised=Count("pk"),
            learners_mastered=Count("pk", filter=Q(mastered=True)),  # not "mastered": STUCK reads that field
            stuck=Count("pk", filter=STUCK),
            answered=Sum("attempts"),
            right=Sum("correct"),
        )
    }
    skills, unpractisable = [], []
    for skill in in_order:
        if skill.pk not in practisable:
            unpractisable.append(skill)
            continue
        row = per_skill.get(skill.pk, {})
        skills.append(
            {
                "name": skill.name,
                "key": skill.key,
                "practised": row.get("practised", 0),
                "mastered": row.get("learners_mastered", 0),
                "share_mastered": row.get("learners_mastered", 0) / enrolled if enrolled else None,
                "not_mastered": enrolled - row.get("learners_mastered", 0),
                "stuck": row.get("stuck", 0),
                "accuracy": row["right"] / row["answered"] if row.get("answered") else None,
            }
        )
    return {
        "enrolled": enrolled,
        "skills": skills,
        "unpractisable": unpractisable,
        "learners": page,
        "matching": paginator.count,
        "order": order,
        "order_words": ORDERS[order][1],
        "search": search,
        "not_mastered_skill": not_mastered,
        "unknown_skill": skill_key if skill_key and not_mastered is None else None,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "skill_total": len(practisable),
        "stuck_learners": stuck.values("learner").distinct().count(),
        "stuck_rule": STUCK_RULE,
        "window": MASTERY_WINDOW,
    }


def _spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: one starting with =, +, - or @ would be read as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def skill_headings(skills: list[Skill]) -> dict[int, str]:
    """A spreadsheet's heading for each skill, by pk: its name, and its key too, "Name (key)", where two of
    the ``skills`` share the name (capitals aside), so that no two columns read the same; never a formula."""
    names = Counter(skill.name.casefold() for skill in skills)
    return {
        skill.pk: _spreadsheet_safe(
            skill.name if names[skill.name.casefold()] == 1 else f"{skill.name} ({skill.key})"
        )
        for skill in skills
    }


def _spreadsheet_time(moment: datetime | None) -> str:
    """A time as a spreadsheet reads it, in the platform's time zone, to the minute: "2026-12-02 17:53"."""
    return "" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _share_right(right: int, answers: int) -> str:
    """The share of the answers that were right, in whole percent; empty with no answers."""
    return str(round(100 * right / answers)) if answers else ""


def mastery_rows(course: Course) -> Iterator[list[str]]:
    """The class mastery of every enrolled learner as spreadsheet rows, a header first, then the learners in
    the order of a class register (by name, capitals aside): per learner, when a teacher last reset them,
    skills mastered, answers, the percentage of them right, the last answer's time and the skills they are
    stuck on (all since the reset, as on the page), then one column per practisable skill, in prerequisite
    order, headed by its name (:func:`skill_headings`): "mastered", "practised" (not mastered yet) or empty
    (not practised). Times are local (``TIME_ZONE``), to the minute."""
    practisable = course.practisable_skill_ids()
    skills = [skill for skill in _skills_in_order(course) if skill.pk in practisable]
    headings = skill_headings(skills)
    progress: dict[int, dict[int, bool]] = {}
    for learner_id, skill_id, mastered in SkillProgress.objects.filter(
        course=course, skill_id__in=practisable, learner__enrollments__course=course
    ).values_list("learner_id", "skill_id", "mastered"):
        progress.setdefault(learner_id, {})[skill_id] = mastered
    yield [
        "learner", "reset", f"skills mastered (of {len(skills)})", "answers", "answers right (%)",
        "last answer", "stuck on", *headings.values(),
    ]  # fmt: skip
    right = since_reset(Attempt.objects.filter(course=course, correct=True), count_of)
    for learner in learner_rows(course, practisable, "name").annotate(right=right):
        states = progress.get(learner.pk, {})
        yield [
            _spreadsheet_safe(str(learner)),
            _spreadsheet_time(learner.reset_at),
            str(learner.mastered),
            str(learner.answers),
            _share_right(learner.right, learner.answers),
            _spreadsheet_time(learner.last_answer_at),
            _spreadsheet_safe("; ".join(headings[stuck.skill_id] for stuck in learner.stuck_on)),
            *("" if s.pk not in states else "mastered" if states[s.pk] else "practised" for s in skills),
        ]


def learner_report(course: Course, learner: Learner) -> dict:
    """One learner enrolled in the course, as a teacher follows them. The figures the learner's own progress
    page shows (totals and skills, counted from a teacher's reset, ``since``), each skill with the engine's
    state of it now where a model is active (``skills``: P(known), mastered, due for review; ``estimates``
    lists them, None without one), with the skills they are
    stuck on (``stuck_on``, and their keys, ``stuck``); the overrides in force for them, their own and the
    course's; the exercise the engine offers them now with its reasons (``offered``, None when their latest
    recommendation is answered); and their latest RECENT_ANSWERS answers, newest first, those before the
    reset too, each with the recommendation it answered, if any (the exercise the engine chose, and why,
    whether the learner took it or one of the alternatives), and how many they gave in all
    (``answered_ever``). Raises NotEnrolled for a learner not enrolled in
    the course."""
    summary = progress_summary(learner, course)
    reports, since = summary["reports"], summary["since"]
    states = engine_states(learner, course_graph(course), since)
    keys = dict(course.skills.values_list("pk", "key"))
    estimates = {keys[sid]: state for sid, state in (states or {}).items()}
    stuck = list(stuck_on(course, course.practisable_skill_ids()).filter(learner=learner))
    everything = Attempt.objects.filter(learner=learner, course=course)
    answers = everything.select_related("exercise", "recommendation__exercise").order_by(
        "-created_at", "-pk"
    )[:RECENT_ANSWERS]
    latest = (
        Recommendation.objects.filter(learner=learner, course=course)
        .select_related("exercise")
        .order_by("-created_at", "-pk")
        .first()
    )
    overrides = active_overrides(learner, course).select_related("skill", "exercise", "created_by")
    return {
        **summary,
        # Each skill beside the engine's estimate of it now (None where it reads the answers alone).
        "skills": [(report, estimates.get(report.skill_key)) for report in reports],
        "estimates": None
        if states is None
        else [
            {"skill": report.skill_key, "known": estimate.known, "review": estimate.review}
            for report in reports
            if (estimate := estimates.get(report.skill_key)) is not None
        ],
        "stuck_on": stuck,
        "stuck": {row.skill.key for row in stuck},
        "stuck_rule": STUCK_RULE,
        "answers": answers,
        # All their answers in the course, before a reset too: the page links to them past the latest.
        "answered_ever": everything.count(),
        # Every answer is followed by a new recommendation, so the latest one is still on offer unless it is
        # answered, or a teacher has steered since (a reset, a pin: the engine chooses afresh next time).
        "offered": latest if latest is not None and closed(latest) is None else None,
        # The learner's own first: they come before the course's (``metamodel.services.steering_for``).
        "overrides": overrides.order_by(F("learner").asc(nulls_last=True), "-created_at", "-pk"),
    }
