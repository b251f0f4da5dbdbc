"""Validation figures of the meta-learned model or its ablation: trained on the training learners of a
fold, scored on the seeded validation slice of those learners (``MetaConfig.validation_fraction``), never
on test learners. This is how the model's choices are made (docs/benchmarks.md).

For the meta-learned model it prints two lines: the network as meta-trained, and the network whose
inner-loop pseudo-counts are fitted as ``meta_train`` fits them, to validation learners, but
cross-fitted (each half of the slice scored with the pseudo-counts fitted to the other half), so that
no figure is fitted to the learners it scores.

    .venv/bin/python benchmarks/validate.py --data ../shared/datasets/statics2011.csv [--model ablation]
        [--seed 1] [--set inner_steps=5 --set embedding_dim=32 ...]
"""

import argparse
import copy
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metamodel.ml.data import is_test_learner, read_attempt_log
from metamodel.ml.evaluation import course_name
from metamodel.ml.features import build_feature_table
from metamodel.ml.metrics import score_predictions
from metamodel.ml.model import (
    MetaConfig,
    ablation_config,
    encode,
    fit_pseudo_counts,
    predict_sequences,
    split_validation,
    train_network,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--fold", type=int, default=0, help="its test learners are left out entirely")
    parser.add_argument("--model", choices=("meta", "ablation"), default="meta")
    parser.add_argument("--seed", type=int, default=0, help="also draws the validation slice")
    parser.add_argument("--set", action="append", default=[], help="a MetaConfig field, NAME=JSON value")
    args = parser.parse_args()
    overrides = {name: json.loads(value) for name, value in (item.split("=", 1) for item in args.set)}
    config = dataclasses.replace(MetaConfig() if args.model == "meta" else ablation_config(), **overrides)
    course = course_name(args.data)
    train = [r for r in read_attempt_log(args.data) if not is_test_learner(r.learner, args.fold)]
    table = build_feature_table([(course, train)])
    net, vocabulary, info = train_network(table, config, args.seed, log=lambda line: print(line, flush=True))
    validation, _ = split_validation(len(table.starts) - 1, config, np.random.default_rng(args.seed))
    correct = torch.from_numpy(table.correct.astype(np.float32))
    encoded = encode(table, vocabulary)
    label = f"{course} {args.model} seed {args.seed} {overrides or ''}:"

    def report(what: str, rows: np.ndarray, p: np.ndarray) -> None:
        scores = score_predictions(table.correct[rows], p, table.position[rows])
        print(
            f"{label} {what}: validation AUC {scores['auc']:.4f}, log loss {scores['log_loss']:.4f}, "
            f"AUC positions 1-10 {scores['auc_positions_1_10']:.4f}, ECE {scores['ece']:.4f}, "
            f"epoch {info['epochs']:.0f}, {info['seconds']:.0f} s",
            flush=True,
        )

    report("as trained", *predict_sequences(net, encoded, correct, table.starts, validation, config))
    if not config.inner_steps:
        return
    # meta_train fits the pseudo-counts to these same validation learners; for a figure not fitted to the
    # learners it scores, each half of them is scored with the pseudo-counts fitted to the other half.
    halves = (validation[0::2], validation[1::2])
    cross_rows, cross_p = [], []
    for fit_half, score_half in (halves, halves[::-1]):
        fitted = copy.deepcopy(net)
        fit_pseudo_counts(fitted, table, vocabulary, fit_half, config)
        rows, p = predict_sequences(fitted, encoded, correct, table.starts, score_half, config)
        cross_rows.append(rows)
        cross_p.append(p)
        print(f"pseudo-counts fitted to half the learners: {fitted.log_pseudo_count.exp().tolist()}")
    report("pseudo-counts cross-fitted", np.concatenate(cross_rows), np.concatenate(cross_p))


if __name__ == "__main__":
    main()
