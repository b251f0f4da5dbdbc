"""What a learner's history says about the next attempt: counts, recency and forgetting features.

The count features are those of Best-LR (Gervet et al., "When is deep learning the best approach to
knowledge tracing?", JEDM 2020): log(1 + attempts) and log(1 + successes), per skill and in total,
plus the learner's earlier attempts on the same exercise. The sequence is summarised by exponential moving
averages of correctness (centred, +1 correct / -1 wrong) at several decays, overall and per skill, as in
recency-weighted PFA (Galyardt and Goldin, 2015). Where timestamps are real seconds, the logarithm of the
time since the previous attempt (overall and on the attempt's skills) carries forgetting; where they are
only positions (every learner's timestamps are 1, 2, ..., n) those features are zero.

:class:`KnowledgeState` is the one implementation, used both for whole data sets (training, evaluation)
and for one learner at serving time, so the two can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from metamodel.ml.text import SimilarityAmong, lagged_similarity, text_vectors

OVERALL_DECAYS = (0.5, 0.8, 0.95)
SKILL_DECAY = 0.7
# Global features: log counts (total, successes), three overall EMAs, same-exercise count and last
# outcome, mean per-skill EMA, gap since the previous attempt and since the last one on these skills.
N_GLOBAL = 10
# Per-skill features, each weighted per skill by the model: log attempts, log successes, EMA, and the log of
# the current run of correct answers (ASSISTments skill builders end after three in a row).
N_SKILL = 4
MAX_SKILLS = 8
# How many of a learner's latest attempts the model's skill-transfer term reads.
RECENT = 8


@dataclass
class _SkillTrace:
    attempts: int = 0
    successes: int = 0
    ema: float = 0.0
    last_time: int = 0
    streak: int = 0


@dataclass
class KnowledgeState:
    """Running summary of one learner's attempts in one course, updated attempt by attempt.

    ``real_time`` says whether timestamps are seconds (gaps are informative) or positions (they are not).
    """

    real_time: bool = True
    attempts: int = 0
    successes: int = 0
    emas: list[float] = field(default_factory=lambda: [0.0] * len(OVERALL_DECAYS))
    last_time: int | None = None
    skills: dict[str, _SkillTrace] = field(default_factory=dict)
    exercises: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The latest RECENT attempts, oldest first: (first skill, or "" for none; 1 right, 0 wrong; exercise).
    recent: list[tuple[str, int, str]] = field(default_factory=list)

    def features(self, exercise: str, skills: Sequence[str], time: int) -> tuple[list[float], list[float]]:
        """Global features (N_GLOBAL) and per-skill ones (N_SKILL per skill, flattened) before an attempt."""
        seen, last_outcome = self.exercises.get(exercise, (0, 0))
        per_skill: list[float] = []
        skill_ema = 0.0
        skill_last: int | None = None
        for skill in skills[:MAX_SKILLS]:
            trace = self.skills.get(skill)
            if trace is None:
                per_skill.extend((0.0, 0.0, 0.0, 0.0))
                continue
            per_skill.extend(
                (
                    _LOG1P[min(trace.attempts, _LOG_N)],
                    _LOG1P[min(trace.successes, _LOG_N)],
                    trace.ema,
                    _LOG1P[min(trace.streak, _LOG_N)],
                )
            )
            skill_ema += trace.ema
            if skill_last is None or trace.last_time > skill_last:
                skill_last = trace.last_time
        n_skills = min(len(skills), MAX_SKILLS)
        gap = skill_gap = 0.0
        if self.real_time and self.last_time is not None:
            gap = math.log1p(max(0, time - self.last_time))
            if skill_last is not None:
                skill_gap = math.log1p(max(0, time - skill_last))
        global_features = [
            _LOG1P[min(self.attempts, _LOG_N)],
            _LOG1P[min(self.successes, _LOG_N)],
            *self.emas,
            _LOG1P[min(seen, _LOG_N)],
            float(last_outcome),
            skill_ema / n_skills if n_skills else 0.0,
            gap,
            skill_gap,
        ]
        return global_features, per_skill

    def candidate_features(
        self, exercises: Sequence[str], slots: SkillSlots
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`features` of many candidates at once at time ``slots.time``: (n, N_GLOBAL) and
        (n, width, N_SKILL) arrays, with a handful of dictionary look-ups per candidate."""
        n, time = len(exercises), slots.time
        absent = (0.0, 0.0, 0.0, 0.0, -1)
        traces = {
            key: (
                _LOG1P[min(t.attempts, _LOG_N)],
                _LOG1P[min(t.successes, _LOG_N)],
                t.ema,
                _LOG1P[min(t.streak, _LOG_N)],
                t.last_time,
            )
            for key, t in self.skills.items()
        }
        found = np.array([traces.get(key, absent) for key in slots.keys], dtype=np.float64).reshape(-1, 5)
        per_skill = np.zeros((n, slots.width, N_SKILL), dtype=np.float32)
        per_skill[slots.row, slots.slot] = found[:, :N_SKILL]
        counts = np.maximum(slots.counts, 1)
        out = np.empty((n, N_GLOBAL), dtype=np.float32)
        out[:, 0] = _LOG1P[min(self.attempts, _LOG_N)]
        out[:, 1] = _LOG1P[min(self.successes, _LOG_N)]
        out[:, 2 : 2 + len(OVERALL_DECAYS)] = self.emas
        history = np.array([self.exercises.get(e, (0, 0)) for e in exercises], dtype=np.float64).reshape(
            -1, 2
        )
        out[:, 5] = np.log1p(history[:, 0])
        out[:, 6] = history[:, 1]
        out[:, 7] = np.bincount(slots.row, found[:, 2], minlength=n) / counts
        out[:, 8] = out[:, 9] = 0.0
        if self.real_time and self.last_time is not None:
            out[:, 8] = math.log1p(max(0, time - self.last_time))
            last = np.full(n, -1.0)
            np.maximum.at(last, slots.row, found[:, 4])
            out[:, 9] = np.where(last >= 0, np.log1p(np.maximum(0.0, time - last)), 0.0)
        return out, per_skill

    def update(self, exercise: str, skills: Sequence[str], correct: int, time: int) -> None:
        """Fold one observed attempt into the summary."""
        centred = 2.0 * correct - 1.0
        self.attempts += 1
        self.successes += correct
        self.emas = [d * e + (1.0 - d) * centred for d, e in zip(OVERALL_DECAYS, self.emas, strict=True)]
        self.last_time = time
        for skill in skills[:MAX_SKILLS]:
            trace = self.skills.get(skill)
            if trace is None:
                trace = self.skills[skill] = _SkillTrace()
            trace.attempts += 1
            trace.successes += correct
            trace.ema = SKILL_DECAY * trace.ema + (1.0 - SKILL_DECAY) * centred
            trace.last_time = time
            trace.streak = trace.streak + 1 if correct else 0
        seen, _ = self.exercises.get(exercise, (0, 0))
        self.exercises[exercise] = (seen + 1, int(centred))
        self.recent = [*self.recent[1 - RECENT :], (skills[0] if skills else "", int(correct), exercise)]


@dataclass
class SkillSlots:
    """The skills of n items laid out in (row, slot) positions of an (n, width) array, for vectorised work."""

    keys: list[str]
    row: np.ndarray
    slot: np.ndarray
    counts: np.ndarray
    width: int
    time: int = 0

    @classmethod
    def of(cls, skills: Sequence[Sequence[str]], time: int = 0) -> SkillSlots:
        width = max(1, min(MAX_SKILLS, max((len(k) for k in skills), default=1)))
        counts = np.fromiter((min(len(k), width) for k in skills), dtype=np.int64, count=len(skills))
        keys = [key for k in skills for key in k[:width]]
        row = np.repeat(np.arange(len(skills)), counts)
        slot = np.arange(len(keys)) - np.repeat(np.cumsum(counts) - counts, counts)
        return cls(keys, row, slot, counts, width, time)


_LOG_N = 100_000
_LOG1P = np.log1p(np.arange(_LOG_N + 1)).tolist()


def timestamps_are_positions(timestamps: Sequence[int]) -> bool:
    """True when a learner's timestamps are 1, 2, ..., n, i.e. positions rather than seconds."""
    return all(t == i for i, t in enumerate(timestamps, start=1))


@dataclass
class FeatureTable:
    """The attempts of many (course, learner) sequences with the features each attempt had beforehand.

    Rows keep the input order; ``task`` numbers the (course, learner) sequences, whose rows are contiguous
    and chronological, and ``starts[k]:starts[k + 1]`` are the rows of sequence ``k``. Exercise and skill
    keys are namespaced by course as ``"course/key"``.
    """

    task: np.ndarray
    position: np.ndarray
    exercises: list[str]
    skills: list[tuple[str, ...]]
    correct: np.ndarray
    global_features: np.ndarray
    skill_features: np.ndarray
    starts: np.ndarray
    learners: list[tuple[str, str]]
    time: np.ndarray
    # (N, RECENT): the text similarity of each attempt's exercise with that of each of the RECENT
    # attempts before it (lag 1 first), 0 where either has no text (metamodel.ml.text.lagged_similarity).
    similarity: np.ndarray

    def __len__(self) -> int:
        return len(self.exercises)


def build_feature_table(
    courses: Sequence[tuple[str, Sequence]], texts: Mapping[str, str] | None = None
) -> FeatureTable:
    """Compute every attempt's features from its learner's earlier attempts.

    ``courses`` is a sequence of ``(course id, records)``, each record having ``learner``, ``exercise``,
    ``skills``, ``correct`` and ``timestamp`` (e.g. :class:`metamodel.ml.data.AttemptRecord`), grouped by
    learner and chronological within a learner. ``texts`` maps namespaced exercise keys to their texts,
    for the similarities between an attempt's exercise and the recent ones'.
    """
    task: list[int] = []
    position: list[int] = []
    exercises: list[str] = []
    skills_out: list[tuple[str, ...]] = []
    correct: list[int] = []
    times: list[int] = []
    rows_g: list[list[float]] = []
    skill_rows = np.zeros((sum(len(r) for _, r in courses), MAX_SKILLS, N_SKILL), dtype=np.float32)
    starts: list[int] = []
    learners: list[tuple[str, str]] = []
    row = 0
    for course, records in courses:
        prefix = f"{course}/"
        index = 0
        while index < len(records):
            learner = records[index].learner
            end = index
            while end < len(records) and records[end].learner == learner:
                end += 1
            block = records[index:end]
            state = KnowledgeState(real_time=not timestamps_are_positions([r.timestamp for r in block]))
            starts.append(row)
            learners.append((course, learner))
            for pos, record in enumerate(block, start=1):
                exercise = prefix + record.exercise
                skills = tuple(prefix + s for s in record.skills)
                g, f = state.features(exercise, skills, record.timestamp)
                rows_g.append(g)
                if f:
                    skill_rows[row, : len(f) // N_SKILL] = np.asarray(f, dtype=np.float32).reshape(
                        -1, N_SKILL
                    )
                state.update(exercise, skills, record.correct, record.timestamp)
                task.append(len(learners) - 1)
                position.append(pos)
                exercises.append(exercise)
                skills_out.append(skills)
                correct.append(record.correct)
                times.append(record.timestamp)
                row += 1
            index = end
    starts.append(row)
    positions = np.asarray(position, dtype=np.int64)
    return FeatureTable(
        task=np.asarray(task, dtype=np.int64),
        position=positions,
        exercises=exercises,
        skills=skills_out,
        correct=np.asarray(correct, dtype=np.int8),
        global_features=np.asarray(rows_g, dtype=np.float32).reshape(-1, N_GLOBAL),
        skill_features=skill_rows,
        starts=np.asarray(starts, dtype=np.int64),
        learners=learners,
        time=np.asarray(times, dtype=np.int64),
        similarity=recent_similarity(exercises, positions, texts or {}),
    )


def recent_similarity(exercises: Sequence[str], position: np.ndarray, texts: Mapping[str, str]) -> np.ndarray:
    """The ``similarity`` of :class:`FeatureTable` for attempts at ``exercises`` (contiguous sequences,
    ``position`` counting from 1 in each): all zero when no exercise has a text."""
    keys = [key for key in dict.fromkeys(exercises) if texts.get(key)]
    if not keys:
        return np.zeros((len(exercises), RECENT), dtype=np.float32)
    index = {key: i for i, key in enumerate(keys)}
    ids = np.fromiter((index.get(key, -1) for key in exercises), dtype=np.int64, count=len(exercises))
    among = SimilarityAmong(text_vectors([texts[key] for key in keys]))
    return lagged_similarity(among.pairs, ids, position, RECENT)


def select_rows(table: FeatureTable, rows: np.ndarray) -> FeatureTable:
    """The table restricted to ``rows`` (increasing), which must hold a prefix of each sequence they touch."""
    task = table.task[rows]
    boundaries = np.flatnonzero(np.diff(task)) + 1
    starts = np.concatenate(([0], boundaries, [len(rows)])).astype(np.int64)
    kept_tasks = task[starts[:-1]] if len(rows) else task
    return FeatureTable(
        task=np.repeat(np.arange(len(starts) - 1), np.diff(starts)),
        position=table.position[rows],
        exercises=[table.exercises[r] for r in rows],
        skills=[table.skills[r] for r in rows],
        correct=table.correct[rows],
        global_features=table.global_features[rows],
        skill_features=table.skill_features[rows],
        starts=starts,
        learners=[table.learners[t] for t in kept_tasks],
        time=table.time[rows],
        similarity=table.similarity[rows],
    )
