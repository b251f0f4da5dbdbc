"""The API the platform calls: meta-train on all courses, adapt to one learner, predict candidates.

Keys are namespaced by course, ``"course/key"``: :func:`meta_train` namespaces the exercise and skill
ids of each course it is given that way, and callers of :meth:`TrainedModel.adapt` and
:meth:`TrainedModel.predict` must pass keys in the same form (e.g. ``"fractions/ex-12"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol

import numpy as np
import torch

from metamodel.ml.features import (
    N_GLOBAL,
    N_SKILL,
    RECENT,
    KnowledgeState,
    SkillSlots,
    _SkillTrace,
    build_feature_table,
)
from metamodel.ml.model import (
    EncodedRows,
    KnowledgeTracingNet,
    MetaConfig,
    Vocabulary,
    encode,
    fit_pseudo_counts,
    predict_sequences,
    recent_history,
    split_validation,
    train_network,
)
from metamodel.ml.text import SimilarityAmong, TextNeighbours, lagged_similarity, text_vectors

PARAMS_FORMAT = 3
# Encoded candidate sets kept per model, keyed by the candidates themselves (so never stale): a course's
# candidates are the same from one choice to the next, and encoding them (with their texts' neighbours)
# is a third of a scoring.
CANDIDATE_CACHE = 32


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
    used only when the model has never seen the exercise; so is ``text`` (e.g. its prompt), through
    :meth:`TrainedModel.text_priors`."""

    exercise: str
    skills: tuple[str, ...]
    difficulty: float = 0.0
    text: str = ""


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
                "skills": {
                    k: [t.attempts, t.successes, t.ema, t.last_time, t.streak]
                    for k, t in state.skills.items()
                },
                "exercises": {k: list(v) for k, v in state.exercises.items()},
                "recent": [list(attempt) for attempt in state.recent],
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
                k: _SkillTrace(int(a), int(w), float(e), int(t), int(r))
                for k, (a, w, e, t, r) in s["skills"].items()
            },
            exercises={k: (int(n), int(o)) for k, (n, o) in s["exercises"].items()},
            recent=[(str(k), int(o), str(e)) for k, o, e in s["recent"]],
        )
        return cls(
            float(data["ability"]), [float(x) for x in data["vector"]], dict(data["skill_offsets"]), state
        )


@dataclass(frozen=True)
class _Indices:
    """Attempts' exercises and skills as vocabulary indices, with each skill slot's share in the mean over
    its attempt's skills (0 for padding)."""

    exercise: torch.Tensor
    skill: torch.Tensor
    mask: torch.Tensor
    share: np.ndarray


@dataclass(frozen=True)
class _CandidateSet:
    """A set of candidates encoded for scoring (:meth:`TrainedModel._candidate_set`)."""

    exercises: list[str]
    slots: SkillSlots
    indices: _Indices
    prior: np.ndarray
    text_rows: dict[str, int]  # each candidate with a text: its row in ``similarity``
    text_of: np.ndarray  # each candidate's row in ``similarity``, -1 for none
    similarity: SimilarityAmong  # among the candidates' texts


class TrainedModel:
    """A meta-trained network with its vocabulary; adapts to learners and scores exercises.

    Serving runs the network's shared part in torch and the learner part in NumPy: the inner loop at
    serving time is :func:`~metamodel.ml.model.adapt_closed_form` (the gradient that ``torch.func.grad``
    takes during meta-training, written out) for one learner, because torch.func's per-call overhead
    alone would exceed the 5 ms budget of one adaptation. A test checks that serving and the batched
    evaluation path give the same predictions.
    """

    def __init__(
        self, net: KnowledgeTracingNet, vocabulary: Vocabulary, config: MetaConfig, info: dict[str, float]
    ) -> None:
        self.net = net.eval()
        self.vocabulary = vocabulary
        self.config = config
        self.info = info
        with torch.no_grad():
            self._ability_init = float(net.ability_init)
            self._vector_init = net.vector_init.numpy().astype(np.float64)
            self._lr_ability = net.log_lr_ability.exp().numpy().astype(np.float64)
            self._lr_skill = net.log_lr_skill.exp().numpy().astype(np.float64)
            self._lr_vector = net.log_lr_vector.exp().numpy().astype(np.float64)
            self._pseudo_count = net.log_pseudo_count.exp().numpy().astype(np.float64)
            self._decay = float(net.log_decay.exp())
            self._exercise_bias = net.exercise_bias.weight[:, 0].numpy().astype(np.float64)
        self._candidate_sets: dict[tuple[Candidate, ...], _CandidateSet] = {}

    def text_priors(
        self, exercises: Sequence[str], texts: Mapping[str, str], fallback: np.ndarray
    ) -> np.ndarray:
        """The difficulty prior (logit units, positive = easier) of each of ``exercises``: for one the
        network has no parameter for, the bias it learned for the exercises of most similar text among
        those it has (the keys of ``texts``), shrunk towards ``fallback`` (:mod:`metamodel.ml.text`);
        ``fallback`` where there is no such text, and for exercises the network has (it ignores the prior
        of those)."""
        index = self.vocabulary.exercises
        untried = sorted({e for e in exercises if e not in index and texts.get(e)})
        if not untried:  # the usual case in the platform: every candidate has been trained on
            return fallback
        tried = sorted(k for k, text in texts.items() if k in index and text)
        if not tried:
            return fallback
        keys = (*untried, *tried)
        neighbours = TextNeighbours(keys, texts)
        values = np.concatenate([np.zeros(len(untried)), self._exercise_bias[[index[k] for k in tried]]])
        known = np.arange(len(keys)) >= len(untried)
        position = {key: i for i, key in enumerate(untried)}
        rows = np.array([i for i, e in enumerate(exercises) if e in position], dtype=np.int64)
        out = np.array(fallback, dtype=np.float64, copy=True)
        if len(rows):
            at = np.array([position[exercises[i]] for i in rows])
            out[rows] = neighbours.estimate(at, values, known, out[rows])
        return out

    def _indices(self, exercises: Sequence[str], slots: SkillSlots) -> _Indices:
        """Some attempts' exercises and skills as the network's vocabulary indices."""
        n = len(exercises)
        skill = np.zeros((n, slots.width), dtype=np.int64)
        vocab_skills = self.vocabulary.skills
        skill[slots.row, slots.slot] = [vocab_skills.get(k, 0) for k in slots.keys]
        mask = np.zeros((n, slots.width), dtype=np.float32)
        mask[slots.row, slots.slot] = 1.0
        exercise_index = self.vocabulary.exercises
        return _Indices(
            exercise=torch.tensor([exercise_index.get(e, 0) for e in exercises], dtype=torch.int64),
            skill=torch.from_numpy(skill),
            mask=torch.from_numpy(mask),
            share=mask / np.maximum(slots.counts, 1)[:, None],
        )

    def _base(
        self,
        indices: _Indices,
        prior: np.ndarray,
        g: np.ndarray,
        f: np.ndarray,
        history: dict[str, torch.Tensor],
    ) -> tuple[np.ndarray, np.ndarray]:
        """The shared part of the logit and the exercise embeddings of some attempts (``history``: their
        recent attempts, as :func:`~metamodel.ml.model.recent_history` gives them)."""
        rows = EncodedRows(
            exercise=indices.exercise,
            skill=indices.skill,
            skill_local=indices.skill,
            skill_mask=indices.mask,
            prior=torch.from_numpy(prior.astype(np.float32)),
            global_features=torch.from_numpy(g),
            skill_features=torch.from_numpy(f),
            **history,
        )
        with torch.inference_mode():  # lighter than no_grad, which cost serving 0.3-0.5 ms a call
            base, vector = self.net.base(rows)
        return base.numpy().astype(np.float64), vector.numpy().astype(np.float64)

    def _candidate_set(self, candidates: Sequence[Candidate]) -> _CandidateSet:
        """The candidates encoded for scoring, whatever the learner: keys, skill slots, vocabulary indices
        and difficulty priors (from their texts where the network has no parameter for them)."""
        key = tuple(candidates)
        cached = self._candidate_sets.get(key)
        if cached is not None:
            return cached
        exercises = [c.exercise for c in candidates]
        slots = SkillSlots.of([c.skills for c in candidates])
        prior = -np.array([c.difficulty for c in candidates], dtype=np.float64)
        texts = {c.exercise: c.text for c in candidates if c.text}
        if texts:
            prior = self.text_priors(exercises, texts, prior)
        text_rows = {exercise: row for row, exercise in enumerate(texts)}
        text_of = np.array([text_rows.get(e, -1) for e in exercises], dtype=np.int64)
        if len(self._candidate_sets) >= CANDIDATE_CACHE:
            self._candidate_sets.clear()
        encoded = self._candidate_sets[key] = _CandidateSet(
            exercises,
            slots,
            self._indices(exercises, slots),
            prior,
            text_rows,
            text_of,
            SimilarityAmong(text_vectors(list(texts.values()))),
        )
        return encoded

    def _first_skill(self, skills: Sequence[str]) -> int:
        """The vocabulary index of an attempt's first skill, as :func:`~metamodel.ml.model.encode` takes it
        (0 for none, or one the network has never seen)."""
        return self.vocabulary.skills.get(skills[0], 0) if skills else 0

    def adapt(self, history: Sequence[AttemptLike], candidates: Sequence[Candidate] = ()) -> LearnerParams:
        """Adapt phi to a learner's attempts in one course, oldest first: ``config.inner_steps`` Meta-SGD
        steps on the last ``config.window`` attempts (recent ones weighted more, as in meta-training) from
        the meta-learned initialisation. An empty history gives the initialisation itself. The texts of
        ``candidates`` (those that :meth:`predict` is given) are the attempts' exercises' texts."""
        timestamps = [a.timestamp for a in history]
        state = KnowledgeState(real_time=not all(t == i for i, t in enumerate(timestamps, start=1)))
        recent_from = max(0, len(history) - self.config.window)
        recent = history[recent_from:]
        slots = SkillSlots.of([a.skills for a in recent])
        global_rows: list[list[float]] = []
        skill_values: list[float] = []
        for index, attempt in enumerate(history):
            if index >= recent_from:
                global_features, per_skill = state.features(
                    attempt.exercise, attempt.skills, attempt.timestamp
                )
                global_rows.append(global_features)
                skill_values.extend(per_skill)
            state.update(attempt.exercise, attempt.skills, attempt.correct, attempt.timestamp)
        g = np.array(global_rows, dtype=np.float32).reshape(len(recent), N_GLOBAL)
        f = np.zeros((len(recent), slots.width, N_SKILL), dtype=np.float32)
        # features() lists each attempt's skills in slot order, as SkillSlots does.
        f[slots.row, slots.slot] = np.array(skill_values, dtype=np.float32).reshape(-1, N_SKILL)
        ability, vector_params = self._ability_init, self._vector_init.copy()
        offsets: dict[str, float] = {}
        if recent:
            # Only the support rows and the RECENT attempts before them (recent_history reads earlier
            # rows of the same array), not the whole history.
            start = max(0, recent_from - RECENT)
            positions = np.arange(start + 1, len(history) + 1)
            history_rows = recent_history(
                np.array([self._first_skill(a.skills) for a in history[start:]], dtype=np.int64),
                np.array([a.correct for a in history[start:]], dtype=np.float64),
                positions,
            )
            encoded = self._candidate_set(candidates)
            texts = np.array([encoded.text_rows.get(a.exercise, -1) for a in history[start:]], dtype=np.int64)
            history_rows["history_similarity"] = torch.from_numpy(
                lagged_similarity(encoded.similarity.pairs, texts, positions, RECENT)
            )
            history_rows = {name: value[recent_from - start :] for name, value in history_rows.items()}
            indices = self._indices([a.exercise for a in recent], slots)
            base, vector = self._base(indices, np.zeros(len(recent)), g, f, history_rows)
            share = indices.share
            local_keys: dict[str, int] = {}
            local = np.zeros(share.shape, dtype=np.int64)
            local[slots.row, slots.slot] = [local_keys.setdefault(k, len(local_keys) + 1) for k in slots.keys]
            correct = np.array([a.correct for a in recent], dtype=np.float64)
            skill_params = np.zeros(len(local_keys) + 1)
            weight = np.exp(-self._decay * np.arange(len(recent) - 1, -1, -1))
            # One step scale per group of phi, in model.PHI_GROUPS order.
            scale_ability, scale_skills, scale_vector = 1.0 / (weight.sum() + self._pseudo_count)
            for k in range(self.config.inner_steps):
                # model.adapt_closed_form for one learner, in NumPy: per-call overhead is what counts here.
                logit = base + ability + (skill_params[local] * share).sum(1) + vector @ vector_params
                residual = (1.0 / (1.0 + np.exp(-logit)) - correct) * weight
                ability -= self._lr_ability[k] * scale_ability * residual.sum()
                skill_grad = np.bincount(
                    local.ravel(), (residual[:, None] * share).ravel(), len(local_keys) + 1
                )
                skill_params -= self._lr_skill[k] * scale_skills * skill_grad
                vector_params -= self._lr_vector[k] * scale_vector * (vector.T @ residual)
            offsets = {key: float(skill_params[index]) for key, index in local_keys.items()}
        return LearnerParams(float(ability), vector_params.tolist(), offsets, state)

    def predict(self, params: LearnerParams, candidates: Sequence[Candidate], now: int) -> np.ndarray:
        """P(correct) of each candidate for the learner described by ``params`` at time ``now`` (same
        unit as the attempts' timestamps; for position data, the next position). Works for exercises,
        skills and courses the model has never seen."""
        if not candidates:
            return np.zeros(0)
        encoded = self._candidate_set(candidates)
        slots = replace(encoded.slots, time=now)
        g, f = params.state.candidate_features(encoded.exercises, slots)
        # The candidates' recent history is the row after the learner's last RECENT answers.
        recent = params.state.recent
        after_recent = recent_history(
            np.array(
                [self._first_skill((key,) if key else ()) for key, _, _ in recent] + [0], dtype=np.int64
            ),
            np.array([right for _, right, _ in recent] + [0], dtype=np.float64),
            np.arange(1, len(recent) + 2),
        )
        history = {name: value[-1:].expand(len(candidates), -1) for name, value in after_recent.items()}
        similarity = np.zeros((len(candidates), RECENT), dtype=np.float32)
        # Lag 1 (the latest answer) first, as in FeatureTable.similarity; the candidates' texts.
        lags = [lag for lag, (_, _, exercise) in enumerate(reversed(recent)) if exercise in encoded.text_rows]
        if lags:
            latest = encoded.similarity.columns([encoded.text_rows[recent[-1 - lag][2]] for lag in lags])
            with_text = encoded.text_of >= 0
            similarity[np.ix_(with_text, lags)] = latest[encoded.text_of[with_text]]
        history["history_similarity"] = torch.from_numpy(similarity)
        base, vector = self._base(encoded.indices, encoded.prior, g, f, history)
        share = encoded.indices.share
        offsets = np.zeros(share.shape)
        learned = params.skill_offsets
        offsets[slots.row, slots.slot] = [learned.get(k, 0.0) for k in slots.keys]
        logit = base + params.ability + (offsets * share).sum(1) + vector @ np.asarray(params.vector)
        return 1.0 / (1.0 + np.exp(-logit))

    def predict_courses(
        self, courses: Sequence[tuple[str, Sequence[AttemptLike]]], texts: Mapping[str, str] | None = None
    ) -> np.ndarray:
        """P(correct) of every attempt of logs in the attempt-log format, each predicted from its learner's
        earlier attempts only (phi re-adapted before every attempt), in input order. ``texts`` (exercise
        key to text) gives the text-transfer term its similarities, and exercises the network has never
        seen a prior (:meth:`text_priors`)."""
        table = build_feature_table(courses, texts)
        prior = self.text_priors(table.exercises, texts, np.zeros(len(table))) if texts else None
        encoded = encode(table, self.vocabulary, prior)
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
    texts: Mapping[str, str] | None = None,
) -> TrainedModel:
    """Meta-train one model across courses: ``courses`` maps each course id to its attempts, grouped by
    learner and chronological within a learner (records with ``learner``, ``exercise``, ``skills``,
    ``correct``, ``timestamp``). The inner loop's pseudo-counts are then fitted to the validation
    learners that picked the epoch (:func:`~metamodel.ml.model.fit_pseudo_counts`). ``texts`` maps
    namespaced exercise keys to their texts (for the text-transfer term). The same seed and data give the
    same weights. Raises :class:`~metamodel.ml.model.NonFiniteLossError` when the loss
    stops being finite."""
    config = config or MetaConfig()
    pairs = list(courses.items()) if isinstance(courses, Mapping) else list(courses)
    table = build_feature_table(pairs, texts)
    net, vocabulary, info = train_network(table, config, seed, log)
    validation, _ = split_validation(len(table.starts) - 1, config, np.random.default_rng(seed))
    if config.inner_steps and len(validation):
        fit_pseudo_counts(net, table, vocabulary, validation, config)
    return TrainedModel(net, vocabulary, config, info)
