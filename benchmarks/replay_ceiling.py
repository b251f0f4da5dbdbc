"""How high can any model score on the first 1,000 attempts of a replay? A ceiling from the data alone.

In the replay protocol (``manage.py evaluate --protocol replay``) a course is lived through in time order;
where timestamps are positions, learners take turns, so the first 1,000 attempts of a file with more than
1,000 learners are 1,000 learners' *first* attempts: no model knows anything of those learners yet, and
all it can tell apart is the exercise (its skills are a function of it). Any predictor that gives every
attempt at one exercise the same probability is then beaten by ranking the exercises by their success
rate among those very attempts, which no online model can know; and an online model must estimate that
rate from the attempts before each one. This script prints, for each data file:

- which positions the first 1,000 attempts are at;
- the AUC of the exercise's success rate among the first 1,000 attempts (in hindsight: an upper bound for
  a learner-blind predictor constant per exercise) and over the whole file (in hindsight, too);
- the AUC of the best online estimate of that rate: each attempt predicted from the earlier attempts at
  its exercise, shrunk towards the running overall rate with a prior strength of k attempts, k picked in
  hindsight (so this, too, is optimistic).

    .venv/bin/python benchmarks/replay_ceiling.py ../shared/datasets/assist2009.csv \
        ../shared/datasets/statics2011.csv ../shared/datasets/assist2015.csv
"""

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metamodel.ml.data import read_attempt_log
from metamodel.ml.evaluation import course_name
from metamodel.ml.features import build_feature_table
from metamodel.ml.metrics import auc
from metamodel.ml.replay import FIRST_ATTEMPTS, replay_order

PRIOR_STRENGTHS = (0.5, 1, 2, 4, 8, 16, 32)


def hindsight_rate(exercises: list[str], correct: np.ndarray, among: list[str]) -> np.ndarray:
    """Each of ``among``'s exercises' success rate over the attempts (``exercises``, ``correct``)."""
    rights: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for exercise, right in zip(exercises, correct.tolist(), strict=True):
        rights[exercise] += right
        counts[exercise] += 1
    return np.array([rights[e] / counts[e] for e in among])


def online_rate(exercises: list[str], correct: np.ndarray, strength: float) -> np.ndarray:
    """Each attempt's prediction from the earlier ones: the exercise's success rate shrunk towards the
    overall rate so far (Laplace-smoothed) with ``strength`` pseudo-attempts."""
    rights: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    total_right = 0.0
    out = np.empty(len(exercises))
    for i, (exercise, right) in enumerate(zip(exercises, correct.tolist(), strict=True)):
        overall = (total_right + 1.0) / (i + 2.0)
        out[i] = (rights[exercise] + strength * overall) / (counts[exercise] + strength)
        rights[exercise] += right
        counts[exercise] += 1
        total_right += right
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="+", help="attempt-log CSVs")
    args = parser.parse_args()
    for path in args.data:
        table = build_feature_table([(course_name(path), read_attempt_log(path))])
        first = replay_order(table)[:FIRST_ATTEMPTS]
        exercises = [table.exercises[r] for r in first]
        y = table.correct[first].astype(np.float64)
        positions = np.bincount(table.position[first])
        where = ", ".join(f"{n} at position {p}" for p, n in enumerate(positions) if n)
        in_sample = auc(y, hindsight_rate(exercises, y, exercises))
        whole = auc(y, hindsight_rate(table.exercises, table.correct, exercises))
        online = {k: auc(y, online_rate(exercises, y, k)) for k in PRIOR_STRENGTHS}
        best = max(online, key=online.get)
        print(f"{course_name(path)}: first {len(first)} attempts: {where}; {len(set(exercises))} exercises")
        print(
            f"  exercise success rate in hindsight: among these attempts AUC {in_sample:.4f}, "
            f"over the whole file {whole:.4f}"
        )
        print(
            f"  online exercise success rate: best AUC {online[best]:.4f} (prior strength {best}); "
            + ", ".join(f"k={k}: {v:.4f}" for k, v in online.items())
        )


if __name__ == "__main__":
    main()
