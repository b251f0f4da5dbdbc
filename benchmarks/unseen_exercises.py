"""AUC on the test attempts at exercises that no training learner attempted (cold start for an exercise),
and on the others, from the predictions files that ``manage.py evaluate`` writes (split protocol).

    .venv/bin/python benchmarks/unseen_exercises.py --data ../shared/datasets/assist2009.csv \
        benchmarks/out/assist2009-meta.csv benchmarks/out/assist2009-elo.csv \
        benchmarks/out/assist2009-best-lr.csv
"""

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metamodel.ml.data import is_test_learner, read_attempt_log
from metamodel.ml.metrics import auc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("predictions", nargs="+", help="predictions CSVs of the same data set and fold")
    args = parser.parse_args()
    records = read_attempt_log(args.data)
    trained = {r.exercise for r in records if not is_test_learner(r.learner, args.fold)}
    unseen: dict[tuple[str, int], bool] = {}
    positions: dict[str, int] = {}
    for r in records:
        if is_test_learner(r.learner, args.fold):
            positions[r.learner] = positions.get(r.learner, 0) + 1
            unseen[(r.learner, positions[r.learner])] = r.exercise not in trained
    for path in args.predictions:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        y = np.array([int(r["correct"]) for r in rows])
        p = np.array([float(r["p"]) for r in rows])
        new = np.array([unseen[(r["learner"], int(r["position"]))] for r in rows])
        if not new.any():
            print(f"{path}: every test attempt is at an exercise some training learner attempted")
            continue
        print(
            f"{path}: {int(new.sum())} of {len(rows)} test attempts at exercises no training learner "
            f"attempted, AUC {auc(y[new], p[new]):.4f}; the others {auc(y[~new], p[~new]):.4f}"
        )


if __name__ == "__main__":
    main()
