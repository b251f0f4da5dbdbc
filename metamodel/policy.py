"""Choosing the next exercise: pure functions over predictions, the skill graph, the history and overrides.

**With an active model** (:func:`decide`), in this order:

1. *Teacher overrides.* Excluded exercises are never candidates; a pinned exercise is chosen outright; a
   pinned skill restricts the candidates to its exercises. A target band set for the learner or the course
   replaces the course's default band.
2. *Knowledge, from the model and from the answers* (:func:`joint_knowledge`). Bayesian Knowledge
   Tracing (Corbett & Anderson 1995; generic parameters BKT_PARAMETERS) over the joint state of the
   course's skills rather than each skill alone: an exercise is answered right with probability 1 - slip
   when all its skills are known and guess otherwise (a wrong answer to a multi-skill exercise is blamed on
   its least-known skill), slip and guess shifted by the exercise's difficulty (:func:`slip_and_guess`: a
   right answer to an easy exercise says less than one to a hard exercise), practice teaches a skill only
   when its prerequisites are known (so answers on a skill whose learning does not take make its
   prerequisites less likely known), and a known skill is forgotten with a half-life of
   FORGET_HALF_LIFE_DAYS without practice. The model sets where each skill starts: its predicted success on
   the skill's exercises, read as knowledge through slip and guess (P(right) = K (1 - slip) + (1 - K)
   guess) and capped at PRIOR_CAP, so that a learner the model expects to know a skill needs fewer answers
   to show it, but never none. A skill is *mastered* at P(known) >=
   MASTERY_THRESHOLD.
3. *Prerequisite gating.* A skill is *ready* when each of its prerequisites is known with probability at
   least READY_THRESHOLD: above PRIOR_CAP, so only answers open a skill, and below mastery, so that a
   learner moves on once a prerequisite is probably known and its confirmation comes from the answers that
   build on it (step 2). The target skills are the ready, unmastered ones, including *reviews*: skills once
   mastered that, after at least a day away, have fallen below the threshold by forgetting, or whose
   predicted success from the model (which reads the time since practice) is below REVIEW_THRESHOLD
   (spaced review, Cepeda et al. 2006). When no skill is ready, the weakest unmastered prerequisite is
   practised, so a learner is never stuck; when every skill is mastered, all are targets (maintenance).
4. *A cap on one skill.* A skill that held the learner's last SKILL_CAP attempts yields to the others.
5. *Value of practice, then desirable difficulty* (Bjork 1994). An exercise is a candidate when it
   practises a target skill and all its other skills are ready or mastered (an unready partner would make
   the answer wrong whatever the learner knows of the target). Its score is GAIN_WEIGHT times its expected
   learning, the sum over its target skills of P(the skill is not known and its prerequisites are), times
   1 + UNLOCK_WEIGHT times what learning it opens (for each skill that builds on it, P(not known) over its
   number of prerequisites), minus the distance of its predicted success from the target band (heavily
   penalised outside it), minus REPEAT_PENALTY for an exercise the learner has answered, halving every
   REPEAT_HALF_LIFE attempts since: a learner who has seen an exercise's answer meets new exercises
   rather than the same few again, and a right answer repeated from memory is rarer evidence. An
   exercise answered wrong in the learner's last REPEAT_GAP attempts, whose worked answer the learner was
   then shown, is not a candidate while another candidate aims at the same skill, and the exercise just
   answered never is when there is another: a learner does not meet again, a few steps later, the exercise
   whose answer they were just shown.
6. *Exploration with logged propensities.* The choice is drawn from a softmax over the scores
   (temperature TEMPERATURE), and its probability is stored with the decision, so that other policies can
   be evaluated offline from the logs by inverse propensity weighting (Li et al. 2011).

**Without a model** (:func:`choose_by_rule`), the documented fallback rule: walk the skills in
prerequisite order; practise the first not yet mastered by the answers (:func:`mastered_by_answers`:
knowledge tracing of each skill alone, :func:`knowledge`, from the generic prior); prefer unseen
exercises, easiest first, never the one just answered; once all are mastered, review the skill practised
longest ago. Overrides apply the same way.
The learner's progress page and the teachers' class mastery use :func:`mastered_by_answers` too, so a
skill the engine moves on from shows as mastered there.
"""

import math
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

# Recent accuracy, as the progress pages show it, is the share right of this many latest answers.
MASTERY_WINDOW = 5
# Generic BKT parameters (prior, learn, slip, guess): about the medians fitted on assist2009, with a new
# course's lower prior (docs/teaching.md).
BKT_PARAMETERS = (0.2, 0.15, 0.1, 0.25)
# A skill is mastered at this P(known): three right answers in a row from the generic prior, two from the
# P(known) of about 0.4 where the model usually starts a learner on a skill.
MASTERY_THRESHOLD = 0.85
# The model's prediction sets a skill's starting P(known), never above this.
PRIOR_CAP = 0.5
FORGET_HALF_LIFE_DAYS = 30.0
# How fast a learner forgets is learnt from their answers (joint_knowledge): each sample of their knowledge
# carries its own half-life, drawn log-normally around FORGET_HALF_LIFE_DAYS with this spread (natural log
# units: 95 % of the prior between 4 and 213 days).
FORGET_SPREAD = 1.0
# A mastered skill comes back for review when the model's predicted success falls below this.
REVIEW_THRESHOLD = 0.6
GAIN_WEIGHT = 4.0
REPEAT_PENALTY = 0.3
REPEAT_HALF_LIFE = 10
REPEAT_GAP = 5
DEFAULT_BAND = (0.6, 0.85)
SKILL_CAP = 10
REVIEW_AFTER_SECONDS = 86_400
TEMPERATURE = 0.15
DAY = 86_400
# A skill is ready when each of its prerequisites is known with at least this probability.
READY_THRESHOLD = 0.6
# What learning a skill is worth beyond itself: this much per skill it opens (joint_knowledge, decide).
UNLOCK_WEIGHT = 0.5
# The samples of a learner's joint knowledge, drawn from this seed, and when forgetting is applied.
PARTICLES = 1000
BELIEF_SEED = 0
# The latest attempts that are traced jointly; older ones are summarised skill by skill.
BELIEF_WINDOW = 50
FORGET_AT_BREAKS_OF = 3600.0


# What each reason code (a reason's words before its first colon) means, in words a pupil of nine reads: the
# practice page and the API's ``why`` put it beside the reason. Every code this module writes has one.
REASON_MEANINGS = {
    "ready": "You are ready to learn it: it builds on no other skill, or on skills you know.",
    "next skill": "A skill that is new to you. You know what it builds on, so it is the one to start now.",
    "practise": "You have started this skill: a few more right answers and you know it.",
    "review": "You learned this a while ago. Practising it again now helps you remember it for longer.",
    "weakest prerequisite": "Other skills build on this one and you know it least, so it comes first.",
    "maintenance": "You know every skill of this course! Practising now and then keeps them fresh.",
    "pinned": "Your teacher chose this for you.",
    "stretch": (
        "Not too easy and not too hard: the best kind of practice for learning. The percentage is how likely "
        "we think you are to get it right."
    ),
    "challenge": (
        "Harder than we usually aim for. Have a go, and ask for a hint if you are stuck. The percentage is "
        "how likely we think you are to get it right."
    ),
    "warm-up": (
        "Easier than we usually aim for: a quick one. The percentage is how likely we think you are to get "
        "it right."
    ),
    "exploring": (
        "Now and then we give you another good exercise instead of the top one, to find out which exercises "
        "help learners most."
    ),
}


def explain(reason: str) -> str | None:
    """The meaning of ``reason``'s code for a pupil (REASON_MEANINGS); None for a teacher's note, which says
    what it means itself ("your teacher set the target band to 50 %-70 %")."""
    code, colon, _ = reason.partition(":")
    return REASON_MEANINGS.get(code) if colon else None


@dataclass(frozen=True)
class CandidateExercise:
    id: int
    skill_ids: tuple[int, ...]
    difficulty: float


@dataclass(frozen=True)
class PastAttempt:
    """One earlier attempt, oldest first in a history; ``time`` in seconds, ``difficulty`` the exercise's
    (logits, 0 = average)."""

    exercise_id: int
    skill_ids: tuple[int, ...]
    correct: bool
    time: float = 0.0
    difficulty: float = 0.0


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


@dataclass
class _Trace:
    outcomes: dict[int, list[bool]] = field(default_factory=dict)
    last_position: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, history: Sequence[PastAttempt]) -> "_Trace":
        trace = cls()
        for position, attempt in enumerate(history):
            for skill_id in attempt.skill_ids:
                trace.outcomes.setdefault(skill_id, []).append(attempt.correct)
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


def _seen(shown: Sequence[PastAttempt], history: Sequence[PastAttempt]) -> list[PastAttempt]:
    """The latest REPEAT_GAP answers the learner was shown, ``shown`` before ``history``."""
    return [*shown[-REPEAT_GAP:], *history[-REPEAT_GAP:]][-REPEAT_GAP:]


def choose_by_rule(
    skills_in_order: Sequence[SkillNode],
    exercises: Sequence[CandidateExercise],
    history: Sequence[PastAttempt],
    steering: Steering = Steering(),
    shown: Sequence[PastAttempt] = (),
) -> Choice | None:
    """The fallback mastery rule of this module's docstring; None when there is nothing to practise.
    ``shown``: as in :func:`decide`; an exercise answered there counts as seen."""
    if steering.pinned_exercise is not None:
        return _pinned(steering.pinned_exercise, steering)
    by_skill = _by_skill(_steered_pool(exercises, steering))
    trace = _Trace.of(history)
    practisable = [skill for skill in skills_in_order if skill.id in by_skill]
    if not practisable:
        return None
    mastered = mastered_by_answers(history)
    target = next((s for s in practisable if s.id not in mastered), None)
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
    seen = _seen(shown, history)
    last_exercise = seen[-1].exercise_id if seen else None
    # The exercise just answered is never offered again at once, not even among the alternatives.
    offered = [e for e in by_skill[target.id] if e.id != last_exercise] or by_skill[target.id]
    seen_at = {attempt.exercise_id: position for position, attempt in enumerate([*shown, *history])}
    ordered = sorted(
        offered,
        key=lambda e: (
            e.id in seen_at,
            seen_at.get(e.id, -1),
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


def _difficulty_words(p: float, band: tuple[float, float], others: Sequence[float]) -> str:
    """Where the chosen exercise's predicted success ``p`` lies against the band; ``others``: the predicted
    success of the other candidates aimed at the same skill. Compared in whole percentages, as the words
    print them, so that "60 %" is never called below a band that starts at 60 %."""
    where = f"the target band {band[0]:.0%}-{band[1]:.0%}"
    percent, low, high = (int(f"{x:.0%}"[:-1]) for x in (p, *band))
    if percent < low:
        alone = " (the easiest of this skill's exercises on offer)" if all(q <= p for q in others) else ""
        return f"challenge: {p:.0%} predicted success, below {where}{alone}"
    if percent > high:
        alone = " (the hardest of this skill's exercises on offer)" if all(q >= p for q in others) else ""
        return f"warm-up: {p:.0%} predicted success, above {where}{alone}"
    return f"stretch: {p:.0%} predicted success, in {where}"


@dataclass(frozen=True)
class Known:
    """P(known) of one skill now, and right after it was last practised (before any forgetting), and when
    that was."""

    now: float
    at_last_practice: float
    last_practised: float


def slip_and_guess(difficulty: float) -> tuple[float, float]:
    """The slip and guess of an exercise of ``difficulty`` (logits, 0 = average): the generic BKT ones
    shifted by it in logit units, so that a hard exercise is slipped more and guessed less, and an easy one
    answered right says less (knowledge tracing with item difficulty, Pardos & Heffernan 2011, here read
    from the course's difficulty rather than fitted per exercise)."""
    _, _, slip, guess = BKT_PARAMETERS
    return _shifted(slip, difficulty), _shifted(guess, -difficulty)


def _shifted(p: float, by: float) -> float:
    """The probability ``p`` moved by ``by`` in logit units."""
    return 1 / (1 + (1 - p) / p * math.exp(-by))


def _kept(seconds: float) -> float:
    """The chance that a known skill is still known after ``seconds`` without practice."""
    return 0.5 ** (seconds / (FORGET_HALF_LIFE_DAYS * DAY))


def knowledge(
    history: Sequence[PastAttempt], now: float, priors: dict[int, float] | None = None
) -> dict[int, Known]:
    """P(known) of every skill practised in ``history`` (oldest first) at ``now``, each skill traced alone:
    what the fallback rule and the progress pages read when no model is active, and how the engine
    summarises a long history's older attempts (:func:`decide`).

    Bayesian Knowledge Tracing (Corbett & Anderson 1995) with two additions. *Conjunctive credit*: an
    exercise needs all its skills, so a right answer is evidence for each of them, while a wrong answer to
    an exercise of several skills is blamed on the one least likely known and leaves the others as they
    were (plain BKT would pull a known skill down with its unknown partner). *Forgetting*: P(known) halves
    every FORGET_HALF_LIFE_DAYS without practice (exponential forgetting, Ebbinghaus 1885). ``priors``
    replaces the generic prior per skill. Every answer is read with the generic slip and guess, whatever its
    exercise's difficulty: the rule without a model stays three right answers in a row (the engine's joint
    tracing reads difficulty, :func:`slip_and_guess`).
    """
    default_prior, learn, slip, guess = BKT_PARAMETERS
    known: dict[int, float] = {}
    last: dict[int, float] = {}

    def decayed(sid: int, at: float) -> float:
        value = known.get(sid, (priors or {}).get(sid, default_prior))
        if sid in last:
            value *= _kept(max(0.0, at - last[sid]))
        return value

    for attempt in history:
        current = {sid: decayed(sid, attempt.time) for sid in attempt.skill_ids}
        blamed = (
            set(current)
            if attempt.correct or len(current) < 2
            else {min(current, key=lambda sid: (current[sid], sid))}
        )
        for sid, value in current.items():
            if sid in blamed:
                if attempt.correct:
                    value = value * (1 - slip) / (value * (1 - slip) + (1 - value) * guess)
                else:
                    value = value * slip / (value * slip + (1 - value) * (1 - guess))
                value += (1 - value) * learn
            known[sid], last[sid] = value, attempt.time
    return {sid: Known(decayed(sid, now), known[sid], last[sid]) for sid in known}


def mastered_by_answers(history: Sequence[PastAttempt]) -> set[int]:
    """The skills whose P(known) by :func:`knowledge` from the generic prior reached MASTERY_THRESHOLD at
    their last practice: from scratch, three right answers in a row; a wrong one costs two or three more."""
    return {
        sid
        for sid, known in knowledge(history, history[-1].time if history else 0.0).items()
        if known.at_last_practice >= MASTERY_THRESHOLD
    }


def _masks(columns: Sequence[int]) -> list[tuple[int, np.uint64]]:
    """The bits of ``columns`` in a packed joint state (column c is bit c % 64 of word c // 64), by word."""
    words: dict[int, int] = {}
    for column in columns:
        words[column // 64] = words.get(column // 64, 0) | 1 << (column % 64)
    return [(word, np.uint64(bits)) for word, bits in words.items()]


def _all_known(samples: np.ndarray, masks: list[tuple[int, np.uint64]]) -> np.ndarray:
    """For each sample, whether every skill of ``masks`` (at least one) is known in it."""
    (word, bits), *others = masks
    known = (samples[:, word] & bits) == bits
    for word, bits in others:
        known &= (samples[:, word] & bits) == bits
    return known


def _packed(known: np.ndarray, columns: Sequence[int], words: int) -> np.ndarray:
    """Joint states of ``words`` words each, one per row of ``known``, in which the skill of each of
    ``columns`` is known where its column of ``known`` is true, and no other skill is."""
    bits = np.zeros((len(known), 64 * words), dtype=bool)
    bits[:, columns] = known
    return np.packbits(bits, bitorder="little").view("<u8").reshape(len(known), words)


@dataclass(frozen=True)
class Belief:
    """What the engine believes a learner knows: PARTICLES weighted samples of the joint state of the
    course's skills at ``now`` (packed, one bit per skill, set when known), and for each practised skill
    its P(known) right after it was last practised (before any forgetting), and when that was."""

    columns: dict[int, int]  # skill id -> bit
    samples: np.ndarray  # PARTICLES x words, little-endian uint64
    weights: np.ndarray  # PARTICLES, summing to 1
    after_practice: dict[int, float]
    last_practised: dict[int, float]

    @cached_property
    def _unpacked(self) -> np.ndarray:
        """Whether each skill is known in each sample: a row per column, unpacked once for all skills."""
        bits = np.unpackbits(self.samples.view(np.uint8), axis=1, bitorder="little")
        return np.ascontiguousarray(bits[:, : len(self.columns)].T).view(bool)

    def known(self, sid: int) -> float:
        return float(self.weights @ self._unpacked[self.columns[sid]])

    def learnable(self, sid: int, prerequisite_ids: Sequence[int]) -> float:
        """P(the skill is not known and all of ``prerequisite_ids`` are): what practising it can teach now."""
        ready = self._unpacked[[self.columns[p] for p in prerequisite_ids]].all(axis=0)
        return float(self.weights @ (~self._unpacked[self.columns[sid]] & ready))


def joint_knowledge(
    prerequisites: dict[int, Sequence[int]],
    history: Sequence[PastAttempt],
    priors: dict[int, float],
    now: float,
    practised_before: Collection[int] = (),
) -> Belief:
    """The learner's knowledge of the skills of ``prerequisites`` (each skill's prerequisites among them)
    at ``now``, from the answers in ``history`` (oldest first), by knowledge tracing over the skills' joint
    state. ``priors`` is where each skill starts; ``practised_before``, the skills practised before
    ``history``, which can be forgotten from its start.

    Bayesian Knowledge Tracing (Corbett & Anderson 1995) with the generic BKT_PARAMETERS and ``priors``
    per skill, where every skill of an exercise is traced together rather than alone: an answer is right
    with probability 1 - slip when the learner knows all of the exercise's skills and guess otherwise (the
    exercise's :func:`slip_and_guess`), and practising a skill the learner does not know teaches it with
    probability learn *only when its prerequisites are known* (dynamic Bayesian networks over a skill
    graph, Käser et al. 2014). So a wrong answer to an exercise of two skills is blamed on the one less
    likely known, and wrong answers on a skill whose learning does not take make its prerequisites less
    likely known, which sends the learner back to them. A practised skill the learner knows is forgotten
    exponentially (Ebbinghaus 1885), applied at breaks of an hour or more, at the learner's own rate: each
    sample carries a half-life drawn around FORGET_HALF_LIFE_DAYS (spread FORGET_SPREAD), and the answers
    after breaks weigh the samples, so a learner who comes back having lost what they knew is believed to
    forget faster, and one who keeps it, slower (the learner's forgetting rate as part of the traced state,
    as per-learner parameters in BKT, Pardos & Heffernan 2010).

    The joint state is sampled: a particle filter (Gordon et al. 1993) with systematic resampling (Kitagawa
    1996) whenever fewer than half the samples carry the weight, drawn from a fixed seed, so that the same
    history always gives the same belief.
    """
    learn = BKT_PARAMETERS[1]
    order = list(prerequisites)
    columns = {sid: column for column, sid in enumerate(order)}
    own = [_masks([column]) for column in range(len(order))]
    needs = [_masks([columns[p] for p in prerequisites[sid]]) for sid in order]
    words = max(1, -(-len(order) // 64))
    rng = np.random.default_rng(BELIEF_SEED)
    start = rng.random((PARTICLES, len(order))) < [priors.get(sid, BKT_PARAMETERS[0]) for sid in order]
    samples = _packed(start, range(len(order)), words)
    learns = rng.random((len(history), PARTICLES)) < learn
    half_lives = FORGET_HALF_LIFE_DAYS * DAY * np.exp(FORGET_SPREAD * rng.standard_normal(PARTICLES))
    weights = np.full(PARTICLES, 1 / PARTICLES)
    offsets = np.arange(PARTICLES) / PARTICLES
    practised = [columns[sid] for sid in practised_before if sid in columns]
    last_practice = {sid: position for position, attempt in enumerate(history) for sid in attempt.skill_ids}
    after_practice: dict[int, float] = {}

    def kept(seconds: float) -> np.ndarray:
        """Which practised skills each sample keeps over ``seconds`` (packed, the others' bits all set)."""
        lost = rng.random((PARTICLES, len(practised))) >= 0.5 ** (seconds / half_lives)[:, None]
        return ~_packed(lost, practised, words)

    clock = history[0].time if history else now
    away = 0.0
    for position, attempt in enumerate(history):
        away, clock = away + max(0.0, attempt.time - clock), attempt.time
        if away >= FORGET_AT_BREAKS_OF and practised:
            samples &= kept(away)
            away = 0.0
        practice = [columns[sid] for sid in attempt.skill_ids if sid in columns]
        if not practice:
            continue
        all_known = _all_known(samples, _masks(practice))
        slip, guess = slip_and_guess(attempt.difficulty)
        if attempt.correct:
            weights *= np.where(all_known, 1 - slip, guess)
        else:
            weights *= np.where(all_known, slip, 1 - guess)
        total = weights.sum()
        # Resample when fewer than half as many samples as there are carry the weight.
        if weights @ weights > 2 * total * total / PARTICLES:
            picks = np.searchsorted(np.cumsum(weights), (offsets + rng.random() / PARTICLES) * total)
            picks = np.minimum(picks, PARTICLES - 1)
            samples, half_lives = samples[picks], half_lives[picks]
            weights = np.full(PARTICLES, 1 / PARTICLES)
            total = weights.sum()
        for column in practice:
            [(word, bits)] = own[column]
            learnt = (
                learns[position] & _all_known(samples, needs[column]) if needs[column] else learns[position]
            )
            samples[:, word] |= learnt * bits
            if column not in practised:
                practised.append(column)
            if last_practice[order[column]] == position:
                known = weights @ _all_known(samples, own[column])
                after_practice[order[column]] = float(known / total)
    if practised:
        samples &= kept(away + max(0.0, now - clock))
    weights /= weights.sum()
    last_practised = {sid: history[at].time for sid, at in last_practice.items() if sid in columns}
    return Belief(columns, samples, weights, after_practice, last_practised)


@dataclass(frozen=True)
class _Assessment:
    """What the engine takes each skill's state to be at ``now`` (step 2 of the module's docstring)."""

    now: float
    known: dict[int, float]  # P(known) now
    learnable: dict[int, float]  # P(not known, and every prerequisite known): practice can teach it now
    last_practised: dict[int, float]
    reviews: set[int]  # mastered once, forgotten since: due for review
    mastered: set[int]

    def idle(self, sid: int) -> float:
        last = self.last_practised.get(sid)
        return self.now - last if last is not None else 0.0


def _assess(
    by_skill: dict[int, list[CandidateExercise]],
    prerequisites: dict[int, list[int]],
    history: Sequence[PastAttempt],
    predictions: dict[int, float],
    now: float,
) -> _Assessment:
    success = {sid: sum(predictions[e.id] for e in items) / len(items) for sid, items in by_skill.items()}
    _, _, slip, guess = BKT_PARAMETERS
    # The model's predicted success read as knowledge, P(right) = K (1 - slip) + (1 - K) guess, is where a
    # learner starts on a skill; capped, so that only answers make a skill mastered.
    priors = {sid: min(PRIOR_CAP, max(0.0, (p - guess) / (1 - slip - guess))) for sid, p in success.items()}
    # The latest BELIEF_WINDOW attempts are traced jointly; the older ones, skill by skill, set where the
    # joint tracing starts (what a learner showed long ago matters less than what they showed lately).
    older, recent = history[:-BELIEF_WINDOW], history[-BELIEF_WINDOW:]
    summary = knowledge(older, recent[0].time if recent else now, priors)
    starts = {sid: summary[sid].now if sid in summary else prior for sid, prior in priors.items()}
    belief = joint_knowledge(prerequisites, recent, starts, now, summary.keys())
    after_practice = {sid: k.at_last_practice for sid, k in summary.items() if sid in prerequisites}
    after_practice.update(belief.after_practice)
    last_practised = {sid: k.last_practised for sid, k in summary.items() if sid in prerequisites}
    last_practised.update(belief.last_practised)
    known = {sid: belief.known(sid) for sid in by_skill}
    learnable = {sid: belief.learnable(sid, prerequisites[sid]) for sid in by_skill}
    # Review: once mastered, now a day or more away and forgotten, by the forgetting curve or by the model's
    # predicted success falling below REVIEW_THRESHOLD.
    reviews = {
        sid
        for sid, after in after_practice.items()
        if after >= MASTERY_THRESHOLD
        and now - last_practised[sid] >= REVIEW_AFTER_SECONDS
        and (known[sid] < MASTERY_THRESHOLD or success[sid] < REVIEW_THRESHOLD)
    }
    mastered = {sid for sid in by_skill if known[sid] >= MASTERY_THRESHOLD and sid not in reviews}
    return _Assessment(now, known, learnable, last_practised, reviews, mastered)


def _prerequisites_among(
    skills: Sequence[SkillNode], by_skill: dict[int, list[CandidateExercise]]
) -> dict[int, list[int]]:
    """Each practisable skill's practisable prerequisites (the others can neither gate nor be learnt)."""
    listed = {s.id: s.prerequisite_ids for s in skills}
    return {sid: [p for p in listed.get(sid, ()) if p in by_skill and p != sid] for sid in by_skill}


@dataclass(frozen=True)
class SkillState:
    """A skill as :func:`decide` reads it at a moment: P(known), whether it counts as mastered (taken as
    known, or due for review), and whether it is due for review (mastered once, faded since by time
    alone, not shown forgotten by an answer)."""

    known: float
    mastered: bool
    review: bool


def skill_states(
    skills: Sequence[SkillNode],
    exercises: Sequence[CandidateExercise],
    history: Sequence[PastAttempt],
    predictions: dict[int, float],
    now: float,
) -> dict[int, SkillState]:
    """Each practisable skill's state at ``now`` as :func:`decide` reads it (step 2 of the module's
    docstring), for the pages that show what the engine believes."""
    by_skill = _by_skill([e for e in exercises if e.id in predictions])
    if not by_skill:
        return {}
    assessed = _assess(by_skill, _prerequisites_among(skills, by_skill), history, predictions, now)
    return {
        sid: SkillState(
            assessed.known[sid], sid in assessed.mastered | assessed.reviews, sid in assessed.reviews
        )
        for sid in by_skill
    }


def mastered_by_model(
    skills: Sequence[SkillNode],
    exercises: Sequence[CandidateExercise],
    history: Sequence[PastAttempt],
    predictions: dict[int, float],
    now: float,
) -> set[int]:
    """The skills the learner has mastered at ``now`` as :func:`decide` reads them: those it takes as
    mastered, and those it brings back for review (mastered once, faded since by time alone, not shown
    forgotten by an answer). The learner's progress page and the class mastery show these, and the "ready:
    prerequisites mastered" reasons agree with them: a week away does not unmaster a skill, a wrong answer
    at its review does."""
    states = skill_states(skills, exercises, history, predictions, now)
    return {sid for sid, state in states.items() if state.mastered}


def decide(
    skills: Sequence[SkillNode],
    exercises: Sequence[CandidateExercise],
    history: Sequence[PastAttempt],
    predictions: dict[int, float],
    now: float,
    steering: Steering = Steering(),
    rng: random.Random | None = None,
    shown: Sequence[PastAttempt] = (),
) -> Choice | None:
    """The model-driven policy of this module's docstring; None when there is nothing to practise.

    ``shown``: the attempts just before ``history`` that it no longer counts (a teacher reset the learner
    since). They are no evidence of what the learner knows now, but their answers were shown, so the rules
    against meeting an exercise again soon (step 5: the exercise just answered, those answered wrong in the
    last REPEAT_GAP attempts) read them until ``history`` holds REPEAT_GAP attempts of its own."""
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
    prerequisites = _prerequisites_among(skills, by_skill)
    assessed = _assess(by_skill, prerequisites, history, predictions, now)
    known, reviews, mastered, idle = assessed.known, assessed.reviews, assessed.mastered, assessed.idle
    ready = {sid for sid in by_skill if all(known[p] >= READY_THRESHOLD for p in prerequisites[sid])}
    reasons_for: dict[int, str] = {}
    for sid in ready - mastered:
        if sid in reviews:
            days = round(idle(sid) / DAY)
            reasons_for[sid] = f"review: {names[sid]} not practised for {days} day{'' if days == 1 else 's'}"
        elif not prerequisites[sid]:
            reasons_for[sid] = f"ready: {names[sid]} needs no prerequisite"
        elif all(p in mastered or p in reviews for p in prerequisites[sid]):
            required = ", ".join(names[p] for p in prerequisites[sid])
            reasons_for[sid] = f"ready: prerequisites mastered ({required})"
        else:
            likely = ", ".join(f"{names[p]} {known[p]:.0%}" for p in prerequisites[sid])
            reasons_for[sid] = f"ready: prerequisites probably known ({likely})"

    if steering.pinned_skill is not None and steering.pinned_skill in by_skill:
        targets = {steering.pinned_skill}
        reasons_for = {steering.pinned_skill: f"pinned: your teacher chose {names[steering.pinned_skill]}"}
    elif reasons_for:
        targets = set(reasons_for)
    elif len(mastered) < len(by_skill):
        blocked = {p for sid in by_skill if sid not in mastered for p in prerequisites[sid]}
        weakest = min(blocked - mastered or set(by_skill) - mastered, key=lambda sid: (known[sid], sid))
        targets = {weakest}
        reasons_for[weakest] = f"weakest prerequisite: {names[weakest]} ({known[weakest]:.0%} known)"
    else:
        targets = set(by_skill)
        for sid in targets:
            reasons_for[sid] = f"maintenance: every skill is mastered; keeping {names[sid]} fresh"

    recent = [a.skill_ids for a in history[-SKILL_CAP:]]
    if len(recent) == SKILL_CAP and len(targets) > 1:
        hogging = {sid for sid in targets if all(sid in ids for ids in recent)}
        if hogging and hogging != targets:
            targets -= hogging

    # What practising a skill can teach now, and what learning it opens: each skill that builds on it and
    # is not known yet, in the share it depends on it.
    opens = {
        sid: sum((1 - known[c]) / len(prerequisites[c]) for c in by_skill if sid in prerequisites[c])
        for sid in by_skill
    }

    def gain(sid: int) -> float:
        return assessed.learnable[sid] * (1 + UNLOCK_WEIGHT * opens[sid])

    seen = _seen(shown, history)
    last_exercise = seen[-1].exercise_id if seen else None
    answered_at = {attempt.exercise_id: position for position, attempt in enumerate(history)}

    def repeat_penalty(exercise_id: int) -> float:
        if exercise_id not in answered_at:
            return 0.0
        return REPEAT_PENALTY * 0.5 ** ((len(history) - 1 - answered_at[exercise_id]) / REPEAT_HALF_LIFE)

    # An exercise is a candidate when it practises a target and needs nothing unready: its other skills
    # are ready or mastered, so a wrong answer says something and a right one is within reach.
    eligible = ready | mastered | targets
    scored: list[tuple[float, int, int]] = []
    for exercise in pool:
        aims = [sid for sid in exercise.skill_ids if sid in targets]
        if not aims or exercise.id == last_exercise or not set(exercise.skill_ids) <= eligible:
            continue
        value = sum(gain(sid) for sid in aims)
        score = (
            GAIN_WEIGHT * value
            - _band_penalty(predictions[exercise.id], steering.band)
            - repeat_penalty(exercise.id)
        )
        scored.append((score, exercise.id, max(aims, key=gain)))
    # Within a skill, an exercise answered wrong a few steps ago (its worked answer shown) gives way.
    recent = {attempt.exercise_id for attempt in seen if not attempt.correct}
    fresh = {sid for _, eid, sid in scored if eid not in recent}
    scored = [(score, eid, sid) for score, eid, sid in scored if eid not in recent or sid not in fresh]
    if not scored:  # only the exercise just answered, or only exercises with an unready partner, are left
        scored = [(0.0, e.id, sid) for sid in targets for e in by_skill[sid] if e.id != last_exercise]
        scored = scored or [(0.0, e.id, sid) for sid in targets for e in by_skill[sid]]
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
    others = [c.predicted for c in candidates if c.skill_id == chosen.skill_id and c is not chosen]
    reasons = [reasons_for[chosen.skill_id], _difficulty_words(chosen.predicted, steering.band, others)]
    if chosen.probability < 0.5:
        reasons.append(
            "exploring: not the top-scored exercise; now and then the engine picks another good one, so that "
            f"it learns which work best (chosen with probability {chosen.probability:.0%})"
        )
    return Choice(chosen.exercise_id, [*reasons, *steering.notes], chosen.probability, candidates)
