"""The learning engine's seams: the views, the tasks and the simulator call these, nothing deeper."""

import logging
import random
import re
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from courses.models import Course, Override
from learners.models import Attempt, Learner
from metamodel.histories import CourseGraph, History, course_graph, learner_history, prediction_time
from metamodel.ml.artifact import ArtifactError
from metamodel.ml.trained import LearnerParams, TrainedModel
from metamodel.models import LearnerState, ModelVersion, Recommendation
from metamodel.policy import (
    REPEAT_GAP,
    PastAttempt,
    SkillState,
    Steering,
    choose_by_rule,
    decide,
    skill_states,
)
from metamodel.training import active_version, load_version

# The engine looks at this many of the learner's latest attempts in the course: enough for the mastery
# window of every skill of a large course and for the model's adaptation window, and a bound on the work
# an inline catch-up may do, so a long history costs the same as a short one.
HISTORY_LIMIT = 1000
# The decision log keeps the best candidates of each choice, enough for offline policy evaluation.
CANDIDATES_STORED = 20

log = logging.getLogger(__name__)
# The versions (id and artifact) whose unusable artifact this process has logged: once each is enough.
_reported_unusable: set[tuple[int, str]] = set()


class NothingToPractise(Exception):
    """The course has no active exercise with a skill; there is nothing to recommend."""


def _served_model(version: ModelVersion) -> TrainedModel:
    """The version's model. An unusable artifact raises ArtifactError, on which every caller falls back
    on the rule; it is logged once per process and version (the admin shows it too)."""
    try:
        return load_version(version)
    except ArtifactError as error:
        if (version.pk, version.artifact) not in _reported_unusable:
            _reported_unusable.add((version.pk, version.artifact))
            log.warning("%s cannot be served, learners get the rule-based choice: %s", version, error)
        raise


def serving_state(learner_id: int, course: Course) -> tuple[ModelVersion | None, LearnerState | None]:
    """The active model version (None when there is none) and the learner's stored state in the course
    (None when there is none yet): one query when the state was adapted under the active version, the
    usual case (at most one version is active), two otherwise."""
    stored = (
        LearnerState.objects.select_related("model_version")
        .filter(learner_id=learner_id, course=course)
        .first()
    )
    if stored is not None and stored.model_version.status == ModelVersion.Status.ACTIVE:
        return stored.model_version, stored
    return active_version(), stored


def _adapted_state(
    learner_id: int, graph: CourseGraph, version: ModelVersion, history: History, stored: LearnerState | None
) -> LearnerState:
    """The learner's ``stored`` state (:func:`serving_state`), brought up to date with their latest attempt
    when it is behind."""
    course = graph.course
    if stored and stored.model_version_id == version.pk and stored.last_attempt_id >= history.last_attempt_id:
        return stored
    params = _served_model(version).adapt(history.model, graph.candidates)
    fresh = LearnerState(
        pk=stored.pk if stored else None,
        learner_id=learner_id,
        course=course,
        model_version=version,
        params=params.to_dict(),
        last_attempt_id=history.last_attempt_id,
        attempts_seen=len(history.model),
        updated_at=timezone.now(),
    )
    if stored is None:
        try:
            with transaction.atomic():
                fresh.save(force_insert=True)
            return fresh
        except IntegrityError:  # a worker stored the learner's first state meanwhile
            pass
    # One conditional update: a slower task that read an older history must not overwrite a newer state.
    mine = LearnerState.objects.filter(learner_id=learner_id, course=course)
    newer = Q(last_attempt_id__lt=history.last_attempt_id) | ~Q(model_version=version)
    fields = ("model_version", "params", "last_attempt_id", "attempts_seen", "updated_at")
    if mine.filter(newer).update(**{name: getattr(fresh, name) for name in fields}) and fresh.pk:
        return fresh
    return mine.get()


def adapt_learner(learner_id: int, course_id: int) -> LearnerState | None:
    """Adapt the active model to the learner's attempts in the course and store the result.

    The inner loop of the meta-learned model (a few gradient steps from the learned initialisation, as in
    MAML / Meta-SGD) runs on the learner's latest attempts. Idempotent and order-proof: a state that
    already includes the newest attempt under the active version is left alone. None when there is no
    active version, its artifact is unusable (the rule serves meanwhile), or the learner or course is gone.
    """
    course = Course.objects.filter(pk=course_id).first()
    learner = Learner.objects.filter(pk=learner_id).first()
    if course is None or learner is None:
        return None
    version, stored = serving_state(learner_id, course)
    if version is None:
        return None
    graph = course_graph(course)
    history = learner_history(learner_id, graph, HISTORY_LIMIT, reset_since(learner, course))
    try:
        return _adapted_state(learner_id, graph, version, history, stored)
    except ArtifactError:
        return None


def predict_exercises(
    learner_id: int,
    graph: CourseGraph,
    history: History,
    version: ModelVersion,
    stored: LearnerState | None,
    now: datetime,
) -> dict[int, float]:
    """P(correct) at ``now`` of every practisable exercise for the learner, from the freshest adapted state
    (``version`` and ``stored`` as :func:`serving_state` reads them).

    When the worker has not caught up with the history's latest attempt, this adapts inline (the history
    is bounded by HISTORY_LIMIT), so a learner never waits on the queue.
    """
    state = _adapted_state(learner_id, graph, version, history, stored)
    p = _served_model(version).predict(
        LearnerParams.from_dict(state.params), graph.candidates, prediction_time(history.model, now)
    )
    return dict(zip((e.id for e in graph.exercises), (float(x) for x in p), strict=True))


def engine_states(
    learner: Learner, graph: CourseGraph, since: datetime | None, now: datetime | None = None
) -> dict[int, SkillState] | None:
    """Each practisable skill's state at ``now`` (``metamodel.policy.skill_states``: P(known), mastered, due
    for review), exactly as :func:`recommend_next` would read it: from the model's predictions and the
    answers after ``since`` (the learner's last reset). None where the engine reads mastery from the
    answers alone (``mastered_by_answers``): without an active model version, with an unusable artifact,
    or in a course with nothing to practise."""
    if not graph.exercises:
        return None
    version, stored = serving_state(learner.pk, graph.course)
    if version is None:
        return None
    now = timezone.now() if now is None else now
    history = learner_history(learner.pk, graph, HISTORY_LIMIT, since)
    try:
        predictions = predict_exercises(learner.pk, graph, history, version, stored, now)
    except ArtifactError:
        return None
    return skill_states(graph.skills, graph.exercises, history.past, predictions, now.timestamp())


def mastered_skills(
    learner: Learner, graph: CourseGraph, since: datetime | None, now: datetime | None = None
) -> set[int] | None:
    """The skills the engine takes as mastered at ``now`` (:func:`engine_states`); None where it reads
    mastery from the answers alone."""
    states = engine_states(learner, graph, since, now)
    return None if states is None else {sid for sid, state in states.items() if state.mastered}


def _latest_reset(overrides: Iterable[Override]) -> datetime | None:
    """When the latest of the active overrides that reset the learner was made (None: none does)."""
    resets = [o for o in overrides if o.kind == Override.Kind.RESET_STATE]
    return max(resets, key=lambda o: (o.created_at, o.pk)).created_at if resets else None


def resets_in_force(course: Course) -> QuerySet[Override]:
    """The course's resets that were not lifted, latest first: a learner's first one is when their state
    was last reset (:func:`reset_since`; the class mastery page reads it for every learner at once)."""
    return (
        Override.objects.in_force()
        .filter(course=course, kind=Override.Kind.RESET_STATE)
        .order_by("-created_at", "-pk")
    )


def reset_since(learner: Learner, course: Course) -> datetime | None:
    """When the learner's state in the course was last reset, in one query: the engine, and the progress
    the learner and teachers read, count only the attempts after it. None when it never was."""
    return resets_in_force(course).filter(learner=learner).values_list("created_at", flat=True).first()


def active_overrides(learner: Learner, course: Course, now: datetime | None = None) -> QuerySet[Override]:
    """The overrides in force at ``now`` (default: the clock) for the learner in the course: the learner's
    own and the course's, neither ended by a teacher nor lapsed."""
    return Override.objects.in_force(now).filter(Q(learner=learner) | Q(learner__isnull=True), course=course)


def steering_for(
    learner: Learner, graph: CourseGraph, now: datetime | None = None
) -> tuple[Steering, datetime | None]:
    """The overrides in force at ``now`` for the learner in the course (:func:`active_overrides`), resolved:
    the learner's own before the course's.

    A pinned exercise is given until the learner has answered it (after the pin was made); one no longer
    practisable (deactivated since it was pinned) or set aside (excluded), or a pinned skill with no
    exercise left to practise, is passed over with a note saying so, rather than obeyed in name only; the
    course's pin, if there is one, then applies instead of the learner's. The learner's notes say what a
    teacher set, never the teacher's reason (kept for teachers, in the override); the band is not named
    beside a pinned exercise, which it played no part in. Also returns when the learner's state was last
    reset (attempts before it no longer count).
    """
    course = graph.course
    active = list(active_overrides(learner, course, now))
    excluded = {o.exercise_id for o in active if o.kind == Override.Kind.EXCLUDE_EXERCISE}
    # Of each other kind, the one in force is the learner's own before the course's, the latest first; a pin
    # that cannot be obeyed gives way to the next (a course-wide pin behind a learner's stale one).
    ranked = sorted(active, key=lambda o: (o.learner_id is not None, o.created_at, o.pk), reverse=True)
    of_kind = {kind: [o for o in ranked if o.kind == kind] for kind in Override.Kind.values}
    notes: list[str] = []
    band = (course.target_success_low, course.target_success_high)
    if banded := of_kind[Override.Kind.TARGET_BAND]:
        band = (banded[0].band_low, banded[0].band_high)
    pin_skill = None
    for override in of_kind[Override.Kind.PIN_SKILL]:
        if any(override.skill_id in e.skill_ids and e.id not in excluded for e in graph.exercises):
            pin_skill = override
            break
        notes.append("your teacher pinned a skill that has no exercise to practise: it is passed over")
    pin_exercise = None
    for override in of_kind[Override.Kind.PIN_EXERCISE]:
        if override.exercise_id not in graph.keys:
            notes.append("your teacher pinned an exercise that is no longer active: it is passed over")
        elif override.exercise_id in excluded:
            notes.append("your teacher pinned an exercise that is now set aside: it is passed over")
        elif not Attempt.objects.filter(
            learner=learner, exercise_id=override.exercise_id, created_at__gte=override.created_at
        ).exists():  # given until answered since it was pinned
            pin_exercise = override
            break
    if banded and pin_exercise is None:  # a pinned exercise is chosen outright: the band plays no part
        notes.append(f"your teacher set the target band to {band[0]:.0%}-{band[1]:.0%}")
    steering = Steering(
        pinned_skill=pin_skill.skill_id if pin_skill else None,
        pinned_exercise=pin_exercise.exercise_id if pin_exercise else None,
        excluded=frozenset(excluded),
        band=band,
        notes=tuple(notes),
    )
    return steering, _latest_reset(active)


def _shown_before_reset(
    learner: Learner, graph: CourseGraph, reset_at: datetime | None, since_reset: int
) -> list[PastAttempt]:
    """The attempts just before the learner's reset that the policy's rules against repeats still read
    (``shown`` of ``metamodel.policy.decide``), while fewer than REPEAT_GAP attempts (``since_reset``) were
    made after it: a reset clears what the engine believes the learner knows, not which answers they were
    just shown."""
    if reset_at is None or since_reset >= REPEAT_GAP:
        return []
    return learner_history(learner.pk, graph, REPEAT_GAP - since_reset, until=reset_at).past


def recommend_next(
    learner: Learner, course: Course, after_attempt: Attempt | None = None, *, now: datetime | None = None
) -> Recommendation:
    """Choose the learner's next exercise in the course at ``now`` and store the decision with its reasons.

    With an active model version, ``metamodel.policy.decide`` chooses from the adapted model's predictions;
    without one (or with an unusable artifact), the fallback rule ``choose_by_rule`` does. Both obey the
    teachers' overrides, and after a reset keep from the learner the exercises whose answer they were just
    shown before it (``_shown_before_reset``); an override whose ``ends_at`` has come by ``now`` is no
    longer obeyed. The stored Recommendation carries the scored candidates, the probability of the choice
    and the model version. Raises NothingToPractise when the course has no practisable exercise.

    ``now`` (default: the clock) is the moment the model predicts for and the policy measures time since
    practice from; the simulator passes its simulated time. The course and the learner's history are
    each read once, for the model and the policy alike.
    """
    now = timezone.now() if now is None else now
    graph = course_graph(course)
    steering, reset_at = steering_for(learner, graph, now)
    history = learner_history(learner.pk, graph, HISTORY_LIMIT, reset_at)
    shown = _shown_before_reset(learner, graph, reset_at, len(history.past))
    version, stored = serving_state(learner.pk, course)
    predictions: dict[int, float] = {}
    if version is not None:
        try:
            predictions = predict_exercises(learner.pk, graph, history, version, stored, now)
        except ArtifactError:
            version = None  # the rule decides; the admin warns that the active version's artifact is broken
    if predictions:
        # Seeded by the learner's state: asking twice without answering gives the same exercise.
        rng = random.Random(f"{learner.pk}:{course.pk}:{len(history.past)}")
        choice = decide(
            graph.skills, graph.exercises, history.past, predictions, now.timestamp(), steering, rng, shown
        )
    else:
        choice = choose_by_rule(graph.skills, graph.exercises, history.past, steering, shown)
    if choice is None:
        raise NothingToPractise(course.slug)
    keys = graph.keys
    decision = Recommendation(
        learner=learner,
        course=course,
        exercise_id=choice.exercise_id,
        policy="model" if predictions else "rule",
        reasons=choice.reasons,
        propensity=choice.propensity,
        candidates=[
            {
                "exercise": keys[c.exercise_id],
                "predicted_correct": c.predicted,
                "score": round(c.score, 4),
                "probability": round(c.probability, 4),
            }
            for c in choice.candidates[:CANDIDATES_STORED]
        ],
        model_version=version if predictions else None,
        predicted_correct=predictions.get(choice.exercise_id),
        after_attempt=after_attempt,
        history_until=history.last_attempt_id,
    )
    if after_attempt is None and (repeated := _same_open_decision(decision)) is not None:
        return repeated
    decision.save()
    return decision


def _same_open_decision(decision: Recommendation) -> Recommendation | None:
    """The learner's latest recommendation in the course when it is still open (unanswered) and the same
    decision, from the same history, as ``decision``: asking again (a reload, a client polling next) then
    returns it instead of storing a copy, so the decision log holds each decision once (as offline
    evaluation from the logged propensities needs) and cannot be grown by asking."""
    latest = (
        Recommendation.objects.filter(learner=decision.learner, course=decision.course)
        .annotate(answered=Exists(Attempt.objects.filter(recommendation=OuterRef("pk"))))
        .order_by("-created_at", "-pk")
        .first()
    )
    # The predictions move with the time since the last answer (the model reads it), a few points within
    # seconds, and the reasons quote them: the same decision is the same exercise for the same reasons, their
    # figures aside, and the log keeps its first scoring.
    same = (
        latest is not None
        and all(
            getattr(latest, name) == getattr(decision, name)
            for name in ("history_until", "exercise_id", "policy", "model_version_id")
        )
        and _without_figures(latest.reasons) == _without_figures(decision.reasons)
    )
    return latest if same and not latest.answered else None


_FIGURES = re.compile(r"\d+")


def _without_figures(reasons: list[str]) -> list[str]:
    """ "challenge: 48% predicted success" and "challenge: 46% predicted success" give the same reason."""
    return [_FIGURES.sub("#", reason) for reason in reasons]
