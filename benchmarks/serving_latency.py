"""Median latency of adapting to one learner (200 attempts) and of scoring 500 candidate exercises.

    .venv/bin/python benchmarks/serving_latency.py --artifact benchmarks/out/model.pt --sha256 HEX \
        [--data FILE --exercise-text FILE.tsv]

The learner is the first learner of ``--data`` (default assist2009) with at least 200 attempts (their
first 200 are the history); the candidates are 500 distinct exercises of it with their skills and, with
``--exercise-text``, their texts, which adapting and scoring then read (the text-transfer term). Each
figure is the median of ``--repeats`` timed calls after 10 warm-up calls, in one process with torch's
default threads. Each scoring gets its own copy of the candidates (equal, but new string objects), as
each choice in the platform reads them afresh from the database, so the model's cache of encoded
candidate sets is looked up, and its keys hashed, as it is there.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metamodel.ml.artifact import load_artifact
from metamodel.ml.data import group_by_learner, read_attempt_log, read_exercise_texts
from metamodel.ml.trained import Attempt, Candidate

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "assist2009.csv"


def fresh(candidates: list[Candidate]) -> list[Candidate]:
    """Equal candidates made of new string objects (whose hashes are not yet computed)."""
    copy = lambda text: text.encode().decode()  # noqa: E731
    return [
        c._replace(exercise=copy(c.exercise), skills=tuple(copy(s) for s in c.skills), text=copy(c.text))
        for c in candidates
    ]


def median_ms(call, repeats: int) -> float:
    for _ in range(10):
        call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifact", required=True)
    parser.add_argument("--sha256", required=True)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--exercise-text", help="TSV of the exercises' texts")
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    model = load_artifact(args.artifact, args.sha256)
    course = Path(args.data).stem
    records = read_attempt_log(args.data)
    given = read_exercise_texts(args.exercise_text) if args.exercise_text else {}
    texts = {f"{course}/{key}": text for key, text in given.items()}
    learner = next(rs for rs in group_by_learner(records).values() if len(rs) >= 200)[:200]
    history = [
        Attempt(f"{course}/{r.exercise}", tuple(f"{course}/{s}" for s in r.skills), r.correct, r.timestamp)
        for r in learner
    ]
    distinct = {r.exercise: r.skills for r in records}
    candidates = [
        Candidate(
            f"{course}/{exercise}",
            tuple(f"{course}/{s}" for s in skills),
            text=texts.get(f"{course}/{exercise}", ""),
        )
        for exercise, skills in list(distinct.items())[:500]
    ]
    params = model.adapt(history, candidates)
    adapt_ms = median_ms(lambda: model.adapt(history, candidates), args.repeats)
    copies = iter([fresh(candidates) for _ in range(args.repeats + 10)])
    score_ms = median_ms(lambda: model.predict(params, next(copies), 201), args.repeats)
    print(f"torch threads: {torch.get_num_threads()}")
    print(f"adapt one learner, 200 attempts: median {adapt_ms:.2f} ms")
    print(f"score 500 candidates: median {score_ms:.2f} ms")


if __name__ == "__main__":
    main()
