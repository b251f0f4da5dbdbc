"""The API the platform calls: meta-train on all courses, adapt to one learner, predict candidates.

Keys are namespaced by course, ``"course/key"``: :func:`meta_train` namespaces the exercise and skill
ids of each course it is given that way, and callers of :meth:`TrainedModel.adapt` and
:meth:`TrainedModel.predict` must pass keys in the same form (e.g. ``"fractions/ex-12"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np
import torch

from metamodel.ml.features import MAX_SKILLS, N_SKILL, KnowledgeState, _SkillTrace, build_feature_table
from metamodel.ml.model import (
    EncodedRows,
    KnowledgeTracingNet,
    MetaConfig,
    Vocabulary,
    encode,
    inner_loop,
    learner_logit,
    predict_sequences,
    train_network,
)

PARAMS_FORMAT = 1


class AttemptLike(Protocol):
    """What an attempt must offer (``metamodel.ml.data.AttemptRecord`` does; so does :class:`Attempt`)."""

    @property
    def exercise(self) -> str: ...
    @property
    def skills(self) -> Sequence[str]: ...
    @property
    def correct(self) -> int: ...
    @property
    def timestamp(self) -> int: ...


class Attempt(NamedTuple):
    """One earlier attempt of a learner in a course (keys namespaced by course)."""

    exercise: str
    skills: tuple[str, ...]
    correct: int
    timestamp: int


class Candidate(NamedTuple):
    """An exercise to score. ``difficulty`` is a prior in logit units (0 = average, positive = harder),
    used only when the model has never seen the exercise."""

    exercise: str
    skills: tuple[str, ...]
    difficulty: float = 0.0


@dataclass
class LearnerParams:
    """A learner's adapted parameters phi plus the summary of their history the features need.

    ``to_dict`` / ``from_dict`` give a JSON-able form for storage (e.g. a ``LearnerState`` row).
    """

    ability: float
    vector: list[float]
    skill_offsets: dict[str, float]
    state: KnowledgeState = field(default_factory=KnowledgeState)

    def to_dict(self) -> dict[str, Any]:
        state = self.state
        return {
            "format": PARAMS_FORMAT,
            "ability": self.ability,
            "vector": list(self.vector),
            "skill_offsets": dict(self.skill_offsets),
            "state": {
                "real_time": state.real_time,
                "attempts": state.attempts,
                "successes": state.successes,
                "emas": list(state.emas),
                "last_time": state.last_time,
                "skills": {k: [t.attempts, t.successes, t.ema, t.last_time] for k, t in state.skills.items()},
                "exercises": {k: list(v) for k, v in state.exercises.items()},
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LearnerParams:
        if data.get("format") != PARAMS_FORMAT:
            raise ValueError(f"unsupported learner-parameters format {data.get('format')!r}")
        s = data["state"]
        state = KnowledgeState(
            real_time=bool(s["real_time"]),
            attempts=int(s["attempts"]),
            successes=int(s["successes"]),
            emas=[float(x) for x in s["emas"]],
            last_time=s["last_time"],
            skills={
                k: _SkillTrace(int(a), int(w), float(e), int(t)) for k, (a, w, e, t) in s["skills"].items()
            },
            exercises={k: (int(n), int(o)) for k, (n, o) in s["exercises"].items()},
        )
        return cls(
            float(data["ability"]), [float(x) for x in data["vector"]], dict(data["skill_offsets"]), state
        )


class TrainedModel:
    """A meta-trained network with its vocabulary; adapts to learners and scores exercises."""

    def __init__(
        self, net: KnowledgeTracingNet, vocabulary: Vocabulary, config: MetaConfig, info: dict[str, float]
    ) -> None:
        self.net = net.eval()
        self.vocabulary = vocabulary
        self.config = config
        self.info = info

    def _rows(self, items: Sequence[tuple[str, Sequence[str], float]], features: list, local: dict[str, int]):
        """Encode (exercise, skills, prior) items with their precomputed (global, per-skill) features."""
        n = len(items)
        width = max(1, min(MAX_SKILLS, max((len(s) for _, s, _ in items), default=1)))
        skill = np.zeros((n, width), dtype=np.int64)
        skill_local = np.zeros((n, width), dtype=np.int64)
        skill_features = np.zeros((n, width, N_SKILL), dtype=np.float32)
        vocab_skills = self.vocabulary.skills
        for row, ((_, skills, _), (_, per_skill)) in enumerate(zip(items, features, strict=True)):
            for slot, key in enumerate(skills[:width]):
                skill[row, slot] = vocab_skills.get(key, 0)
                skill_local[row, slot] = local.setdefault(key, len(local) + 1)
            if per_skill:
                skill_features[row, : len(per_skill) // N_SKILL] = np.reshape(per_skill, (-1, N_SKILL))
        exercises = self.vocabulary.exercises
        return EncodedRows(
            exercise=torch.tensor([exercises.get(e, 0) for e, _, _ in items], dtype=torch.int64),
            skill=torch.from_numpy(skill),
            skill_local=torch.from_numpy(skill_local),
            skill_mask=torch.from_numpy(skill_local > 0).float(),
            prior=torch.tensor([p for _, _, p in items], dtype=torch.float32),
            global_features=torch.tensor([g for g, _ in features], dtype=torch.float32).reshape(n, -1),
            skill_features=torch.from_numpy(skill_features),
        )

    def adapt(self, history: Sequence[AttemptLike]) -> LearnerParams:
        """Adapt phi to a learner's attempts in one course, oldest first (the inner loop, on the last
        ``config.window`` attempts). An empty history gives the meta-learned initialisation."""
        timestamps = [a.timestamp for a in history]
        state = KnowledgeState(real_time=not all(t == i for i, t in enumerate(timestamps, start=1)))
        recent_from = max(0, len(history) - self.config.window)
        features = []
        for index, attempt in enumerate(history):
            if index >= recent_from:
                features.append(state.features(attempt.exercise, attempt.skills, attempt.timestamp))
            state.update(attempt.exercise, attempt.skills, attempt.correct, attempt.timestamp)
        recent = history[recent_from:]
        local: dict[str, int] = {}
        with torch.no_grad():
            if recent:
                rows = self._rows([(a.exercise, tuple(a.skills), 0.0) for a in recent], features, local)
                base, vector = self.net.base(rows)
                correct = torch.tensor([float(a.correct) for a in recent])
                phi = inner_loop(
                    self.net,
                    self.config.inner_steps,
                    base[None],
                    vector[None],
                    rows.skill_local[None],
                    rows.skill_mask[None],
                    correct[None],
                    torch.ones(1, len(recent)),
                    len(local),
                )
            else:
                phi = self.net.initial_params(1, 0)
        phi = {name: value.detach() for name, value in phi.items()}
        skills = phi["skills"][0].tolist()
        return LearnerParams(
            ability=float(phi["ability"][0]),
            vector=phi["vector"][0].tolist(),
            skill_offsets={key: skills[index] for key, index in local.items()},
            state=state,
        )

    def predict(self, params: LearnerParams, candidates: Sequence[Candidate], now: int) -> np.ndarray:
        """P(correct) of each candidate for the learner described by ``params`` at time ``now`` (same
        unit as the attempts' timestamps; for position data, the next position). Works for exercises,
        skills and courses the model has never seen."""
        if not candidates:
            return np.zeros(0)
        state = params.state
        items = [(c.exercise, tuple(c.skills), -float(c.difficulty)) for c in candidates]
        features = [state.features(e, s, now) for e, s, _ in items]
        local: dict[str, int] = {}
        with torch.no_grad():
            rows = self._rows(items, features, local)
            base, vector = self.net.base(rows)
            offsets = torch.zeros(len(local) + 1)
            for key, index in local.items():
                offsets[index] = params.skill_offsets.get(key, 0.0)
            phi = {
                "ability": torch.tensor([params.ability]),
                "skills": offsets[None],
                "vector": torch.tensor([params.vector]),
            }
            logit = learner_logit(
                phi, base[None], vector[None], rows.skill_local[None], rows.skill_mask[None]
            )
            return torch.sigmoid(logit[0]).numpy().astype(np.float64)

    def predict_courses(self, courses: Sequence[tuple[str, Sequence[AttemptLike]]]) -> np.ndarray:
        """P(correct) of every attempt of logs in the attempt-log format, each predicted from its learner's
        earlier attempts only (phi re-adapted before every attempt), in input order."""
        table = build_feature_table(courses)
        encoded = encode(table, self.vocabulary)
        correct = torch.from_numpy(table.correct.astype(np.float32))
        sequences = np.arange(len(table.starts) - 1)
        rows, p = predict_sequences(self.net, encoded, correct, table.starts, sequences, self.config)
        out = np.empty(len(table))
        out[rows] = p
        return out


def meta_train(
    courses: Sequence[tuple[str, Sequence[AttemptLike]]] | Mapping[str, Sequence[AttemptLike]],
    config: MetaConfig | None = None,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> TrainedModel:
    """Meta-train one model across courses: ``courses`` maps each course id to its attempts, grouped by
    learner and chronological within a learner (records with ``learner``, ``exercise``, ``skills``,
    ``correct``, ``timestamp``). The same seed and data give the same weights. Raises
    :class:`~metamodel.ml.model.NonFiniteLossError` when the loss stops being finite."""
    config = config or MetaConfig()
    pairs = list(courses.items()) if isinstance(courses, Mapping) else list(courses)
    table = build_feature_table(pairs)
    net, vocabulary, info = train_network(table, config, seed, log)
    return TrainedModel(net, vocabulary, config, info)
