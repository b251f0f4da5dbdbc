"""Choosing the next exercise: pure functions over predictions, the skill graph, the history and overrides.

**With an active model** (:func:`decide`), in this order:

1. *Teacher overrides.* Excluded exercises are never candidates; a pinned exercise is chosen outright; a
   pinned skill restricts the candidates to its exercises. A target band set for the learner or the course
   replaces the course's default band.
2. *Mastery, from the model and from the answers.* A skill's predicted mastery is the mean predicted
   success over its active exercises, now (so it decays with time since practice when the model has
   learned forgetting). A skill is *mastered* when that mean is at least MASTERY_THRESHOLD after at least
   MODEL_MASTERY_MIN_ATTEMPTS answers (the model's prior alone never counts), or when the learner's own
   answers put the BKT posterior P(known) (Corbett & Anderson 1995, with the generic parameters of
   BKT_PARAMETERS) at ANSWERS_MASTERY or above. A shared model's predictions are compressed towards the
   population mean, so on their own they rarely cross a fixed threshold for a learner who has just learnt
   a skill; the answers say so sooner, and the model's decayed predictions still bring the skill back.
3. *Prerequisite gating.* A skill is *ready* when all its prerequisites are mastered. The candidate skills
   are the ready, unmastered ones, plus *reviews*: skills the learner's answers showed learnt whose
   predicted mastery has fallen below REVIEW_THRESHOLD after at least a day without practice (spaced
   review, Cepeda et al. 2006). When no skill is ready, the weakest unmastered prerequisite is
   practised, so a learner is never stuck. When every skill is mastered, all are candidates (maintenance).
4. *A cap on one skill.* A skill that held the learner's last SKILL_CAP attempts yields to the others.
5. *Desirable difficulty* (Bjork 1994). Each candidate exercise is scored: the distance of its predicted
   success from the target band (heavily penalised outside it), a preference for skills far from mastery,
   and a bonus for due reviews. The exercise just answered is never a candidate when there is another.
6. *Exploration with logged propensities.* The choice is drawn from a softmax over the scores
   (temperature TEMPERATURE), and its probability is stored with the decision, so that other policies can
   be evaluated offline from the logs by inverse propensity weighting (Li et al. 2011).

**Without a model** (:func:`choose_by_rule`), the documented fallback rule: walk the skills in
prerequisite order; practise the first not yet mastered (at least 3 answers and 80 % of the last 5 right);
prefer unseen exercises, easiest first, never the one just answered; once all are mastered, review the
skill practised longest ago. Overrides apply the same way.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

MASTERY_WINDOW = 5
MASTERY_MIN_ATTEMPTS = 3
MASTERY_ACCURACY = 0.8
MASTERY_THRESHOLD = 0.8
MODEL_MASTERY_MIN_ATTEMPTS = 2
# Generic BKT parameters (prior, learn, slip, guess): about the medians fitted on assist2009, with a new
# course's lower prior (docs/teaching.md). Three right answers in a row from scratch reach 0.9.
BKT_PARAMETERS = (0.2, 0.15, 0.1, 0.25)
ANSWERS_MASTERY = 0.9
# A skill learnt by the answers comes back for review when its predicted success falls below this.
REVIEW_THRESHOLD = 0.6
DEFAULT_BAND = (0.6, 0.85)
SKILL_CAP = 10
REVIEW_AFTER_SECONDS = 86_400
TEMPERATURE = 0.15
DAY = 86_400


@dataclass(frozen=True)
class CandidateExercise:
    id: int
    skill_ids: tuple[int, ...]
    difficulty: float


@dataclass(frozen=True)
class PastAttempt:
    """One earlier attempt, oldest first in a history; ``time`` in seconds."""

    exercise_id: int
    skill_ids: tuple[int, ...]
    correct: bool
    time: float = 0.0


@dataclass(frozen=True)
class SkillNode:
    id: int
    name: str
    prerequisite_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Steering:
    """The active teacher overrides for this learner, already resolved (learner's before course's)."""

    pinned_skill: int | None = None
    pinned_exercise: int | None = None
    excluded: frozenset[int] = frozenset()
    band: tuple[float, float] = DEFAULT_BAND
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scored:
    exercise_id: int
    skill_id: int
    predicted: float | None
    score: float
    probability: float


@dataclass
class Choice:
    """The exercise chosen, why, with what probability, and the scored candidates (best first)."""

    exercise_id: int
    reasons: list[str]
    propensity: float = 1.0
    candidates: list[Scored] = field(default_factory=list)

    @property
    def alternatives(self) -> list[int]:
        """The three best candidates other than the choice: what the learner may pick instead."""
        return [c.exercise_id for c in self.candidates if c.exercise_id != self.exercise_id][:3]


def bkt_known(
    outcomes: Sequence[bool], parameters: tuple[float, float, float, float] = BKT_PARAMETERS
) -> float:
    """P(known) after these answers (oldest first) by Bayesian Knowledge Tracing (Corbett & Anderson 1995)."""
    known, learn, slip, guess = parameters
    for correct in outcomes:
        if correct:
            known = known * (1 - slip) / (known * (1 - slip) + (1 - known) * guess)
        else:
            known = known * slip / (known * slip + (1 - known) * (1 - guess))
        known += (1 - known) * learn
    return known


def skill_mastered(outcomes: Sequence[bool]) -> bool:
    """The fallback rule's mastery test on one skill's outcomes, oldest first."""
    recent = outcomes[-MASTERY_WINDOW:]
    return len(outcomes) >= MASTERY_MIN_ATTEMPTS and sum(recent) / len(recent) >= MASTERY_ACCURACY


@dataclass
class _Trace:
    outcomes: dict[int, list[bool]] = field(default_factory=dict)
    last_time: dict[int, float] = field(default_factory=dict)
    last_position: dict[int, int] = field(default_factory=dict)
    last_seen_exercise: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, history: Sequence[PastAttempt]) -> "_Trace":
        trace = cls()
        for position, attempt in enumerate(history):
            trace.last_seen_exercise[attempt.exercise_id] = position
            for skill_id in attempt.skill_ids:
                trace.outcomes.setdefault(skill_id, []).append(attempt.correct)
                trace.last_time[skill_id] = attempt.time
                trace.last_position[skill_id] = position
        return trace


def _by_skill(exercises: Sequence[CandidateExercise]) -> dict[int, list[CandidateExercise]]:
    grouped: dict[int, list[CandidateExercise]] = {}
    for exercise in exercises:
        for skill_id in exercise.skill_ids:
            grouped.setdefault(skill_id, []).append(exercise)
    return grouped


def _pinned(exercise_id: int, steering: Steering) -> Choice:
    return Choice(exercise_id, ["pinned: your teacher chose this exercise", *steering.notes])


def _steered_pool(exercises: Sequence[CandidateExercise], steering: Steering) -> list[CandidateExercise]:
    pool = [e for e in exercises if e.id not in steering.excluded]
    if steering.pinned_skill is not None:
        pool = [e for e in pool if steering.pinned_skill in e.skill_ids] or pool
    return pool


def choose_by_rule(
    skills_in_order: Sequence[SkillNode],
    exercises: Sequence[CandidateExercise],
    history: Sequence[PastAttempt],
    steering: Steering = Steering(),
) -> Choice | None:
    """The fallback mastery rule of this module's docstring; None when there is nothing to practise."""
    if steering.pinned_exercise is not None:
        return _pinned(steering.pinned_exercise, steering)
    by_skill = _by_skill(_steered_pool(exercises, steering))
    trace = _Trace.of(history)
    practisable = [skill for skill in skills_in_order if skill.id in by_skill]
    if not practisable:
        return None
    target = next((s for s in practisable if not skill_mastered(trace.outcomes.get(s.id, []))), None)
    if target is not None:
        done = trace.outcomes.get(target.id, [])
        if done:
            right = sum(done[-MASTERY_WINDOW:])
            reasons = [
                f"practise: {target.name} is not mastered yet "
                f"({right} of your last {len(done[-MASTERY_WINDOW:])} right)"
            ]
        else:
            reasons = [f"next skill: {target.name} (you have not practised it yet)"]
        names = {s.id: s.name for s in skills_in_order}
        prerequisites = [names[pk] for pk in target.prerequisite_ids if pk in names]
        if prerequisites:
            reasons.append(f"ready: prerequisites mastered ({', '.join(prerequisites)})")
    else:
        target = min(practisable, key=lambda s: trace.last_position.get(s.id, -1))
        reasons = [f"review: every skill is mastered; {target.name} was practised longest ago"]
    last_exercise = history[-1].exercise_id if history else None
    ordered = sorted(
        by_skill[target.id],
        key=lambda e: (
            e.id == last_exercise,
            e.id in trace.last_seen_exercise,
            trace.last_seen_exercise.get(e.id, -1),
            e.difficulty,
            e.id,
        ),
    )
    candidates = [
        Scored(e.id, target.id, None, -rank, 1.0 if rank == 0 else 0.0) for rank, e in enumerate(ordered)
    ]
    return Choice(ordered[0].id, [*reasons, *steering.notes], 1.0, candidates)


def _band_penalty(p: float, band: tuple[float, float]) -> float:
    low, high = band
    outside = max(0.0, low - p, p - high)
    centre = (low + high) / 2
    return 4.0 * outside + abs(p - centre)


def _difficulty_words(p: float, band: tuple[float, float]) -> str:
    if p < band[0]:
        return f"challenge: {p:.0%} predicted success (nothing easier was left in this skill)"
    if p > band[1]:
        return f"warm-up: {p:.0%} predicted success (nothing harder was left in this skill)"
    return f"stretch: {p:.0%} predicted success, in the target band {band[0]:.0%}-{band[1]:.0%}"


def decide(
    skills: Sequence[SkillNode],
    exercises: Sequence[CandidateExercise],
    history: Sequence[PastAttempt],
    predictions: dict[int, float],
    now: float,
    steering: Steering = Steering(),
    rng: random.Random | None = None,
) -> Choice | None:
    """The model-driven policy of this module's docstring; None when there is nothing to practise."""
    if steering.pinned_exercise is not None:
        choice = _pinned(steering.pinned_exercise, steering)
        predicted = predictions.get(steering.pinned_exercise)
        choice.candidates = [Scored(steering.pinned_exercise, 0, predicted, 0.0, 1.0)]
        return choice
    pool = [e for e in _steered_pool(exercises, steering) if e.id in predictions]
    by_skill = _by_skill(pool)
    if not by_skill:
        return None
    names = {s.id: s.name for s in skills}
    trace = _Trace.of(history)
    mastery = {sid: sum(predictions[e.id] for e in items) / len(items) for sid, items in by_skill.items()}

    def idle(sid: int) -> float:
        return now - trace.last_time.get(sid, now)

    def review_due(sid: int) -> bool:
        """Learnt by the answers, but the model now predicts recall has decayed after a day or more away."""
        return (
            bkt_known(trace.outcomes.get(sid, [])) >= ANSWERS_MASTERY
            and idle(sid) >= REVIEW_AFTER_SECONDS
            and mastery[sid] < REVIEW_THRESHOLD
        )

    def mastered(sid: int) -> bool:
        outcomes = trace.outcomes.get(sid, [])
        by_model = mastery.get(sid, 0.0) >= MASTERY_THRESHOLD and len(outcomes) >= MODEL_MASTERY_MIN_ATTEMPTS
        return by_model or (bkt_known(outcomes) >= ANSWERS_MASTERY and not review_due(sid))

    def is_mastered_prerequisite(pid: int) -> bool:
        # A prerequisite without exercises cannot be practised, so it cannot hold a learner back.
        return pid not in by_skill or mastered(pid)

    known = [s for s in skills if s.id in by_skill]
    reasons_for: dict[int, str] = {}
    reviews: set[int] = set()
    for skill in known:
        if review_due(skill.id):
            reviews.add(skill.id)
            reasons_for[skill.id] = f"review: {skill.name} not practised for {idle(skill.id) / DAY:.0f} days"
    for skill in known:
        if skill.id in reviews or mastered(skill.id):
            continue
        if all(is_mastered_prerequisite(p) for p in skill.prerequisite_ids):
            prerequisites = [names[p] for p in skill.prerequisite_ids if p in names]
            reasons_for[skill.id] = (
                f"ready: prerequisites mastered ({', '.join(prerequisites)})"
                if prerequisites
                else f"ready: {skill.name} needs no prerequisite"
            )
    if steering.pinned_skill is not None and steering.pinned_skill in by_skill:
        targets = {steering.pinned_skill}
        reasons_for[steering.pinned_skill] = f"pinned: your teacher chose {names.get(steering.pinned_skill)}"
    elif reasons_for:
        targets = set(reasons_for)
    elif any(not mastered(s.id) for s in known):
        blocked = [p for s in known if not mastered(s.id) for p in s.prerequisite_ids if p in by_skill]
        weakest = min((p for p in blocked if not mastered(p)), key=lambda p: mastery[p], default=None)
        if weakest is None:
            weakest = min((s.id for s in known if not mastered(s.id)), key=lambda sid: mastery[sid])
        targets = {weakest}
        reasons_for[weakest] = f"weakest prerequisite: {names[weakest]} ({mastery[weakest]:.0%} mastery)"
    else:
        targets = set(by_skill)
        for sid in targets:
            reasons_for[sid] = f"maintenance: every skill is mastered; keeping {names[sid]} fresh"

    recent = [a.skill_ids for a in history[-SKILL_CAP:]]
    if len(recent) == SKILL_CAP and len(targets) > 1:
        hogging = {sid for sid in targets if all(sid in ids for ids in recent)}
        if hogging and hogging != targets:
            targets -= hogging

    last_exercise = history[-1].exercise_id if history else None
    scored: list[tuple[float, int, int]] = []
    for sid in targets:
        for exercise in by_skill[sid]:
            if exercise.id == last_exercise:
                continue
            score = 2.0 * (1.0 - mastery[sid]) - _band_penalty(predictions[exercise.id], steering.band)
            score += 0.5 if sid in reviews else 0.0
            scored.append((score, exercise.id, sid))
    if not scored:  # the only exercise left is the one just answered
        scored = [(0.0, e.id, sid) for sid in targets for e in by_skill[sid]]
    best = max(score for score, _, _ in scored)
    weights = [math.exp((score - best) / TEMPERATURE) for score, _, _ in scored]
    total = sum(weights)
    candidates = sorted(
        (
            Scored(eid, sid, predictions[eid], score, w / total)
            for (score, eid, sid), w in zip(scored, weights, strict=True)
        ),
        key=lambda c: (-c.score, c.exercise_id),
    )
    chosen = (rng or random.Random()).choices(candidates, weights=[c.probability for c in candidates])[0]
    reasons = [reasons_for[chosen.skill_id], _difficulty_words(chosen.predicted, steering.band)]
    if chosen.probability < 0.5:
        reasons.append(f"exploring: chosen with probability {chosen.probability:.0%} among close candidates")
    return Choice(chosen.exercise_id, [*reasons, *steering.notes], chosen.probability, candidates)
