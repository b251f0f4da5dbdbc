"""The scorer of the shared data sets' README: AUC, accuracy, RMSE, log loss, ECE and cold-start AUCs."""

from __future__ import annotations

import numpy as np

POSITION_BUCKETS = ((1, 5), (6, 10), (11, 20), (21, 50), (51, None))
ECE_BINS = 10
_EPS = 1e-7


def _mean(values: np.ndarray) -> float:
    """The mean, NaN (without numpy's warning) for no values."""
    return float(np.mean(values)) if len(values) else float("nan")


def auc(correct: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum (Mann-Whitney U) formula, ties given their mean rank.

    NaN when only one class is present.
    """
    y = np.asarray(correct, dtype=bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    sorted_p = np.asarray(p)[order]
    ranks = np.empty(len(y), dtype=np.float64)
    # Average ranks over runs of equal scores.
    boundaries = np.flatnonzero(np.diff(sorted_p)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(y)]))
    mean_rank = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def log_loss(correct: np.ndarray, p: np.ndarray) -> float:
    """Mean negative log likelihood of the outcomes, p clipped to [1e-7, 1 - 1e-7]."""
    y = np.asarray(correct, dtype=np.float64)
    clipped = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return _mean(-(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))


def expected_calibration_error(correct: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE with equal-width bins of p (Naeini et al., 2015): sum over bins of |bin| / n * |mean y - mean p|.

    p = 1.0 falls into the last bin.
    """
    y = np.asarray(correct, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    counts = np.bincount(index, minlength=bins)
    gap = np.abs(
        np.bincount(index, weights=y, minlength=bins) - np.bincount(index, weights=p, minlength=bins)
    )
    return float(gap.sum() / max(len(y), 1)) if counts.sum() else float("nan")


def score_predictions(correct: np.ndarray, p: np.ndarray, position: np.ndarray) -> dict[str, object]:
    """All figures of the README's scorer for one predictions file.

    ``position`` is each attempt's 1-based position within its learner; a figure over no attempts is NaN,
    as is an AUC over one class. Returns ``auc``, ``accuracy``
    (p >= 0.5 predicts correct), ``rmse``, ``log_loss`` (p clipped to [1e-7, 1 - 1e-7]), ``ece``,
    ``auc_positions_1_10`` and ``auc_by_position`` keyed ``"1-5"`` ... ``"51+"``, and ``n``.
    """
    y = np.asarray(correct, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    position = np.asarray(position)
    early = position <= 10
    buckets = {}
    for low, high in POSITION_BUCKETS:
        mask = (position >= low) & (position <= (high if high is not None else np.inf))
        name = f"{low}-{high}" if high is not None else f"{low}+"
        buckets[name] = {"auc": auc(y[mask], p[mask]), "n": int(mask.sum())}
    return {
        "n": len(y),
        "auc": auc(y, p),
        "accuracy": _mean((p >= 0.5) == (y == 1)),
        "rmse": float(np.sqrt(_mean((p - y) ** 2))),
        "log_loss": log_loss(y, p),
        "ece": expected_calibration_error(y, p),
        "auc_positions_1_10": auc(y[early], p[early]),
        "auc_by_position": buckets,
    }
