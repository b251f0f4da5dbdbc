"""The evaluation harness behind ``manage.py evaluate``: one code path for every model and both protocols.

``split`` (default): the fixed learner split of ``../shared/datasets/README.md``. Models train on the
training learners of ``--data`` plus every ``--pretrain`` file, whole, and predict every attempt of every
test learner from that learner's earlier attempts only.

``replay``: the course of ``--data`` has never been seen (the model is pretrained on ``--pretrain`` files
only) and is replayed attempt by attempt in time order, learners interleaved by timestamp; where
timestamps are positions, the interleaving is round-robin (all learners' first attempts in file order,
then all second attempts, ...). Each attempt is predicted before it is seen, then learned from: see
:mod:`metamodel.ml.replay` for what is updated and when. Only the meta-learned model, its ablation
and online Elo have a replay protocol.
"""

from __future__ import annotations

import csv
import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from metamodel.ml.baselines import BestLR, OnlineElo, PerSkillBKT
from metamodel.ml.data import AttemptRecord, is_test_learner, read_attempt_log, read_exercise_texts
from metamodel.ml.features import FeatureTable, build_feature_table
from metamodel.ml.metrics import score_predictions
from metamodel.ml.model import MetaConfig, ablation_config
from metamodel.ml.replay import evaluate_replay
from metamodel.ml.trained import meta_train

MODELS = ("meta", "ablation", "elo", "best-lr", "bkt")
PROTOCOLS = ("split", "replay")


@dataclass
class Outcome:
    """Predictions of one evaluation: the table predicted and P(correct) per row."""

    table: FeatureTable
    p: np.ndarray
    training_seconds: float


def course_name(path: str | PathLike[str]) -> str:
    """A data file's course id: its file name without extension."""
    return Path(path).stem


def evaluate_split(
    data: Sequence[AttemptRecord],
    course: str,
    pretrain: Sequence[tuple[str, Sequence[AttemptRecord]]],
    model: str,
    fold: int = 0,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    texts: Mapping[str, str] | None = None,
) -> Outcome:
    """Train ``model`` on the training learners of ``data`` plus ``pretrain``; predict the test learners.
    ``texts`` (namespaced exercise key to text) gives the meta model and its ablation their text-transfer
    term and a prior for test exercises that no training learner tried; the baselines do not read them."""
    train = [r for r in data if not is_test_learner(r.learner, fold)]
    test = [r for r in data if is_test_learner(r.learner, fold)]
    courses = [*pretrain, (course, train)]
    test_table = build_feature_table([(course, test)])
    if not test:
        if log:
            log(f"fold {fold} of {course} has no test learners: there is nothing to predict")
        return Outcome(test_table, np.empty(0), 0.0)
    if not any(records for _, records in courses):
        raise ValueError(
            f"nothing to train on: every learner of {course} is in test fold {fold} and no --pretrain "
            "file was given; choose another --fold or add --pretrain files"
        )
    started = time.perf_counter()
    if model in ("meta", "ablation"):
        config = MetaConfig() if model == "meta" else ablation_config()
        trained = meta_train(courses, config, seed, log, texts)
        training_seconds = time.perf_counter() - started
        p = trained.predict_courses([(course, test)], texts)
        return Outcome(test_table, p, training_seconds)
    baseline = {"elo": OnlineElo, "best-lr": BestLR, "bkt": PerSkillBKT}[model]()
    baseline.fit(build_feature_table(courses))
    training_seconds = time.perf_counter() - started
    return Outcome(test_table, baseline.predict(test_table), training_seconds)


def write_predictions(path: str | PathLike[str], outcome: Outcome) -> None:
    """The predictions CSV: ``learner,position,correct,p``, one row per predicted attempt."""
    table = outcome.table
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "position", "correct", "p"])
        for row in range(len(table)):
            learner = table.learners[table.task[row]][1]
            writer.writerow(
                [learner, int(table.position[row]), int(table.correct[row]), f"{outcome.p[row]:.6f}"]
            )


def writable(path: str | PathLike[str]) -> Path:
    """``path``, once it is known to be a file in a directory that exists, so that a long evaluation does
    not fail at the end."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"cannot write {path}: there is no directory {path.parent}")
    if path.is_dir():
        raise ValueError(f"cannot write {path}: it is a directory")
    return path


def partial(path: Path) -> Path:
    """Where an output is written before it replaces ``path``, all outputs at once."""
    return path.with_name(path.name + ".partial")


def defined(value: Any) -> Any:
    """``value`` with every NaN (a figure that is undefined, e.g. an AUC over one class) as None, so the
    report is valid JSON (``null``)."""
    if isinstance(value, dict):
        return {key: defined(item) for key, item in value.items()}
    if isinstance(value, list):
        return [defined(item) for item in value]
    return None if isinstance(value, float) and math.isnan(value) else value


def git_commit() -> str | None:
    """The current git commit of the working directory, if there is one."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip() or None


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_evaluation(
    data: str | PathLike[str],
    predictions: str | PathLike[str],
    report: str | PathLike[str],
    fold: int = 0,
    pretrain: Sequence[str | PathLike[str]] = (),
    protocol: str = "split",
    model: str = "meta",
    seed: int = 0,
    command: str | None = None,
    log: Callable[[str], None] | None = None,
    exercise_texts: str | PathLike[str] | None = None,
) -> dict[str, object]:
    """Evaluate ``model`` on the attempt log ``data`` under ``protocol``; write the predictions CSV and
    the report JSON (README metrics, training seconds, peak memory, command, git commit); return the report.
    Figures that are undefined (an AUC over one class, any figure over no predictions) are None (JSON
    ``null``). ``exercise_texts`` is a TSV of exercise texts (:func:`~metamodel.ml.data.read_exercise_texts`).
    The two outputs replace any earlier ones only once both are written.

    Raises :class:`~metamodel.ml.data.AttemptLogError` for an invalid file and ``ValueError`` for an
    unknown model or protocol, an output in a missing directory, a ``pretrain`` file that is ``data``
    itself, or nothing to train on.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    outputs = [writable(predictions), writable(report)]
    for path in pretrain:
        if Path(path).resolve() == Path(data).resolve():
            raise ValueError(
                f"--pretrain {path} is the --data file itself: the model would learn the attempts it predicts"
            )
    records = read_attempt_log(data)
    course = course_name(data)
    others = [(course_name(path), read_attempt_log(path)) for path in pretrain]
    # Keyed as the feature table keys exercises, "course/id".
    texts = (
        {f"{course}/{key}": text for key, text in read_exercise_texts(exercise_texts).items()}
        if exercise_texts
        else None
    )
    if protocol == "split":
        outcome = evaluate_split(records, course, others, model, fold, seed, log, texts)
        extra: dict[str, object] = {}
    else:
        table, p, training_seconds, extra = evaluate_replay(records, course, others, model, seed, log, texts)
        outcome = Outcome(table, p, training_seconds)
    table = outcome.table
    result: dict[str, object] = {
        "data": str(data),
        "protocol": protocol,
        "model": model,
        "fold": fold if protocol == "split" else None,
        "pretrain": [str(p) for p in pretrain],
        "exercise_texts": str(exercise_texts) if exercise_texts else None,
        **score_predictions(table.correct, outcome.p, table.position),
        **extra,
        "training_seconds": outcome.training_seconds,
        "peak_memory_mb": peak_memory_mb(),
        "command": command if command is not None else " ".join(sys.argv),
        "git_commit": git_commit(),
    }
    result = defined(result)
    try:
        write_predictions(partial(outputs[0]), outcome)
        partial(outputs[1]).write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        for path in outputs:
            os.replace(partial(path), path)
    finally:
        for path in outputs:
            partial(path).unlink(missing_ok=True)
    return result
