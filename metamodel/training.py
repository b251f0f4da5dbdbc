"""Meta-training runs, model versions and their promotion: the writes behind `train`, the API and beat.

A run is claimed with a conditional update, so a redelivered task message is harmless; a candidate is
promoted atomically, and only when it beats the active version on the same held-out learners.
"""

import hashlib
import logging
import math
import os
import uuid
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from metamodel.histories import course_logs, exercise_texts, fingerprint
from metamodel.ml.artifact import FORMAT_VERSION, ArtifactError, load_artifact, save_artifact
from metamodel.ml.data import AttemptRecord
from metamodel.ml.metrics import score_predictions
from metamodel.ml.model import MetaConfig
from metamodel.ml.trained import TrainedModel, meta_train
from metamodel.models import ModelVersion, TrainingRun

log = logging.getLogger(__name__)

# One learner in VALIDATION_SHARE is held out of training to compare the candidate with the active version.
VALIDATION_SHARE = 5
# A run still "running" this long after it started died with its worker; it may be claimed again.
STALE_RUN_AFTER = timedelta(seconds=2 * settings.TRAINING_TIME_LIMIT)


def start_training_run(trigger: str, requested_by=None, seed: int = 0) -> TrainingRun:
    """Queue a meta-training run; the task is enqueued when the transaction commits."""
    from metamodel.tasks import meta_train as meta_train_task

    run = TrainingRun.objects.create(trigger=trigger, requested_by=requested_by, seed=seed)
    transaction.on_commit(lambda: meta_train_task.delay(run.pk))
    return run


@contextmanager
def deterministic_torch():
    """Train on one thread: parallel CPU kernels (embedding gradients among them) add up in an order that
    varies from run to run, and the same seed and data must give the same weights."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _claim(run_id: int) -> bool:
    """Take the run for this worker: True for exactly one caller (healthchecks' conditional update)."""
    now = timezone.now()
    fresh = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED)
    stale = TrainingRun.objects.filter(
        pk=run_id, status=TrainingRun.Status.RUNNING, started_at__lt=now - STALE_RUN_AFTER
    )
    return bool(
        fresh.update(status=TrainingRun.Status.RUNNING, started_at=now)
        or stale.update(status=TrainingRun.Status.RUNNING, started_at=now)
    )


def _is_validation(course: str, learner: str) -> bool:
    digest = hashlib.sha256(f"{course}:{learner}".encode()).hexdigest()
    return int(digest, 16) % VALIDATION_SHARE == 0


def _split(logs: list[tuple[str, list[AttemptRecord]]]):
    train, validation = [], []
    for course, records in logs:
        held_out = [r for r in records if _is_validation(course, r.learner)]
        kept = [r for r in records if not _is_validation(course, r.learner)]
        if kept:
            train.append((course, kept))
        if held_out:
            validation.append((course, held_out))
    return train, validation


def _json_safe(value):
    """Metrics as JSON can store them: NaN (an AUC with one class only) and infinities become None."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def validation_metrics(
    model: TrainedModel, validation: list[tuple[str, list[AttemptRecord]]], texts: dict[str, str]
) -> dict:
    """The scorer's figures for the held-out learners, each attempt predicted from earlier ones only."""
    if not validation:
        return {}
    p = model.predict_courses(validation, texts)
    correct = np.array([r.correct for _, records in validation for r in records])
    positions, last, count = [], None, 0
    for course, records in validation:
        for r in records:
            count = count + 1 if (course, r.learner) == last else 1
            last = (course, r.learner)
            positions.append(count)
    return _json_safe(score_predictions(correct, p, np.array(positions)))


def _better(candidate: dict, active: dict) -> tuple[bool, str]:
    """Compare on AUC, or on log loss when AUC is undefined (one class only in validation)."""
    for name, higher_is_better in (("auc", True), ("log_loss", False)):
        new, old = candidate.get(name), active.get(name)
        if new is None or old is None or not (math.isfinite(new) and math.isfinite(old)):
            continue
        wins = new > old if higher_is_better else new < old
        return wins, f"{name} {new:.4f} vs active {old:.4f} on the same held-out learners"
    return False, "no comparable metric on the held-out learners"


@lru_cache(maxsize=4)
def _load(pk: int, path: str, sha256: str) -> TrainedModel:
    return load_artifact(path, sha256)


def load_version(version: ModelVersion) -> TrainedModel:
    """The version's model, verified against its SHA-256 and cached per process."""
    return _load(version.pk, version.artifact, version.sha256)


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def run_training(run_id: int, config: MetaConfig | None = None) -> ModelVersion | None:
    """Meta-train on every course's attempts, evaluate, and promote or reject the candidate.

    Returns None when the run is gone or already claimed (a redelivered message), or when a scheduled run
    finds the data unchanged since the active version was trained (it is skipped). Non-finite losses,
    an unusable artifact or any other error fail the run with the reason, leaving the active version alone.
    """
    if not _claim(run_id):
        return None
    run = TrainingRun.objects.get(pk=run_id)
    version = None
    try:
        logs = list(course_logs())
        texts = exercise_texts()
        run.data_fingerprint = fingerprint(logs, texts)
        run.attempts_used = sum(len(records) for _, records in logs)
        run.save(update_fields=["data_fingerprint", "attempts_used"])
        parent = active_version()
        # An active version of an earlier artifact format (before an upgrade) cannot be served: retrain.
        unchanged = parent and parent.data_fingerprint == run.data_fingerprint
        if run.trigger == "schedule" and unchanged and parent.format_version == FORMAT_VERSION:
            TrainingRun.objects.filter(pk=run_id).update(
                status=TrainingRun.Status.SUCCEEDED,
                finished_at=timezone.now(),
                result=f"skipped: no new attempts or exercise texts since {parent} was trained",
            )
            return None
        train, validation = _split(logs)
        if not train:
            raise ValueError("there are no attempts to train on")
        with deterministic_torch():
            model = meta_train(train, config=config, seed=run.seed, log=log.info, texts=texts)
        # Content-addressed: the file is named by its SHA-256, so no two databases or runs sharing the
        # folder can overwrite each other's artifact.
        written = Path(settings.MODEL_ARTIFACT_DIR) / f".run{run.pk}-{uuid.uuid4().hex}.pt"
        sha256 = save_artifact(model, written)
        path = written.with_name(f"{sha256}.pt")
        os.replace(written, path)
        load_artifact(path, sha256)  # verify what was written before anyone relies on it
        version = ModelVersion.objects.create(
            training_run=run,
            parent=parent,
            artifact=str(path),
            sha256=sha256,
            format_version=FORMAT_VERSION,
            data_fingerprint=run.data_fingerprint,
            metrics=validation_metrics(model, validation, texts),
        )
        _decide(version, parent, validation, texts)
    except Exception as error:
        log.exception("training run %s failed", run_id)
        if version is not None:
            ModelVersion.objects.filter(pk=version.pk).update(
                status=ModelVersion.Status.FAILED, reason=str(error)
            )
        TrainingRun.objects.filter(pk=run_id).update(
            status=TrainingRun.Status.FAILED, finished_at=timezone.now(), result=f"failed: {error}"
        )
        return None
    return version


@transaction.atomic
def _decide(
    version: ModelVersion, parent: ModelVersion | None, validation: list, texts: dict[str, str]
) -> None:
    """Promote the candidate or reject it, with the reason, in one transaction."""
    current = ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE).first()
    if current is not None and current.pk != getattr(parent, "pk", None):
        parent = current  # another run was promoted meanwhile: compare with that one
    if parent is None:
        wins, reason = True, "no active version yet"
    else:
        try:
            active = validation_metrics(load_version(parent), validation, texts)
            wins, reason = _better(version.metrics, active)
        except ArtifactError as error:
            wins, reason = True, f"the active version's artifact is unusable ({error})"
    now = timezone.now()
    if wins:
        if parent is not None:
            ModelVersion.objects.filter(pk=parent.pk).update(status=ModelVersion.Status.RETIRED)
        version.status, version.activated_at = ModelVersion.Status.ACTIVE, now
        result = f"promoted: {reason}"
    else:
        version.status = ModelVersion.Status.REJECTED
        result = f"rejected: {reason}"
    version.reason = result
    version.save(update_fields=["status", "activated_at", "reason"])
    TrainingRun.objects.filter(pk=version.training_run_id).update(
        status=TrainingRun.Status.SUCCEEDED, finished_at=now, result=result
    )
