"""The replay protocol: a course the model has never seen, lived through attempt by attempt.

The attempts are put in time order, learners interleaved by timestamp; where timestamps are positions,
round-robin (every learner's first attempt in file order, then every second attempt, ...). Each attempt
is predicted before it is seen, then learned from:

- learner adaptation at once: the next prediction for a learner adapts phi on their last ``window``
  attempts (the inner loop, as the platform's ``adapt_learner`` does after every attempt);
- exercise parameters online: each exercise and skill of the new course has an offset in logit units,
  updated after each attempt by the Elo rule offset += K(n) (correct - p), K(n) = 1 / (1 + 0.05 n)
  (Pelánek 2016); an exercise's offset (or, before its first attempt, the mean of its skills' offsets)
  is added to the network's logit. Where the exercises have texts, an exercise before its first attempt
  takes what its most similar texts' tried exercises learned instead, shrunk towards its skills' mean
  (:mod:`metamodel.ml.text`). An exercise's first step starts from that prior, as Elo's first rating of
  an item starts from its fallback;
- periodic re-meta-training: after 5,000 attempts, then each time twice as many (5k, 10k, 20k, 40k,
  ...), the network is meta-trained again, warm-started, for one epoch on the course's attempts seen so
  far, with the course's exercises and skills added to its vocabulary; the online offsets then restart
  from 0 as corrections to the retrained network.

The network's part is computed in chunks in which no learner appears twice, of at most :data:`CHUNK`
attempts and at most 1/16 of the attempts seen so far, so a learner's own history is always complete. The
offsets are added and learned attempt by attempt within a chunk, so each attempt's prediction has every
earlier attempt's update, as Elo's has; only the supports on which phi adapts see the offsets as they
were when their chunk began.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch

from metamodel.ml.baselines import OnlineElo
from metamodel.ml.data import AttemptRecord
from metamodel.ml.features import FeatureTable, build_feature_table, select_rows
from metamodel.ml.metrics import score_predictions
from metamodel.ml.model import (
    MetaConfig,
    ablation_config,
    encode,
    episode_logits,
    make_episodes,
    train_network,
)
from metamodel.ml.text import TextNeighbours
from metamodel.ml.trained import TrainedModel, meta_train

CHUNK = 256
RETRAIN_AT = 5_000
RETRAIN_GROWTH = 2
FIRST_ATTEMPTS = 1_000
ONLINE_K = 1.0
ONLINE_DECAY = 0.05


def replay_order(table: FeatureTable) -> np.ndarray:
    """Row order of the replay: by timestamp, then position, then the learner's place in the file; for
    position data that is round-robin over learners."""
    key_time = table.position if bool(np.all(table.time == table.position)) else table.time
    return np.lexsort((table.task, table.position, key_time))


def chunks(order: np.ndarray, task: np.ndarray, size: int) -> list[np.ndarray]:
    """Split ``order`` into consecutive chunks with no learner twice, of at most ``size`` rows and, early
    on, at most 1/16 of the rows before them (at least 4), so that the course's first attempts are learned
    from almost at once."""
    out: list[np.ndarray] = []
    current: list[int] = []
    seen: set[int] = set()
    done = 0
    for row in order.tolist():
        learner = int(task[row])
        if learner in seen or len(current) >= min(size, max(4, done // 16)):
            out.append(np.asarray(current))
            done += len(current)
            current, seen = [], set()
        current.append(row)
        seen.add(learner)
    if current:
        out.append(np.asarray(current))
    return out


class OnlineOffsets:
    """Elo-style online offsets (logit units, positive = easier) of a course's exercises and skills.

    With ``texts`` (exercise key to text), an exercise not yet tried starts from the text neighbours'
    difficulty: the network's bias of each tried neighbour plus its offset.
    """

    def __init__(self, table: FeatureTable, texts: Mapping[str, str] | None = None) -> None:
        keys, self.exercise = np.unique(np.asarray(table.exercises), return_inverse=True)
        self.keys: list[str] = keys.tolist()
        self.text = TextNeighbours(self.keys, texts) if texts else None
        self.network_bias = np.zeros(len(keys))
        skill_keys = {key: i for i, key in enumerate(dict.fromkeys(s for ss in table.skills for s in ss))}
        width = max(1, max((len(s) for s in table.skills), default=1))
        self.skill = np.full((len(table), width), -1, dtype=np.int64)
        for row, skills in enumerate(table.skills):
            self.skill[row, : len(skills)] = [skill_keys[s] for s in skills]
        self.exercise_value = np.zeros(self.exercise.max(initial=0) + 1)
        self.exercise_count = np.zeros_like(self.exercise_value)
        self.skill_value = np.zeros(len(skill_keys) + 1)  # the last slot stays 0 for padding
        self.skill_count = np.zeros_like(self.skill_value)

    def prior(self, rows: np.ndarray) -> np.ndarray:
        exercise = self.exercise[rows]
        skill = self.skill[rows]
        present = skill >= 0
        start = self.skill_value[skill].sum(1, where=present) / np.maximum(present.sum(1), 1)
        tried = self.exercise_count > 0
        untried = ~tried[exercise]
        if self.text is not None and untried.any():
            start[untried] = self.text.estimate(
                exercise[untried], self.network_bias + self.exercise_value, tried, start[untried]
            )
        return np.where(tried[exercise], self.exercise_value[exercise], start)

    def absorbed(self, network_bias: np.ndarray) -> None:
        """The network has just learned the course's exercises and skills (``network_bias``: its bias of
        each of them, 0 for one it has no parameter for): the offsets restart from 0 as corrections to
        it, keeping their counts (and so their smaller steps)."""
        self.network_bias = network_bias
        self.exercise_value[:] = 0.0
        self.skill_value[:] = 0.0

    def _learn(self, row: int, offset: float, error: float) -> None:
        """One Elo step from the row's ``offset`` as predicted (for an exercise's first attempt, the prior
        it started from) and its error."""
        exercise = self.exercise[row]
        step = ONLINE_K / (1 + ONLINE_DECAY * self.exercise_count[exercise]) * error
        self.exercise_value[exercise] = offset + step
        self.exercise_count[exercise] += 1
        for skill in self.skill[row]:
            if skill >= 0:
                self.skill_value[skill] += ONLINE_K / (1 + ONLINE_DECAY * self.skill_count[skill]) * error
                self.skill_count[skill] += 1

    def predict_and_learn(self, rows: np.ndarray, logit: np.ndarray, correct: np.ndarray) -> np.ndarray:
        """P(correct) of ``rows`` in order, each from ``logit`` (the network's part) plus its offset as
        every earlier row left it, each row learned from once predicted, as Elo does attempt by attempt."""
        p = np.empty(len(rows))
        for i, row in enumerate(rows.tolist()):
            offset = float(self.prior(rows[i : i + 1])[0])
            p[i] = 1.0 / (1.0 + math.exp(-(logit[i] + offset)))
            self._learn(row, offset, correct[i] - p[i])
        return p


def _shared_part(net, encoded) -> tuple[torch.Tensor, torch.Tensor]:
    """Every row's shared logit (without a difficulty prior) and exercise embedding, in batches."""
    bases, vectors = [], []
    with torch.no_grad():
        for start in range(0, len(encoded.exercise), 65_536):
            rows = encoded.take(torch.arange(start, min(start + 65_536, len(encoded.exercise))))
            rows.prior = torch.zeros(len(rows.exercise))
            base, vector = net.base(rows)
            bases.append(base)
            vectors.append(vector)
    return torch.cat(bases), torch.cat(vectors)


def replay_meta(
    model: TrainedModel,
    table: FeatureTable,
    order: np.ndarray,
    seed: int,
    log: Callable[[str], None] | None,
    texts: Mapping[str, str] | None = None,
) -> tuple[np.ndarray, list[int]]:
    """P(correct) of every row of ``table`` replayed in ``order``; also the attempt counts of re-training.
    ``texts`` maps exercise keys to their texts, if there are any."""
    config = model.config
    p = np.empty(len(table))
    offsets = OnlineOffsets(table, texts)
    correct = torch.from_numpy(table.correct.astype(np.float32))
    net, vocabulary = model.net, model.vocabulary
    encoded = encode(table, vocabulary)
    base_all, vector_all = _shared_part(net, encoded)
    seen = np.zeros(len(table), dtype=bool)
    n_seen, next_retrain, retrained_at = 0, RETRAIN_AT, []
    for chunk in chunks(order, table.task, CHUNK):
        # One episode per attempt: the learner's last `window` attempts as support, the attempt as query.
        position = table.position[chunk] - 1
        kept = np.minimum(position, config.window)
        first = table.starts[table.task[chunk]] + position - kept
        rows = np.concatenate([np.arange(f, f + k + 1) for f, k in zip(first, kept, strict=True)])
        offsets_in_batch = np.concatenate(([0], np.cumsum(kept + 1)[:-1]))
        episodes = make_episodes(kept + 1, offsets_in_batch, [np.array([k]) for k in kept], config.window)
        rows_t = torch.from_numpy(rows)
        batch = encoded.take(rows_t)
        # The online offsets correct the network's logit of every exercise, learned or not.
        base = base_all[rows_t] + torch.from_numpy(offsets.prior(rows).astype(np.float32))
        logits = episode_logits(
            net,
            base,
            vector_all[rows_t],
            batch,
            correct[rows_t],
            episodes,
            config.inner_steps,
            differentiable=False,
        )
        # The queries' offsets are added (and learned) attempt by attempt, so that no attempt waits for
        # its chunk: only the supports, while phi adapts, see the offsets as the chunk began.
        network_logit = logits[:, 0].numpy().astype(np.float64) - offsets.prior(chunk)
        p[chunk] = offsets.predict_and_learn(chunk, network_logit, table.correct[chunk])
        seen[chunk] = True
        n_seen += len(chunk)
        if n_seen >= next_retrain:
            started = time.perf_counter()
            once = dataclasses.replace(config, epochs=1, validation_fraction=0.0)
            net, vocabulary, _ = train_network(
                select_rows(table, np.flatnonzero(seen)), once, seed, None, (net, vocabulary)
            )
            encoded = encode(table, vocabulary)
            base_all, vector_all = _shared_part(net, encoded)
            with torch.no_grad():
                index = torch.tensor([vocabulary.exercises.get(key, 0) for key in offsets.keys])
                offsets.absorbed(net.exercise_bias(index).squeeze(-1).numpy().astype(np.float64))
            retrained_at.append(n_seen)
            if log:
                log(f"re-meta-trained after {n_seen} attempts in {time.perf_counter() - started:.0f} s")
            next_retrain *= RETRAIN_GROWTH
    return p, retrained_at


def evaluate_replay(
    records: Sequence[AttemptRecord],
    course: str,
    pretrain: Sequence[tuple[str, Sequence[AttemptRecord]]],
    model: str,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    texts: Mapping[str, str] | None = None,
) -> tuple[FeatureTable, np.ndarray, float, dict[str, object]]:
    """Replay ``records`` as a new course for ``model`` ("meta", "ablation" or "elo"). ``texts``
    (namespaced exercise key to text) gives the meta model and its ablation their text-transfer term and a
    start for untried exercises; Elo, a baseline as issue 3 defines it, does not read them.

    Returns the table, P(correct) per row, training seconds, and extra report entries: the metrics of
    the first 1,000 attempts of the replay, the replay order rule and when re-training happened.
    """
    table = build_feature_table([(course, records)], texts)
    order = replay_order(table)
    started = time.perf_counter()
    extra: dict[str, object] = {"replay_order": "timestamp, then position, then file order of learners"}
    if model == "elo":
        p = OnlineElo().replay(table, order)
        training_seconds = 0.0
    elif model in ("meta", "ablation"):
        if not pretrain:
            raise ValueError("the replay protocol needs --pretrain files for the meta-learned model")
        config = MetaConfig() if model == "meta" else ablation_config()
        trained = meta_train(pretrain, config, seed, log)
        training_seconds = time.perf_counter() - started
        p, retrained_at = replay_meta(trained, table, order, seed, log, texts)
        extra["retrained_after_attempts"] = retrained_at
    else:
        raise ValueError(f"model {model!r} has no replay protocol; use meta, ablation or elo")
    first = order[:FIRST_ATTEMPTS]
    extra["first_1000"] = score_predictions(table.correct[first], p[first], table.position[first])
    return table, p, training_seconds, extra
