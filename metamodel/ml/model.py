"""The meta-learned knowledge-tracing model: one shared network, adapted to each learner by an inner loop.

P(correct) of an attempt is sigma(base + learner), where

- ``base`` (shared weights theta) reads the exercise (a difficulty and an embedding, learned per exercise
  id), its skills (difficulty, embedding, per-skill weights of the Best-LR count features), the
  learner's history summarised by :class:`~metamodel.ml.features.KnowledgeState` (log counts, recency
  EMAs, same-exercise history, time gaps), a small MLP over those features, and a skill-transfer term:
  for each of the learner's last :data:`~metamodel.ml.features.RECENT` attempts, +1 if right or -1 if
  wrong, times a learned weight of its lag, times the dot product of a query vector of the attempt's
  skills and a key vector of that earlier attempt's (first) skill, so that what a learner just showed on
  one skill informs the prediction on another (the cross-skill information a recurrent model such as
  DKT reads from the sequence, which the per-skill features cannot carry); and a text-transfer term:
  for the same attempts, +1 or -1 times a learned weight of the lag times the cosine similarity of the
  two exercises' texts (:func:`metamodel.ml.text.lagged_similarity`), so that an answer tells most about
  the exercises most like it (the steps of one problem, say) whatever their skills; without texts it is 0;
- ``learner`` (learner parameters phi) is an ability, per-skill offsets and a vector that meets the
  exercise's embedding (a multidimensional IRT term).

phi starts from a meta-learned initialisation and takes a few gradient steps on the learner's recent
attempts (the inner loop), each step scaled by meta-learned per-parameter, per-step learning rates
(Meta-SGD: Li et al., 2017, arXiv:1707.09835). The support loss weighs an attempt of age a (0 = the
latest) by w = exp(-decay a), the decay meta-learned, so that phi follows the learner's current state
rather than their average over the window. The step of each group of phi (ability, skill offsets,
vector) is divided by (sum of w + n0), n0 a pseudo-count of that group, so that a short history moves
phi little; the three n0 are meta-learned, then fitted to learners the network was not trained on
(:func:`fit_pseudo_counts`). The outer loop
(MAML: Finn et al., ICML 2017) trains theta, the initialisation and the learning rates on the attempts
that follow, backpropagating through the inner steps (second order). Tasks are (course, learner)
sequences of every course; an episode cuts a sequence at c: support = the last ``window`` attempts
before c, query = the next ``query_block`` attempts. The inner loop uses ``torch.func.grad`` on
the summed loss of a batch of episodes. With ``inner_steps = 0`` the same network is trained plainly: that is
the ablation.

Exercises never seen in training fall back on their skills and the caller's difficulty prior (which
``TrainedModel.text_priors`` can draw from the exercises of similar text, ``metamodel.ml.text``); skills
never seen fall back on the shared count weights; a course never seen falls back on both. Training
randomly hides exercise ids (and, per sequence, all ids) so that the network learns those regimes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import grad

from metamodel.ml.features import N_GLOBAL, N_SKILL, RECENT, FeatureTable, select_rows
from metamodel.ml.metrics import auc, log_loss

# The groups of the learner parameters phi, each with its own pseudo-count n0.
PHI_GROUPS = ("ability", "skills", "vector")
# Evaluations of the golden-section search of each pseudo-count in fit_pseudo_counts.
_SEARCH_POINTS = 8


class NonFiniteLossError(RuntimeError):
    """Meta-training produced a NaN or infinite loss; the run must fail rather than save such weights."""


@dataclass(frozen=True)
class MetaConfig:
    """Hyper-parameters of the model and of meta-training (defaults chosen on validation learners)."""

    embedding_dim: int = 16
    hidden: int = 32
    inner_steps: int = 3
    window: int = 200
    query_block: int = 5
    epochs: int = 16
    patience: int = 3
    batch_rows: int = 8192
    learning_rate: float = 0.02
    bias_prior_var: float = 1.0
    embedding_prior_var: float = 0.1
    hide_exercise: float = 0.05
    hide_course: float = 0.05
    validation_fraction: float = 0.1
    transfer_dim: int = 8


def ablation_config() -> MetaConfig:
    """The no-inner-loop ablation: the same network trained plainly. Without the inner loop an epoch costs
    about a tenth as much, so it may train up to 30 epochs with a patience of 5 (its validation loss is
    noisier from epoch to epoch; patience 3 stopped it early, worse on validation on statics2011 and
    assist2009); the same validation learners pick the epoch, as for the meta-learned model."""
    return MetaConfig(inner_steps=0, epochs=30, patience=5)


@dataclass
class Vocabulary:
    """Index of the exercise and skill keys seen in training; index 0 means "never seen"."""

    exercises: dict[str, int]
    skills: dict[str, int]

    @classmethod
    def from_table(cls, table: FeatureTable) -> Vocabulary:
        exercises = {key: i for i, key in enumerate(dict.fromkeys(table.exercises), start=1)}
        skills = {
            key: i for i, key in enumerate(dict.fromkeys(s for ss in table.skills for s in ss), start=1)
        }
        return cls(exercises, skills)

    def extended(self, other: Vocabulary) -> Vocabulary:
        """This vocabulary with the keys of ``other`` it lacks appended (existing indices unchanged)."""
        exercises = dict(self.exercises)
        for key in other.exercises:
            exercises.setdefault(key, len(exercises) + 1)
        skills = dict(self.skills)
        for key in other.skills:
            skills.setdefault(key, len(skills) + 1)
        return Vocabulary(exercises, skills)


@dataclass
class EncodedRows:
    """Tensors of a set of attempts, ready for the network."""

    exercise: torch.Tensor  # (N,) vocabulary index, 0 = unseen
    skill: torch.Tensor  # (N, S) vocabulary index, 0 = unseen or padding
    skill_local: torch.Tensor  # (N, S) index into the learner's skill offsets, 0 = padding
    skill_mask: torch.Tensor  # (N, S) 1 for a real skill slot
    prior: torch.Tensor  # (N,) difficulty prior of an unseen exercise (logit units), else 0
    global_features: torch.Tensor  # (N, N_GLOBAL)
    skill_features: torch.Tensor  # (N, S, N_SKILL)
    history_skill: torch.Tensor  # (N, K) vocabulary index of the first skill of each of the K attempts before
    history_sign: torch.Tensor  # (N, K) +1 right, -1 wrong, 0 where there is no such attempt
    history_similarity: torch.Tensor  # (N, K) text similarity of the exercise with each of those attempts'

    def take(self, rows: torch.Tensor) -> EncodedRows:
        return EncodedRows(*(getattr(self, name)[rows] for name in self.__dataclass_fields__))


class KnowledgeTracingNet(nn.Module):
    """Shared weights theta, the learner initialisation phi_0 and the Meta-SGD learning rates."""

    def __init__(self, n_exercises: int, n_skills: int, config: MetaConfig) -> None:
        super().__init__()
        d = config.embedding_dim
        self.exercise_bias = nn.Embedding(n_exercises + 1, 1, padding_idx=0)
        self.exercise_vector = nn.Embedding(n_exercises + 1, d, padding_idx=0)
        self.skill_bias = nn.Embedding(n_skills + 1, 1, padding_idx=0)
        self.skill_vector = nn.Embedding(n_skills + 1, d, padding_idx=0)
        self.skill_weights = nn.Embedding(n_skills + 1, N_SKILL, padding_idx=0)
        for table in (self.exercise_bias, self.skill_bias, self.skill_weights):
            nn.init.zeros_(table.weight)
        for table in (self.exercise_vector, self.skill_vector):
            nn.init.normal_(table.weight, std=0.01)
            table.weight.data[0] = 0.0
        self.shared_skill_weights = nn.Parameter(torch.zeros(N_SKILL))
        self.linear = nn.Linear(N_GLOBAL, 1)
        self.mlp = nn.Sequential(
            nn.Linear(N_GLOBAL + N_SKILL, config.hidden), nn.Tanh(), nn.Linear(config.hidden, 1)
        )
        self.transfer_query = nn.Embedding(n_skills + 1, config.transfer_dim, padding_idx=0)
        self.transfer_key = nn.Embedding(n_skills + 1, config.transfer_dim, padding_idx=0)
        nn.init.normal_(self.transfer_query.weight, std=0.1)
        self.transfer_query.weight.data[0] = 0.0
        nn.init.zeros_(self.transfer_key.weight)
        self.lag_weight = nn.Parameter(torch.ones(RECENT))
        # Starts silent, and stays exactly 0 where exercises have no texts (its gradient is then 0).
        self.text_lag_weight = nn.Parameter(torch.zeros(RECENT))
        self.ability_init = nn.Parameter(torch.zeros(()))
        self.vector_init = nn.Parameter(torch.zeros(d))
        steps = max(config.inner_steps, 1)
        self.log_lr_ability = nn.Parameter(torch.full((steps,), math.log(1.0)))
        self.log_lr_skill = nn.Parameter(torch.full((steps,), math.log(1.0)))
        self.log_lr_vector = nn.Parameter(torch.full((steps, d), math.log(1.0)))
        self.log_pseudo_count = nn.Parameter(torch.full((len(PHI_GROUPS),), math.log(5.0)))
        self.log_decay = nn.Parameter(torch.tensor(math.log(0.005)))

    def base(self, rows: EncodedRows) -> tuple[torch.Tensor, torch.Tensor]:
        """Logit without the learner term, and each attempt's exercise embedding (for the learner vector)."""
        mask = rows.skill_mask
        n_skills = mask.sum(-1).clamp(min=1.0)
        mean = lambda x: (x * mask.unsqueeze(-1)).sum(-2) / n_skills.unsqueeze(-1)  # noqa: E731
        weights = self.skill_weights(rows.skill) + self.shared_skill_weights
        count_term = ((weights * rows.skill_features).sum(-1) * mask).sum(-1) / n_skills
        skill_mean_features = mean(rows.skill_features)
        seen = (rows.exercise > 0).float()
        query = mean(self.transfer_query(rows.skill))
        keys = self.transfer_key(rows.history_skill)
        transfer = ((keys @ query.unsqueeze(-1)).squeeze(-1) * rows.history_sign * self.lag_weight).sum(-1)
        text_transfer = (rows.history_sign * rows.history_similarity * self.text_lag_weight).sum(-1)
        logit = (
            self.exercise_bias(rows.exercise).squeeze(-1)
            + mean(self.skill_bias(rows.skill)).squeeze(-1)
            + (1.0 - seen) * rows.prior
            + count_term
            + self.linear(rows.global_features).squeeze(-1)
            + self.mlp(torch.cat([rows.global_features, skill_mean_features], -1)).squeeze(-1)
            + transfer
            + text_transfer
        )
        vector = self.exercise_vector(rows.exercise) + mean(self.skill_vector(rows.skill))
        return logit, vector

    def support_weights(self, width: int) -> torch.Tensor:
        """Weight in the support loss of each of ``width`` support columns, oldest first (the last column
        is the attempt just before the query): exp(-decay * age), the decay meta-learned."""
        age = torch.arange(width - 1, -1, -1, dtype=torch.float32)
        return torch.exp(-self.log_decay.exp() * age)

    def step_scales(self, weighted: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each group's scale of the inner-loop steps, 1 / (sum of support weights + n0 of the group), (E,)
        for the (E, W) weights of E supports: the 16-d vector takes more attempts to estimate than an
        ability, so each group has its own pseudo-count (see :func:`fit_pseudo_counts`)."""
        total = weighted.sum(-1)
        counts = self.log_pseudo_count.exp()
        return {name: 1.0 / (total + counts[i]) for i, name in enumerate(PHI_GROUPS)}

    def initial_params(self, batch: int, n_local_skills: int) -> dict[str, torch.Tensor]:
        return {
            "ability": self.ability_init.expand(batch),
            "skills": torch.zeros(batch, n_local_skills + 1),
            "vector": self.vector_init.expand(batch, -1),
        }


def learner_logit(
    phi: dict[str, torch.Tensor],
    base: torch.Tensor,
    vector: torch.Tensor,
    local: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """The full logits (E, W) of E learners' attempts under their learner parameters phi (leading dim E)."""
    n_episodes = base.shape[0]
    offsets = torch.gather(phi["skills"], 1, local.reshape(n_episodes, -1)).reshape(local.shape)
    offsets = (offsets * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)
    return base + phi["ability"][:, None] + offsets + (vector @ phi["vector"][:, :, None]).squeeze(-1)


def _support_loss(
    phi: dict[str, torch.Tensor],
    base: torch.Tensor,
    vector: torch.Tensor,
    local: torch.Tensor,
    mask: torch.Tensor,
    correct: torch.Tensor,
    valid: torch.Tensor,
) -> torch.Tensor:
    """Sum over episodes of each episode's support loss, the sum of its weighted log losses (``valid``
    holds the weights, 0 for padding); :meth:`KnowledgeTracingNet.step_scales` scales the steps.

    Episodes share no learner parameters, so the gradient of this sum with respect to the stacked phi is
    every episode's own gradient: the same result as ``vmap(grad(per-episode loss))``, which we measured
    over 30 times slower on CPU (vmap's batching rule for gathers with batched indices).
    """
    logit = learner_logit(phi, base, vector, local, mask)
    losses = nn.functional.binary_cross_entropy_with_logits(logit, correct, reduction="none")
    return (losses * valid).sum()


def inner_loop(
    net: KnowledgeTracingNet,
    steps: int,
    base: torch.Tensor,
    vector: torch.Tensor,
    local: torch.Tensor,
    mask: torch.Tensor,
    correct: torch.Tensor,
    valid: torch.Tensor,
    n_local_skills: int,
) -> dict[str, torch.Tensor]:
    """Adapt phi on a batch of supports, (E, W, ...) tensors padded with ``valid = 0``: Meta-SGD steps
    phi <- phi - exp(log_lr_k) * grad / (sum of weights + n0 of the group), with ``torch.func.grad``
    (differentiable, so the outer loop backpropagates through the steps as in second-order MAML)."""
    phi = net.initial_params(base.shape[0], n_local_skills)
    if steps == 0 or base.shape[1] == 0:
        return phi
    weighted = valid * net.support_weights(base.shape[1])
    scale = net.step_scales(weighted)
    step_grad = grad(_support_loss)
    for k in range(steps):
        g = step_grad(phi, base, vector, local, mask, correct, weighted)
        phi = {
            "ability": phi["ability"] - net.log_lr_ability[k].exp() * scale["ability"] * g["ability"],
            "skills": phi["skills"] - net.log_lr_skill[k].exp() * scale["skills"][:, None] * g["skills"],
            "vector": phi["vector"] - net.log_lr_vector[k].exp() * scale["vector"][:, None] * g["vector"],
        }
    return phi


def encode(table: FeatureTable, vocabulary: Vocabulary, prior: np.ndarray | None = None) -> EncodedRows:
    """Tensors of a feature table; skill offsets are indexed by the training vocabulary (extended for
    skills it lacks, so that a learner still adapts on a new course's skills)."""
    width = max(1, max((len(s) for s in table.skills), default=1))
    width = min(width, table.skill_features.shape[1])
    n = len(table)
    skill = np.zeros((n, width), dtype=np.int64)
    local = np.zeros((n, width), dtype=np.int64)
    extra: dict[str, int] = {}
    base_size = len(vocabulary.skills)
    for row, skills in enumerate(table.skills):
        for slot, key in enumerate(skills[:width]):
            index = vocabulary.skills.get(key, 0)
            skill[row, slot] = index
            local[row, slot] = index or extra.setdefault(key, base_size + 1 + len(extra))
    exercise = np.fromiter((vocabulary.exercises.get(k, 0) for k in table.exercises), dtype=np.int64, count=n)
    return EncodedRows(
        exercise=torch.from_numpy(exercise),
        skill=torch.from_numpy(skill),
        skill_local=torch.from_numpy(local),
        skill_mask=torch.from_numpy(local > 0).float(),
        prior=torch.zeros(n) if prior is None else torch.as_tensor(prior, dtype=torch.float32),
        global_features=torch.from_numpy(table.global_features),
        skill_features=torch.from_numpy(np.ascontiguousarray(table.skill_features[:, :width])),
        **recent_history(skill[:, 0], table.correct, table.position),
        history_similarity=torch.from_numpy(table.similarity),
    )


def recent_history(
    first_skill: np.ndarray, correct: np.ndarray, position: np.ndarray
) -> dict[str, torch.Tensor]:
    """The ``history_skill`` and ``history_sign`` of :class:`EncodedRows` for rows that are whole sequences'
    prefixes: each row's first skill (vocabulary index), outcome (0 or 1) and position in its sequence."""
    lags = np.arange(1, RECENT + 1)
    earlier = np.maximum(np.arange(len(first_skill))[:, None] - lags, 0)
    valid = position[:, None] > lags
    return {
        "history_skill": torch.from_numpy(np.where(valid, first_skill[earlier], 0)),
        "history_sign": torch.from_numpy(
            np.where(valid, 2.0 * correct[earlier] - 1.0, 0.0).astype(np.float32)
        ),
    }


@dataclass
class Episodes:
    """Index tensors of a batch of episodes over the rows of a batch of sequences."""

    support: torch.Tensor  # (E, W) row index, padded with 0
    support_valid: torch.Tensor  # (E, W)
    query: torch.Tensor  # (E, L)
    query_valid: torch.Tensor  # (E, L)


def make_episodes(lengths: np.ndarray, offsets: np.ndarray, cuts: list[np.ndarray], window: int) -> Episodes:
    """Episodes cutting each sequence (batch rows offsets[i] .. offsets[i] + lengths[i]) at its sorted cuts.

    The query of a cut runs to the next cut (or the end); its support is the ``window`` attempts before it.
    """
    seq = np.concatenate([np.full(len(c), i) for i, c in enumerate(cuts)])
    cut = np.concatenate(cuts)
    end = np.concatenate([np.append(c[1:], lengths[i]) for i, c in enumerate(cuts)])
    start = offsets[seq]
    width = int(min(window, cut.max(initial=0)))
    block = int((end - cut).max(initial=1))
    support_pos = cut[:, None] - width + np.arange(width)[None, :]
    support_valid = support_pos >= 0
    query_pos = cut[:, None] + np.arange(block)[None, :]
    query_valid = query_pos < end[:, None]
    return Episodes(
        support=torch.from_numpy(np.where(support_valid, start[:, None] + support_pos, 0)),
        support_valid=torch.from_numpy(support_valid).float(),
        query=torch.from_numpy(np.where(query_valid, start[:, None] + query_pos, 0)),
        query_valid=torch.from_numpy(query_valid).float(),
    )


def adapt_closed_form(
    net: KnowledgeTracingNet,
    steps: int,
    base: torch.Tensor,
    vector: torch.Tensor,
    local: torch.Tensor,
    mask: torch.Tensor,
    correct: torch.Tensor,
    valid: torch.Tensor,
    n_local_skills: int,
) -> dict[str, torch.Tensor]:
    """:func:`inner_loop` for inference: the same Meta-SGD steps with the support-loss gradient written
    out (the learner term is linear in phi, so d loss / d logit = w (p - y) is all it takes). No
    autograd, so evaluation, replay and serving pay a few tensor operations per step instead of
    torch.func's tracing; a test checks both give the same predictions."""
    with torch.no_grad():
        n_episodes = base.shape[0]
        phi = {name: value.clone() for name, value in net.initial_params(n_episodes, n_local_skills).items()}
        if steps == 0 or base.shape[1] == 0:
            return phi
        flat_local = local.reshape(n_episodes, -1)
        share = mask / mask.sum(-1, keepdim=True).clamp(min=1.0)
        weighted = valid * net.support_weights(base.shape[1])
        scale = net.step_scales(weighted)
        for k in range(steps):
            logit = learner_logit(phi, base, vector, local, mask)
            residual = (torch.sigmoid(logit) - correct) * weighted
            skill_grad = torch.zeros_like(phi["skills"]).scatter_add_(
                1, flat_local, (residual.unsqueeze(-1) * share).reshape(n_episodes, -1)
            )
            vector_grad = (vector * residual.unsqueeze(-1)).sum(1)
            phi["ability"] -= net.log_lr_ability[k].exp() * scale["ability"] * residual.sum(-1)
            phi["skills"] -= net.log_lr_skill[k].exp() * scale["skills"][:, None] * skill_grad
            phi["vector"] -= net.log_lr_vector[k].exp() * scale["vector"][:, None] * vector_grad
        return phi


def episode_logits(
    net: KnowledgeTracingNet,
    base: torch.Tensor,
    vector: torch.Tensor,
    rows: EncodedRows,
    correct: torch.Tensor,
    episodes: Episodes,
    steps: int,
    differentiable: bool = True,
) -> torch.Tensor:
    """Query logits (E, L) after adapting on each episode's support, given every row's shared logit and
    exercise embedding; ``differentiable=False`` adapts with :func:`adapt_closed_form`."""
    n_local = int(rows.skill_local.max()) if rows.skill_local.numel() else 0
    s = episodes.support
    adapt = inner_loop if differentiable else adapt_closed_form
    phi = adapt(
        net,
        steps,
        base[s],
        vector[s],
        rows.skill_local[s],
        rows.skill_mask[s],
        correct[s],
        episodes.support_valid,
        n_local,
    )
    q = episodes.query
    return learner_logit(phi, base[q], vector[q], rows.skill_local[q], rows.skill_mask[q])


def sequence_batches(lengths: np.ndarray, order: np.ndarray, batch_rows: int) -> list[np.ndarray]:
    """Group sequences (in ``order``) into batches of about ``batch_rows`` attempts."""
    batches: list[np.ndarray] = []
    current: list[int] = []
    total = 0
    for index in order:
        current.append(int(index))
        total += int(lengths[index])
        if total >= batch_rows:
            batches.append(np.asarray(current))
            current, total = [], 0
    if current:
        batches.append(np.asarray(current))
    return batches


def gather_sequences(starts: np.ndarray, sequences: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row ids of the given sequences (concatenated), their lengths and their offsets in that list."""
    lengths = starts[sequences + 1] - starts[sequences]
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    rows = np.concatenate([np.arange(starts[s], starts[s + 1]) for s in sequences])
    return rows, lengths, offsets


def predict_sequences(
    net: KnowledgeTracingNet,
    encoded: EncodedRows,
    correct: torch.Tensor,
    starts: np.ndarray,
    sequences: np.ndarray,
    config: MetaConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """P(correct) of every attempt of the given sequences, phi adapted on the attempts before each one.

    Returns (row ids, probabilities). This is what the platform does when it adapts after every attempt.
    """
    out_rows: list[np.ndarray] = []
    out_p: list[np.ndarray] = []
    net.eval()
    with torch.no_grad():
        for batch in sequence_batches(
            starts[sequences + 1] - starts[sequences], np.arange(len(sequences)), 2048
        ):
            rows, lengths, offsets = gather_sequences(starts, sequences[batch])
            episodes = make_episodes(lengths, offsets, [np.arange(n) for n in lengths], config.window)
            rows_t = torch.from_numpy(rows)
            batch = encoded.take(rows_t)
            base, vector = net.base(batch)
            logits = episode_logits(
                net, base, vector, batch, correct[rows_t], episodes, config.inner_steps, differentiable=False
            )
            out_rows.append(rows[episodes.query[:, 0].numpy()])
            out_p.append(torch.sigmoid(logits[:, 0]).numpy().astype(np.float64))
    return np.concatenate(out_rows), np.concatenate(out_p)


def prior_penalty(net: KnowledgeTracingNet, config: MetaConfig) -> torch.Tensor:
    """Negative log of Gaussian priors on the per-exercise and per-skill parameters (MAP estimation)."""
    biases = net.exercise_bias.weight.square().sum() + net.skill_bias.weight.square().sum()
    biases = biases + net.skill_weights.weight.square().sum()
    vectors = net.exercise_vector.weight.square().sum() + net.skill_vector.weight.square().sum()
    vectors = vectors + net.transfer_query.weight.square().sum() + net.transfer_key.weight.square().sum()
    return biases / (2 * config.bias_prior_var) + vectors / (2 * config.embedding_prior_var)


def split_validation(
    n_sequences: int, config: MetaConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The seeded validation slice of the sequences (sorted) and the training ones (shuffled); none is held
    out of fewer than 10. :func:`train_network` draws it first from ``np.random.default_rng(seed)``."""
    shuffled = rng.permutation(n_sequences)
    n_validation = round(config.validation_fraction * n_sequences) if n_sequences >= 10 else 0
    return np.sort(shuffled[:n_validation]), shuffled[n_validation:]


def train_network(
    table: FeatureTable,
    config: MetaConfig,
    seed: int,
    log: Callable[[str], None] | None = None,
    warm_start: tuple[KnowledgeTracingNet, Vocabulary] | None = None,
) -> tuple[KnowledgeTracingNet, Vocabulary, dict[str, float]]:
    """Meta-train on every sequence of ``table`` but a seeded validation slice, which picks the epoch (the
    lowest log loss: on assist2009 the network starts overfitting after 7 epochs, and AUC, which ignores
    calibration, can still peak by chance among those epochs).

    ``warm_start`` continues from a trained network, its vocabulary extended with the new keys.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n_sequences = len(table.starts) - 1
    validation, training = split_validation(n_sequences, config, rng)
    n_validation = len(validation)
    train_rows, _, _ = gather_sequences(table.starts, np.sort(training))
    vocabulary = Vocabulary.from_table(select_rows(table, train_rows))
    if warm_start is not None:
        vocabulary = warm_start[1].extended(vocabulary)
    encoded = encode(table, vocabulary)
    correct = torch.from_numpy(table.correct.astype(np.float32))
    net = KnowledgeTracingNet(len(vocabulary.exercises), len(vocabulary.skills), config)
    if warm_start is not None:
        with torch.no_grad():
            target = net.state_dict()
            for name, tensor in warm_start[0].state_dict().items():
                # Embedding tables grew at the end; every other tensor keeps its shape.
                (target[name][: len(tensor)] if tensor.dim() else target[name]).copy_(tensor)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    lengths = np.diff(table.starts)
    started = time.perf_counter()
    # (validation log loss, validation AUC, weights, epoch) of the best epoch so far
    best: tuple[float, float, dict[str, torch.Tensor], int] = (math.inf, -1.0, {}, 0)
    for epoch in range(config.epochs):
        net.train()
        total, count = 0.0, 0
        for batch in sequence_batches(lengths, rng.permutation(training), config.batch_rows):
            rows, batch_lengths, offsets = gather_sequences(table.starts, batch)
            cuts = []
            for n in batch_lengths:
                shift = int(rng.integers(config.query_block))
                cuts.append(np.unique(np.maximum(np.arange(-shift, n, config.query_block), 0)))
            episodes = make_episodes(batch_lengths, offsets, cuts, config.window)
            rows_t = torch.from_numpy(rows)
            batch_rows = _hide_ids(encoded.take(rows_t), batch_lengths, config, rng)
            base, vector = net.base(batch_rows)
            logits = episode_logits(
                net, base, vector, batch_rows, correct[rows_t], episodes, config.inner_steps
            )
            targets = correct[rows_t][episodes.query]
            losses = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
            data_loss = (losses * episodes.query_valid).sum() / episodes.query_valid.sum()
            loss = data_loss + prior_penalty(net, config) / len(train_rows)
            if not torch.isfinite(loss):
                raise NonFiniteLossError(f"meta-training loss became {loss.item()} in epoch {epoch + 1}")
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += data_loss.item()
            count += 1
        score, loss = -1.0, math.inf
        if n_validation:
            rows, p = predict_sequences(net, encoded, correct, table.starts, validation, config)
            score, loss = auc(table.correct[rows], p), log_loss(table.correct[rows], p)
        if log:
            held_out = f"log loss {loss:.4f}, AUC {score:.4f}" if n_validation else "n/a (none held out)"
            log(
                f"epoch {epoch + 1}: train loss {total / max(count, 1):.4f}, validation {held_out}, "
                f"{time.perf_counter() - started:.0f} s"
            )
        if loss < best[0] or not n_validation:
            best = (loss, score, {k: v.detach().clone() for k, v in net.state_dict().items()}, epoch + 1)
        elif epoch + 1 - best[3] >= config.patience:
            break
    net.load_state_dict(best[2])
    net.eval()
    info = {
        "validation_auc": best[1],
        "validation_log_loss": best[0],
        "epochs": best[3],
        "seconds": time.perf_counter() - started,
    }
    return net, vocabulary, info


def fit_pseudo_counts(
    net: KnowledgeTracingNet,
    table: FeatureTable,
    vocabulary: Vocabulary,
    sequences: np.ndarray,
    config: MetaConfig,
) -> None:
    """Fit the inner loop's pseudo-count n0 of each group of phi to ``sequences``, learners the network
    was not trained on (the validation learners), for the lowest log loss of :func:`predict_sequences`.

    Meta-training learns the n0 on its training learners, whose exercise embeddings it fits at the same
    time: for them the learner vector's steps pay off from the first attempts on (assist2009, seed 0:
    AUC over positions 1-10 of 0.833 with them, 0.793 without), for a new learner they cost accuracy
    there (0.759 with, 0.775 without). n0 sets how many attempts it takes to move a group of phi, so it
    is chosen on new learners: each group in turn (PHI_GROUPS order) by a golden-section search of
    log n0 over [0, log 10^4] with ``_SEARCH_POINTS`` evaluations, kept only if it beats the current n0 there.
    """
    encoded = encode(table, vocabulary)
    correct = torch.from_numpy(table.correct.astype(np.float32))
    log_counts = net.log_pseudo_count.data

    def loss_at(group: int, value: float) -> float:
        log_counts[group] = value
        rows, p = predict_sequences(net, encoded, correct, table.starts, sequences, config)
        return log_loss(table.correct[rows], p)

    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    reference = loss_at(0, float(log_counts[0]))
    for group in range(len(PHI_GROUPS)):
        current = float(log_counts[group])
        low, high = 0.0, math.log(1e4)
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        loss_a, loss_b = loss_at(group, a), loss_at(group, b)
        best = min((reference, current), (loss_a, a), (loss_b, b))
        for _ in range(_SEARCH_POINTS - 2):
            if loss_a < loss_b:
                high, b, loss_b = b, a, loss_a
                a = high - ratio * (high - low)
                loss_a = loss_at(group, a)
                best = min(best, (loss_a, a))
            else:
                low, a, loss_a = a, b, loss_b
                b = low + ratio * (high - low)
                loss_b = loss_at(group, b)
                best = min(best, (loss_b, b))
        reference, log_counts[group] = best


def _hide_ids(
    rows: EncodedRows, lengths: np.ndarray, config: MetaConfig, rng: np.random.Generator
) -> EncodedRows:
    """Hide exercise ids at random (and every id of some sequences) to train the unseen-exercise and
    unseen-course fallbacks; the learner's own skill offsets stay, as they would on a new course."""
    n = len(rows.exercise)
    hide_course = np.repeat(rng.random(len(lengths)) < config.hide_course, lengths)
    hide_exercise = (rng.random(n) < config.hide_exercise) | hide_course
    exercise = rows.exercise.masked_fill(torch.from_numpy(hide_exercise), 0)
    skill = rows.skill.masked_fill(torch.from_numpy(hide_course)[:, None], 0)
    return EncodedRows(
        exercise,
        skill,
        rows.skill_local,
        rows.skill_mask,
        rows.prior,
        rows.global_features,
        rows.skill_features,
        rows.history_skill.masked_fill(torch.from_numpy(hide_course)[:, None], 0),
        rows.history_sign,
        rows.history_similarity,
    )
