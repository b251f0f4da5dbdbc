"""Comparing teaching policies on simulated learners whose true knowledge is known.

Every policy teaches the same simulated learners (``metamodel.simulation``): learner ``n`` of seed ``S``
starts with the same ability and prior knowledge and practises at the same moments under every policy
(common random numbers), so the policies differ only in what they choose. After each step the harness
reads the learner's *true* knowledge, with forgetting applied up to that moment, and reports per policy:

- **mastery after T steps**: the share of the course's skills the learner truly knows after the last step;
- **steps to course mastery**: the first step after which every skill is known. Learners who never get
  there within T are *censored*: the report gives their share, the median (defined while fewer than half
  are censored) and the restricted mean min(steps, T), which is always defined (Royston & Parmar 2013);
- **learning per step**: skills gained (known at the end minus known at the start) per step;
- where the steps went, from the ground truth: the share spent on exercises whose skills were all known
  already, and on skills that were not ready (a prerequisite unknown), the two ways a step is wasted.

Means carry a 95 % normal-approximation interval; the median a 95 % percentile bootstrap interval over
learners (Efron & Tibshirani 1993).

Baselines run in pure Python: ``random`` (uniform among the course's active exercises), ``fixed`` (the
curriculum order, moving on after three right in a row) and ``mastery`` (BKT mastery learning, Corbett &
Anderson 1995, as OATutor runs it, Pardos et al. 2023). So does ``oracle``, a reference rather than a
baseline: it sees the simulated learner's true knowledge, so the distance between it and any real policy is
what a learner's answers cannot reveal. ``adaptive`` is the platform itself: each simulated learner is a
real ``Learner`` who asks ``recommend_next`` and answers through ``record_attempt``, exactly like a student
in the browser, or over HTTP with ``--via-api`` (``metamodel.management.commands.simulate``).
"""

import json
import math
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from metamodel.simulation import (
    ExerciseSpec,
    SimulatedLearner,
    SimulatorSettings,
    SkillSpec,
    curriculum_order,
    practice_times,
)

POLICIES = ("adaptive", "random", "fixed", "mastery", "oracle")
SIMULATED_START = 1_767_225_600  # 2026-01-01 00:00 UTC: the simulated clock's origin
FIXED_STREAK = 3
BKT_MASTERY = 0.95
Z95 = 1.959964


class TeachingPolicy(Protocol):
    """What the harness asks of a policy: the next exercise at ``now``, then the learner's answer to it."""

    def choose(self, now: int) -> ExerciseSpec: ...

    def observe(self, exercise: ExerciseSpec, correct: bool, now: int) -> None: ...


def _least_practised(pool: list[ExerciseSpec], counts: dict[str, int], last: str | None) -> ExerciseSpec:
    """The skill's exercise practised least (then the fewest skills, then course order), never a repeat."""
    fresh = [e for e in pool if e.key != last] or pool
    return min(fresh, key=lambda e: (counts.get(e.key, 0), len(e.skills)))


class RandomPolicy:
    """Uniform among the course's active exercises."""

    def __init__(self, exercises: list[ExerciseSpec], rng: np.random.Generator):
        self.exercises, self.rng = exercises, rng

    def choose(self, now: int) -> ExerciseSpec:
        return self.exercises[int(self.rng.integers(len(self.exercises)))]

    def observe(self, exercise: ExerciseSpec, correct: bool, now: int) -> None:
        return None


class FixedPolicy:
    """The curriculum order (each skill after its prerequisites, as the course lists them), moving on after
    FIXED_STREAK right in a row on the current skill; after the last skill it starts again from the first.
    Within a skill, the exercise practised least, never the one just answered when there is another."""

    def __init__(self, skills: list[SkillSpec], exercises: list[ExerciseSpec]):
        by_skill = {key: [e for e in exercises if key in e.skills] for key in curriculum_order(skills)}
        self.by_skill = {key: pool for key, pool in by_skill.items() if pool}
        self.order = list(self.by_skill)
        self.level, self.streak = 0, 0
        self.counts: dict[str, int] = {}
        self.last: str | None = None

    @property
    def skill(self) -> str:
        return self.order[self.level]

    def choose(self, now: int) -> ExerciseSpec:
        return _least_practised(self.by_skill[self.skill], self.counts, self.last)

    def observe(self, exercise: ExerciseSpec, correct: bool, now: int) -> None:
        self.counts[exercise.key] = self.counts.get(exercise.key, 0) + 1
        self.last = exercise.key
        self.streak = self.streak + 1 if correct else 0
        if self.streak >= FIXED_STREAK:
            self.level, self.streak = (self.level + 1) % len(self.order), 0


@dataclass(frozen=True)
class BKTParameters:
    """Standard BKT parameters (Corbett & Anderson 1995): prior P(L0), learn P(T), slip P(S), guess P(G)."""

    prior: float
    learn: float
    slip: float
    guess: float

    @classmethod
    def of(cls, settings: SimulatorSettings) -> "BKTParameters":
        """The simulator's own rates: the strongest fixed parameters a BKT tutor could be given."""
        return cls(settings.p_init, settings.learn, settings.slip, settings.guess)


def bkt_update(p_known: float, correct: bool, bkt: BKTParameters) -> float:
    """One BKT step (Corbett & Anderson 1995): the posterior given the answer, then the transition."""
    if correct:
        seen = p_known * (1 - bkt.slip) / (p_known * (1 - bkt.slip) + (1 - p_known) * bkt.guess)
    else:
        seen = p_known * bkt.slip / (p_known * bkt.slip + (1 - p_known) * (1 - bkt.guess))
    return seen + (1 - seen) * bkt.learn


class MasteryPolicy:
    """BKT mastery learning as in cognitive tutors (Corbett & Anderson 1995) and OATutor (Pardos et al.
    2023): a skill is unlocked when all its prerequisites have P(known) ≥ BKT_MASTERY; practise the unlocked,
    unmastered skill with the lowest P(known) until it reaches BKT_MASTERY. Every skill of an exercise is
    updated with the standard BKT rule. Once every skill is mastered, the lowest P(known) is practised."""

    def __init__(self, skills: list[SkillSpec], exercises: list[ExerciseSpec], bkt: BKTParameters):
        self.bkt = bkt
        self.order = curriculum_order(skills)
        self.prerequisites = {s.key: s.prerequisites for s in skills}
        self.by_skill = {key: [e for e in exercises if key in e.skills] for key in self.order}
        self.p_known = {key: bkt.prior for key in self.order}
        self.counts: dict[str, int] = {}
        self.last: str | None = None

    def target_skill(self) -> str:
        practisable = [key for key in self.order if self.by_skill[key]]
        unlocked = [
            key
            for key in practisable
            if self.p_known[key] < BKT_MASTERY
            and all(self.p_known.get(p, 1.0) >= BKT_MASTERY for p in self.prerequisites[key])
        ]
        # Ties go to the earlier skill in curriculum order (min keeps the first).
        return min(unlocked or practisable, key=lambda key: self.p_known[key])

    def choose(self, now: int) -> ExerciseSpec:
        return _least_practised(self.by_skill[self.target_skill()], self.counts, self.last)

    def observe(self, exercise: ExerciseSpec, correct: bool, now: int) -> None:
        self.counts[exercise.key] = self.counts.get(exercise.key, 0) + 1
        self.last = exercise.key
        for skill in exercise.skills:
            if skill in self.p_known:
                self.p_known[skill] = bkt_update(self.p_known[skill], correct, self.bkt)


class OraclePolicy:
    """A reference, not a baseline: it reads the simulated learner's true knowledge (as of the last answer),
    which no real policy can, and shows how much of the gap is what answers can reveal. It practises an
    exercise whose unknown skills can all be learnt now (their prerequisites known), the most unknown skills
    at once, with the difficulty nearest the learner's best stretch; with nothing learnable, an exercise
    with an unknown skill whose prerequisites are the least missing; once everything is known, the exercise
    practised least (as the baselines pick one). Never the one just answered when there is another."""

    def __init__(self, exercises: list[ExerciseSpec], learner: SimulatedLearner):
        self.exercises, self.learner = exercises, learner
        self.counts: dict[str, int] = {}
        self.last: str | None = None

    def _missing(self, exercise: ExerciseSpec) -> float:
        """The share of the prerequisites of the exercise's unknown skills that are unknown."""
        known, prerequisites = self.learner.known, self.learner.prerequisites
        needed = [p for skill in exercise.skills if not known[skill] for p in prerequisites[skill]]
        return sum(not known[p] for p in needed) / len(needed) if needed else 0.0

    def choose(self, now: int) -> ExerciseSpec:
        learner = self.learner
        pool = [e for e in self.exercises if e.key != self.last] or self.exercises
        kinds = {e.key: learner.practice_kind(e) for e in pool}
        learnable = [e for e in pool if kinds[e.key] == "learnable"]
        if learnable:
            target = learner.settings.best_stretch + learner.ability
            return max(
                learnable,
                key=lambda e: (sum(not learner.known[s] for s in e.skills), -abs(e.difficulty - target)),
            )
        unknown = [e for e in pool if kinds[e.key] == "not ready"]
        if unknown:
            return min(unknown, key=self._missing)
        return _least_practised(self.exercises, self.counts, self.last)

    def observe(self, exercise: ExerciseSpec, correct: bool, now: int) -> None:
        self.counts[exercise.key] = self.counts.get(exercise.key, 0) + 1
        self.last = exercise.key


@dataclass(frozen=True)
class LearnerOutcome:
    start_mastery: float
    curve: tuple[float, ...]  # the true share of skills known after each step
    kinds: tuple[str, ...]  # what each step's exercise could teach (SimulatedLearner.practice_kind)

    @property
    def final_mastery(self) -> float:
        return self.curve[-1] if self.curve else self.start_mastery

    @property
    def steps_to_mastery(self) -> int | None:
        """The first step after which every skill is known; None when none is (censored)."""
        return next((step for step, share in enumerate(self.curve, start=1) if share == 1.0), None)

    def truncated(self, steps: int) -> "LearnerOutcome":
        """The same learner as if the run had stopped after ``steps`` steps."""
        return LearnerOutcome(self.start_mastery, self.curve[:steps], self.kinds[:steps])

    def share_of_steps(self, kind: str) -> float:
        return self.kinds.count(kind) / len(self.kinds) if self.kinds else 0.0


def teach(learner: SimulatedLearner, policy: TeachingPolicy, times: list[int]) -> LearnerOutcome:
    """Let ``policy`` teach ``learner`` at the given moments and read the learner's true knowledge."""
    start = learner.mastery()
    curve, kinds = [], []
    for now in times:
        exercise = policy.choose(now)
        learner.mastery(now)  # forgetting up to now, so the step's kind reads the state it is answered in
        kinds.append(learner.practice_kind(exercise))
        correct = learner.answer(exercise, now)
        policy.observe(exercise, correct, now)
        curve.append(learner.mastery(now))
    return LearnerOutcome(start, tuple(curve), tuple(kinds))


def simulated_learners(
    skills: list[SkillSpec], settings: SimulatorSettings, learners: int, steps: int, seed: int
) -> Iterator[tuple[int, SimulatedLearner, list[int], np.random.Generator]]:
    """Learner ``n``: its simulated self, its practice moments and a random stream for its policy, each
    drawn from its own stream seeded by (seed, n), so every policy meets the same learners."""
    for n in range(learners):
        learner = SimulatedLearner(skills, settings, np.random.default_rng([seed, n, 0]))
        times = practice_times(steps, np.random.default_rng([seed, n, 1]), SIMULATED_START)
        yield n, learner, times, np.random.default_rng([seed, n, 2])


def baseline_policy(
    name: str,
    skills: list[SkillSpec],
    exercises: list[ExerciseSpec],
    settings: SimulatorSettings,
    rng: np.random.Generator,
    learner: SimulatedLearner,
) -> TeachingPolicy:
    if name == "oracle":
        return OraclePolicy(exercises, learner)
    if name == "random":
        return RandomPolicy(exercises, rng)
    if name == "fixed":
        return FixedPolicy(skills, exercises)
    if name == "mastery":
        return MasteryPolicy(skills, exercises, BKTParameters.of(settings))
    raise ValueError(f"not a baseline policy: {name}")


def run_baseline(
    name: str,
    skills: list[SkillSpec],
    exercises: list[ExerciseSpec],
    settings: SimulatorSettings,
    learners: int,
    steps: int,
    seed: int,
) -> list[LearnerOutcome]:
    """Teach ``learners`` simulated learners for ``steps`` steps with the baseline called ``name``."""
    return [
        teach(learner, baseline_policy(name, skills, exercises, settings, rng, learner), times)
        for _, learner, times, rng in simulated_learners(skills, settings, learners, steps, seed)
    ]


@dataclass(frozen=True)
class Estimate:
    value: float | None  # None: not defined (a median with half or more of the learners censored)
    low: float | None
    high: float | None

    def __str__(self) -> str:
        if self.value is None:
            return "n/a"
        if self.low is None or self.high is None:
            return f"{self.value:.3g} [?, ?]"
        return f"{self.value:.3g} [{self.low:.3g}, {self.high:.3g}]"


def mean_estimate(values: list[float]) -> Estimate:
    """The mean with its 95 % normal-approximation interval."""
    array = np.asarray(values, dtype=float)
    mean = float(array.mean())
    if len(array) < 2:
        return Estimate(mean, None, None)
    half = Z95 * float(array.std(ddof=1)) / math.sqrt(len(array))
    return Estimate(mean, mean - half, mean + half)


def median_estimate(values: list[float], rng: np.random.Generator, resamples: int = 2000) -> Estimate:
    """The median with a 95 % percentile bootstrap interval; censored values are +inf, and a median or
    bound that falls on them is undefined (None)."""
    array = np.asarray(values, dtype=float)
    samples = rng.choice(array, size=(resamples, len(array)), replace=True)
    medians = np.percentile(samples, 50, axis=1, method="nearest")
    # "nearest" keeps censored (+inf) resamples as they are instead of interpolating inf - inf.
    low, high = np.percentile(medians, [2.5, 97.5], method="nearest")

    def finite(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    return Estimate(finite(float(np.percentile(array, 50, method="nearest"))), finite(low), finite(high))


@dataclass(frozen=True)
class TeachingReport:
    course: str
    setting: str
    policy: str
    learners: int
    steps: int
    seed: int
    skills: int
    mastery: Estimate
    steps_to_mastery_median: Estimate
    steps_to_mastery_restricted_mean: Estimate
    censored: Estimate
    learning_per_step: Estimate
    steps_on_known: Estimate
    steps_not_ready: Estimate

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(
    outcomes: list[LearnerOutcome],
    *,
    course: str,
    setting: str,
    policy: str,
    steps: int,
    seed: int,
    skills: int,
) -> TeachingReport:
    """The report of one policy on one course and setting (see the module docstring for each figure)."""
    rng = np.random.default_rng([seed, 7])
    reached = [o.steps_to_mastery for o in outcomes]
    return TeachingReport(
        course=course,
        setting=setting,
        policy=policy,
        learners=len(outcomes),
        steps=steps,
        seed=seed,
        skills=skills,
        mastery=mean_estimate([o.final_mastery for o in outcomes]),
        steps_to_mastery_median=median_estimate([math.inf if r is None else r for r in reached], rng),
        steps_to_mastery_restricted_mean=mean_estimate([steps if r is None else r for r in reached]),
        censored=mean_estimate([float(r is None) for r in reached]),
        learning_per_step=mean_estimate(
            [(o.final_mastery - o.start_mastery) * skills / steps for o in outcomes]
        ),
        steps_on_known=mean_estimate([o.share_of_steps("known") for o in outcomes]),
        steps_not_ready=mean_estimate([o.share_of_steps("not ready") for o in outcomes]),
    )


TABLE_COLUMNS = (
    ("course", 16),
    ("setting", 20),
    ("policy", 9),
    ("N", 4),
    ("T", 4),
    ("mastery after T", 22),
    ("steps to mastery, median", 25),
    ("restricted mean", 22),
    ("not mastered", 22),
    ("skills gained / step", 26),
    ("steps on known skills", 22),
    ("steps not ready", 22),
)


def format_table(reports: list[TeachingReport]) -> str:
    """A plain-text table, one row per report, each figure with its 95 % interval in brackets."""
    rows = [[name for name, _ in TABLE_COLUMNS]]
    for r in reports:
        rows.append(
            [
                r.course,
                r.setting,
                r.policy,
                str(r.learners),
                str(r.steps),
                str(r.mastery),
                str(r.steps_to_mastery_median)
                if r.steps_to_mastery_median.value is not None
                else f"> {r.steps} (over half censored)",
                str(r.steps_to_mastery_restricted_mean),
                str(r.censored),
                str(r.learning_per_step),
                str(r.steps_on_known),
                str(r.steps_not_ready),
            ]
        )
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, (_, width) in zip(row, TABLE_COLUMNS, strict=True)).rstrip()
        for row in rows
    )


# --- The platform as the policy -------------------------------------------------------------------------


def response_for(exercise: Any, correct: bool) -> Any:
    """What a simulated learner types: the exercise's answer when right, a wrong value otherwise."""
    if correct:
        return exercise.answer[0] if exercise.type == "text" else exercise.answer
    if exercise.type == "multiple_choice":
        response = next((c for c in exercise.choices if str(c) != str(exercise.answer)), exercise.answer)
    elif exercise.type == "numeric":  # a readable number outside the tolerance, as a learner would type
        response = str(float(exercise.answer) + 2 * (exercise.tolerance or 0) + 1)
    elif exercise.type == "fraction":  # one more than the answer, over the same denominator
        from courses.models import read_fraction

        value, denominator = read_fraction(exercise.answer)
        response = f"{(value + 1) * denominator}/{denominator}"
    else:
        response = "I don't know"
    if exercise.is_correct(response):  # a course whose every text is accepted cannot be answered wrongly
        raise ValueError(f"no wrong answer to {exercise}")
    return response


def spec_of(exercise: Any) -> ExerciseSpec:
    """A course exercise as the simulator sees it."""
    return ExerciseSpec(
        exercise.key, tuple(sorted(s.key for s in exercise.skills.all())), exercise.difficulty
    )


def simulated_moment(at: int) -> datetime:
    """A simulated time (Unix seconds) as the services take it."""
    return datetime.fromtimestamp(at, tz=UTC)


class ServicePolicy:
    """The platform's own choice: one real Learner who asks ``recommend_next`` and answers with
    ``record_attempt(source=simulation)``, taking the next exercise from the answer's result. Both run at
    the simulated time, so the model and the policy see the clock the simulated learner forgets on."""

    def __init__(self, learner: Any, course: Any):
        from learners.services import enroll

        self.learner, self.course = learner, course
        enroll(learner, course)
        self.exercises = {e.key: e for e in course.exercises.practisable()}
        self.recommendation: Any = None
        self.step = 0

    def choose(self, now: int) -> ExerciseSpec:
        from metamodel.services import recommend_next

        if self.recommendation is None:
            self.recommendation = recommend_next(self.learner, self.course, now=simulated_moment(now))
        return spec_of(self.recommendation.exercise)

    def observe(self, exercise: ExerciseSpec, correct: bool, now: int) -> None:
        from learners.models import Attempt
        from learners.services import record_attempt

        self.step += 1
        result = record_attempt(
            self.learner,
            self.course,
            exercise.key,
            response_for(self.exercises[exercise.key], correct),
            source=Attempt.Source.SIMULATION,
            idempotency_key=f"step-{self.step}",
            recommendation_id=self.recommendation.pk,
            at=simulated_moment(now),
        )
        self.recommendation = result.next


def sim_learner_ids(seed: int, learners: int) -> list[str]:
    """External ids of the simulated learners of one run: ``sim-run:<seed>:<n>``."""
    return [f"sim-run:{seed}:{n}" for n in range(learners)]


def run_adaptive(
    course: Any, skills: list[SkillSpec], settings: SimulatorSettings, learners: int, steps: int, seed: int
) -> list[LearnerOutcome]:
    """Teach simulated learners through the platform's services; each is a user-less Learner with the
    external id ``sim-run:<seed>:<n>``. Writes to the database: the caller decides whether to keep it."""
    from learners.models import Learner

    outcomes = []
    ids = sim_learner_ids(seed, learners)
    for n, learner, times, _ in simulated_learners(skills, settings, learners, steps, seed):
        row = Learner.objects.create(external_id=ids[n])
        outcomes.append(teach(learner, ServicePolicy(row, course), times))
    return outcomes


# A client told to slow down (HTTP 429) waits as long as the server says, this many times at most.
RATE_LIMIT_RETRIES = 30


class ApiClient:
    """The REST API over HTTP with a token, as a student's app would use it (``urllib.request``)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> Any:
        request = urllib.request.Request(
            f"{self.base_url}/api/v1/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                **({"Authorization": f"Token {self.token}"} if self.token else {}),
                **(headers or {}),
            },
        )
        for _ in range(RATE_LIMIT_RETRIES):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return json.loads(response.read() or b"null")
            except urllib.error.HTTPError as error:
                if error.code != 429:  # signing up many learners from one address meets the rate limit
                    raise ApiError(f"{method} {path}: HTTP {error.code} {error.read()[:300]!r}") from error
                time.sleep(min(float(error.headers.get("Retry-After") or 1), 120))
        raise ApiError(f"{method} {path}: still rate-limited after {RATE_LIMIT_RETRIES} tries")


class ApiError(Exception):
    """The platform answered an API call with an error status."""


class ApiPolicy:
    """The platform's choice over HTTP: a student account registered through the API, which enrolls, reads
    ``next`` and posts every answer with an Idempotency-Key. The answers come from the local copy of the
    course (the API never reveals them)."""

    def __init__(self, client: ApiClient, username: str, course: Any):
        self.client, self.course = client, course
        registered = client.call(
            "POST", "auth/register/", {"username": username, "password": secrets.token_urlsafe(18)}
        )
        client.token = registered["token"]
        client.call("POST", f"courses/{course.slug}/enroll/")
        self.exercises = {e.key: e for e in course.exercises.practisable().prefetch_related("skills")}
        self.next: dict | None = None

    def choose(self, now: int) -> ExerciseSpec:
        if self.next is None:
            self.next = self.client.call("GET", f"courses/{self.course.slug}/next/")
        return spec_of(self.exercises[self.next["key"]])

    def observe(self, exercise: ExerciseSpec, correct: bool, now: int) -> None:
        body = {
            "course": self.course.slug,
            "exercise": exercise.key,
            "response": response_for(self.exercises[exercise.key], correct),
            "recommendation": self.next["recommendation"],
        }
        result = self.client.call("POST", "attempts/", body, {"Idempotency-Key": secrets.token_hex(16)})
        self.next = result["next"]


def run_via_api(
    base_url: str,
    course: Any,
    skills: list[SkillSpec],
    settings: SimulatorSettings,
    learners: int,
    steps: int,
    seed: int,
) -> list[LearnerOutcome]:
    """Teach simulated learners through the REST API at ``base_url``, each registered as
    ``sim-<seed>-<n>-<hex>``.

    The server stamps attempts with its own clock, so over HTTP the model sees wall-clock time while the
    simulated learners forget on the simulated schedule."""
    suffix = secrets.token_hex(3)
    return [
        teach(learner, ApiPolicy(ApiClient(base_url), f"sim-{seed}-{n}-{suffix}", course), times)
        for n, learner, times, _ in simulated_learners(skills, settings, learners, steps, seed)
    ]
