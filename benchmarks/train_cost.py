"""Time and peak memory of meta-training on a whole attempt log (default: assist2009, all learners).

    .venv/bin/python benchmarks/train_cost.py [--data FILE] [--exercise-text FILE.tsv] \
        [--save benchmarks/out/model.pt]

Prints wall-clock seconds (reading, features and meta-training) and the process's peak resident memory.
``--save`` writes the artifact that ``serving_latency.py`` loads.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metamodel.ml.artifact import save_artifact
from metamodel.ml.data import read_attempt_log, read_exercise_texts
from metamodel.ml.evaluation import course_name
from metamodel.ml.trained import meta_train

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "assist2009.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--exercise-text", help="TSV of exercise texts, for the text-transfer term")
    parser.add_argument("--save", help="where to write the trained artifact")
    args = parser.parse_args()
    started = time.perf_counter()
    records = read_attempt_log(args.data)
    course = course_name(args.data)
    texts = read_exercise_texts(args.exercise_text) if args.exercise_text else {}
    model = meta_train(
        {course: records},
        log=lambda line: print(line, flush=True),
        texts={f"{course}/{key}": text for key, text in texts.items()},
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"attempts: {len(records)}; torch threads: {torch.get_num_threads()}")
    print(f"meta-training wall time: {seconds:.0f} s (training loop {model.info['seconds']:.0f} s)")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    if args.save:
        print(f"artifact {args.save} sha256 {save_artifact(model, args.save)}")


if __name__ == "__main__":
    main()
