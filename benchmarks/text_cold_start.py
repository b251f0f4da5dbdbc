"""Does an exercise's text help predict it before anyone has tried it? Split protocol, with some exercises
hidden from training.

A seeded share of the exercises (``--hide``, by SHA-256 of the id, so the same ones every run) is removed
from the training learners' attempts, as if they had been added to the course after training. The meta
model is trained on what remains (fold ``--fold``'s training learners) twice, and every test learner's
attempts are predicted from their earlier attempts only: without the exercise texts (an untried exercise
is scored from its skills alone) and with them, in training and prediction alike (an untried exercise
takes the bias the model learned for the exercises of most similar text, ``metamodel.ml.text``, and the
text-transfer term reads how like the learner's recent exercises it is). Prints the AUC on the test
attempts at hidden exercises, and on all.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/text_cold_start.py \
        --data ../shared/datasets/statics2011.csv --texts ../shared/datasets/statics2011_exercises.tsv
"""

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metamodel.ml.data import is_test_learner, read_attempt_log, read_exercise_texts
from metamodel.ml.evaluation import course_name
from metamodel.ml.metrics import auc
from metamodel.ml.trained import meta_train


def hidden(exercise: str, share: float) -> bool:
    return int(hashlib.sha256(exercise.encode("utf-8")).hexdigest(), 16) % 1000 < share * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--texts", required=True, help="TSV of exercise texts (exercise<TAB>text)")
    parser.add_argument("--hide", type=float, default=0.2, help="share of the exercises hidden from training")
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    course = course_name(args.data)
    records = read_attempt_log(args.data)
    texts = {f"{course}/{key}": text for key, text in read_exercise_texts(args.texts).items()}
    train = [
        r for r in records if not is_test_learner(r.learner, args.fold) and not hidden(r.exercise, args.hide)
    ]
    test = [r for r in records if is_test_learner(r.learner, args.fold)]
    y = np.array([r.correct for r in test])
    new = np.array([hidden(r.exercise, args.hide) for r in test])
    n_hidden = len({r.exercise for r in records if hidden(r.exercise, args.hide)})
    print(f"{n_hidden} exercises hidden; {int(new.sum())} of {len(test)} test attempts are at them")
    for label, given in (("without texts", None), ("with texts", texts)):
        started = time.perf_counter()
        model = meta_train([(course, train)], seed=args.seed, texts=given)
        seconds = time.perf_counter() - started
        p = model.predict_courses([(course, test)], given)
        print(
            f"{label}: trained on {len(train)} attempts in {seconds:.0f} s; "
            f"AUC at hidden exercises {auc(y[new], p[new]):.4f}, all {auc(y, p):.4f}"
        )


if __name__ == "__main__":
    main()
