"""What each group of the learner parameters phi contributes, by position, on validation learners and on
training learners: the meta-learned model of a fold's training learners (as ``validate.py`` trains it,
before its pseudo-counts are fitted), scored with every group's inner-loop steps, then with one group's
steps switched off (its learning rates set to 0).

    .venv/bin/python benchmarks/adaptation_groups.py --data ../shared/datasets/assist2009.csv [--seed 0]
        [--training-learners 600]

A group whose steps help the training learners but not the validation ones at some positions is fitted
to the training learners there: docs/benchmarks.md.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metamodel.ml.data import is_test_learner, read_attempt_log
from metamodel.ml.evaluation import course_name
from metamodel.ml.features import build_feature_table
from metamodel.ml.metrics import auc, log_loss
from metamodel.ml.model import (
    PHI_GROUPS,
    MetaConfig,
    encode,
    predict_sequences,
    split_validation,
    train_network,
)

BUCKETS = ((1, 1), (2, 5), (6, 10), (1, 10), (11, 50), (51, None))
LEARNING_RATES = {"ability": "log_lr_ability", "skills": "log_lr_skill", "vector": "log_lr_vector"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--fold", type=int, default=0, help="its test learners are left out entirely")
    parser.add_argument("--seed", type=int, default=0, help="also draws the validation slice")
    parser.add_argument("--training-learners", type=int, default=600, help="how many to score")
    args = parser.parse_args()
    config = MetaConfig()
    train = [r for r in read_attempt_log(args.data) if not is_test_learner(r.learner, args.fold)]
    table = build_feature_table([(course_name(args.data), train)])
    net, vocabulary, _ = train_network(table, config, args.seed)
    validation, training = split_validation(len(table.starts) - 1, config, np.random.default_rng(args.seed))
    correct = torch.from_numpy(table.correct.astype(np.float32))
    encoded = encode(table, vocabulary)
    learned = {name: getattr(net, name).detach().clone() for name in LEARNING_RATES.values()}
    for learners, sequences in (
        ("validation", validation),
        ("training", np.sort(training[: args.training_learners])),
    ):
        for off in (None, *PHI_GROUPS):
            with torch.no_grad():
                for name, value in learned.items():
                    getattr(net, name).copy_(value)
                if off is not None:
                    getattr(net, LEARNING_RATES[off]).fill_(-np.inf)
            rows, p = predict_sequences(net, encoded, correct, table.starts, sequences, config)
            y, position = table.correct[rows], table.position[rows]
            figures = []
            for low, high in BUCKETS:
                mask = (position >= low) & (position <= (high or np.inf))
                name = f"{low}-{high}" if high else f"{low}+"
                figures.append(f"{name}: {auc(y[mask], p[mask]):.4f}")
            print(
                f"{learners} learners, steps of {'every group' if off is None else f'all but {off}'}: "
                f"AUC {auc(y, p):.4f}, log loss {log_loss(y, p):.4f}; AUC by position {', '.join(figures)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
