"""Simulated learners with ground truth, for demo histories and for measuring teaching policies.

Pure Python + NumPy (no Django). The learner model is Bayesian Knowledge Tracing (Corbett & Anderson
1995) per skill, extended the ways the platform's claims need:

- **Latent knowledge** per skill: known or not. A learner starts knowing each skill with ``p_init``.
- **Learning from practice**: after practising a skill not yet known, it becomes known with probability
  ``learn * readiness * stretch``, where readiness = 1 - ``prerequisite_weight`` * (share of the skill's
  prerequisites not known). With a weight of 1, a skill whose prerequisites are all unknown is unlearnable;
  with 0, prerequisites do not matter. Answering correctly teaches a little more (* ``correct_bonus``).
  ``stretch`` = exp(-(d - a - ``best_stretch``)^2 / (2 ``stretch_width``^2)) makes learning depend on the
  exercise's difficulty d relative to the learner's ability a: an exercise a little above the learner's
  level teaches most, one far too easy or far too hard teaches less (desirable difficulty, Bjork 1994).
- **Slips and guesses**, shifted by the exercise's difficulty d and the learner's ability a in logit units:
  P(correct | known) = 1 - sigmoid(logit(slip) + d - a), P(correct | not known) =
  sigmoid(logit(guess) - d + a). An exercise with several skills needs all of them known. Abilities are
  drawn from N(0, ``ability_sd``).
- **Forgetting**: a known skill that has been practised is forgotten over Δt with probability
  1 - 2^(-Δt / half-life) (memoryless, so checking it at any moments gives the same law). Knowledge the
  learner came with (``p_init``) is taken as consolidated and is not forgotten until practised.

Presets (``SETTINGS``) span fast/slow learners, weak/strong prerequisites and little/much forgetting,
plus ``assist2009``, whose learn, slip and guess are fitted to that data set by :func:`fit_bkt`
(``docs/teaching.md`` has the fits, the command that makes them, and what cannot be fitted).
"""

import math
from dataclasses import dataclass

import numpy as np

from metamodel.ml.data import AttemptRecord

DAY = 86_400


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class SimulatorSettings:
    p_init: float = 0.1
    learn: float = 0.25
    correct_bonus: float = 1.3
    slip: float = 0.1
    guess: float = 0.2
    prerequisite_weight: float = 0.7
    forget_half_life_days: float = 30.0
    ability_sd: float = 0.7
    best_stretch: float = 0.5
    stretch_width: float = 2.0


SETTINGS = {
    "default": SimulatorSettings(),
    "fast": SimulatorSettings(learn=0.4),
    "slow": SimulatorSettings(learn=0.12),
    "weak-prerequisites": SimulatorSettings(prerequisite_weight=0.2),
    "strong-prerequisites": SimulatorSettings(prerequisite_weight=1.0),
    "little-forgetting": SimulatorSettings(forget_half_life_days=180.0),
    "much-forgetting": SimulatorSettings(forget_half_life_days=5.0),
    # Learn, slip and guess fitted per skill to assist2009 (medians; docs/teaching.md); the prior is not
    # carried over, since ASSISTments students practise skills they half know and a course teaches new ones.
    "assist2009": SimulatorSettings(learn=0.105, slip=0.196, guess=0.212),
}


@dataclass(frozen=True)
class SkillSpec:
    key: str
    prerequisites: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExerciseSpec:
    key: str
    skills: tuple[str, ...]
    difficulty: float = 0.0


class SimulatedLearner:
    """One learner's hidden state and how it answers and learns (see the module docstring)."""

    def __init__(self, skills: list[SkillSpec], settings: SimulatorSettings, rng: np.random.Generator):
        self.settings = settings
        self.rng = rng
        self.prerequisites = {skill.key: skill.prerequisites for skill in skills}
        self.ability = float(rng.normal(0.0, settings.ability_sd))
        self.known = {skill.key: bool(rng.random() < settings.p_init) for skill in skills}
        self.last_practice: dict[str, int] = {}
        # When forgetting was last applied to each practised skill; the exponential law lets it be applied
        # in pieces (at practice, at a measurement) without changing the probabilities.
        self.last_checked: dict[str, int] = {}

    def _forget(self, skill: str, now: int) -> None:
        last = self.last_checked.get(skill)
        if last is None or not self.known[skill]:
            return
        self.last_checked[skill] = max(last, now)
        elapsed_days = max(0, now - last) / DAY
        if self.rng.random() < 1.0 - 2.0 ** (-elapsed_days / self.settings.forget_half_life_days):
            self.known[skill] = False

    def answer(self, exercise: ExerciseSpec, now: int) -> bool:
        """Answer the exercise at time ``now`` (seconds), then learn from the practice."""
        s = self.settings
        for skill in exercise.skills:
            self._forget(skill, now)
        shift = exercise.difficulty - self.ability
        if all(self.known[skill] for skill in exercise.skills):
            p_correct = 1.0 - _sigmoid(_logit(s.slip) + shift)
        else:
            p_correct = _sigmoid(_logit(s.guess) - shift)
        correct = bool(self.rng.random() < p_correct)
        stretch = math.exp(-((shift - s.best_stretch) ** 2) / (2 * s.stretch_width**2))
        for skill in exercise.skills:
            self.last_practice[skill] = self.last_checked[skill] = now
            if not self.known[skill]:
                prerequisites = self.prerequisites[skill]
                missing = (
                    sum(not self.known[p] for p in prerequisites) / len(prerequisites) if prerequisites else 0
                )
                p_learn = (
                    s.learn
                    * (1.0 - s.prerequisite_weight * missing)
                    * (s.correct_bonus if correct else 1.0)
                    * stretch
                )
                self.known[skill] = bool(self.rng.random() < min(1.0, p_learn))
        return correct

    def practice_kind(self, exercise: ExerciseSpec) -> str:
        """What practising the exercise can do now: ``known`` (every skill already known: nothing to
        learn), ``not ready`` (an unknown skill has an unknown prerequisite: learning is slowed or, with
        strong prerequisites, blocked) or ``learnable``."""
        unknown = [skill for skill in exercise.skills if not self.known[skill]]
        if not unknown:
            return "known"
        if any(not self.known[p] for skill in unknown for p in self.prerequisites[skill]):
            return "not ready"
        return "learnable"

    def mastery(self, now: int | None = None) -> float:
        """The share of the course's skills this learner truly knows, after forgetting up to ``now``."""
        if now is not None:
            for skill in self.known:
                self._forget(skill, now)
        return sum(self.known.values()) / len(self.known)


def practice_times(steps: int, rng: np.random.Generator, start: int) -> list[int]:
    """When a learner practises: sessions of 10 attempts a minute apart, 1 to 4 days between sessions."""
    times, now = [], start
    for step in range(steps):
        if step and step % 10 == 0:
            now += int(rng.integers(1, 5)) * DAY
        times.append(now)
        now += 60
    return times


def curriculum_order(skills: list[SkillSpec]) -> list[str]:
    """Skill keys with every skill after its prerequisites (the order authors list them when they can)."""
    placed: list[str] = []
    pending = list(skills)
    while pending:
        ready = [s for s in pending if all(p in placed for p in s.prerequisites)] or pending[:1]
        placed.append(ready[0].key)
        pending.remove(ready[0])
    return placed


def simulate_histories(
    skills: list[SkillSpec],
    exercises: list[ExerciseSpec],
    learners: int,
    steps: int,
    seed: int = 0,
    settings: SimulatorSettings = SETTINGS["default"],
    start: int = 1_767_225_600,
) -> list[AttemptRecord]:
    """Attempt logs of simulated learners working through the course, for demo data.

    Each learner follows the curriculum order, moving on after three right in a row on a skill, with one
    exercise in four drawn at random from the skills reached so far (review and curiosity), in sessions of
    about 10 attempts a minute apart, 1 to 4 days between sessions. Learners are named ``sim-<n>``.
    """
    rng = np.random.default_rng(seed)
    order = curriculum_order(skills)
    by_skill = {key: [e for e in exercises if key in e.skills] for key in order}
    order = [key for key in order if by_skill[key]]
    records: list[AttemptRecord] = []
    for n in range(learners):
        learner = SimulatedLearner(skills, settings, rng)
        now = start + int(rng.integers(0, 30 * DAY))
        level, streak = 0, 0
        for step in range(steps):
            if step and step % 10 == 0:
                now += int(rng.integers(1, 5)) * DAY
            reached = order[: level + 1]
            skill = reached[int(rng.integers(len(reached)))] if rng.random() < 0.25 else order[level]
            exercise = by_skill[skill][int(rng.integers(len(by_skill[skill])))]
            correct = learner.answer(exercise, now)
            records.append(AttemptRecord(f"sim-{n}", exercise.key, exercise.skills, int(correct), now))
            if skill == order[level]:
                streak = streak + 1 if correct else 0
                if streak >= 3 and level < len(order) - 1:
                    level, streak = level + 1, 0
            now += 60
    return records


@dataclass(frozen=True)
class FittedBKT:
    prior: float
    learn: float
    slip: float
    guess: float
    log_likelihood: float


def fit_bkt(sequences: list[list[int]], iterations: int = 40, max_length: int = 200) -> FittedBKT:
    """Maximum-likelihood BKT parameters (Corbett & Anderson 1995: prior, learn, slip, guess; no forgetting)
    for answer sequences (1 = correct) of one skill, by expectation-maximisation: the scaled
    forward-backward algorithm of Baum et al. (1970) / Rabiner (1989), as pyBKT fits them (Badrinath et al.
    2021), vectorised over sequences. Sequences are cut at ``max_length`` answers, where BKT's learning has
    long played out. Slip and guess are kept below 0.5 so that "known" stays the state of right answers.
    """
    cut = [s[:max_length] for s in sequences if s]
    lengths = np.array([len(s) for s in cut])
    steps = int(lengths.max())
    valid = np.arange(steps)[None, :] < lengths[:, None]
    right = np.zeros((len(cut), steps), dtype=bool)
    for row, sequence in enumerate(cut):
        right[row, : len(sequence)] = np.asarray(sequence, dtype=bool)
    prior, learn, slip, guess = 0.3, 0.1, 0.1, 0.2
    log_likelihood = -math.inf
    for _ in range(iterations):
        # Emission probabilities per state (0 = unknown, 1 = known); padding carries no information.
        emit = np.ones((len(cut), steps, 2))
        emit[..., 1] = np.where(valid, np.where(right, 1 - slip, slip), 1.0)
        emit[..., 0] = np.where(valid, np.where(right, guess, 1 - guess), 1.0)
        alpha = np.empty_like(emit)
        scale = np.empty((len(cut), steps))
        state = np.stack([np.full(len(cut), 1 - prior), np.full(len(cut), prior)], axis=1)
        for t in range(steps):
            joint = state * emit[:, t]
            scale[:, t] = joint.sum(axis=1)
            alpha[:, t] = joint / scale[:, t, None]
            known = alpha[:, t, 1] + alpha[:, t, 0] * learn
            state = np.stack([1 - known, known], axis=1)
        beta = np.ones_like(emit)
        unknown_to_known = np.zeros(len(cut))
        unknown_before = np.zeros(len(cut))
        for t in range(steps - 2, -1, -1):
            weighted = emit[:, t + 1] * beta[:, t + 1] / scale[:, t + 1, None]
            beta[:, t, 0] = (1 - learn) * weighted[:, 0] + learn * weighted[:, 1]
            beta[:, t, 1] = weighted[:, 1]
            transition = valid[:, t + 1]
            unknown_to_known += np.where(transition, alpha[:, t, 0] * learn * weighted[:, 1], 0.0)
            unknown_before += np.where(transition, alpha[:, t, 0] * beta[:, t, 0], 0.0)
        gamma_known = np.where(valid, alpha[..., 1] * beta[..., 1], 0.0)
        gamma_unknown = np.where(valid, alpha[..., 0] * beta[..., 0], 0.0)
        log_likelihood = float(np.log(scale).sum())
        prior = float(gamma_known[:, 0].mean())
        learn = float(unknown_to_known.sum() / max(unknown_before.sum(), 1e-12))
        slip = float(np.clip((gamma_known * ~right).sum() / gamma_known.sum(), 1e-4, 0.499))
        guess = float(np.clip((gamma_unknown * right).sum() / max(gamma_unknown.sum(), 1e-12), 1e-4, 0.499))
    return FittedBKT(prior, learn, slip, guess, log_likelihood)
