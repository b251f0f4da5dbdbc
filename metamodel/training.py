"""Meta-training runs, model versions and their promotion: the writes behind `train`, the API and beat.

A run is claimed with a conditional update, so a second message for it is harmless; only a redelivery of
the message that claimed it (its worker died mid-run) may claim it again. A run's worker that is lost for
good, or a message no worker picks up, is failed by the sweep (:func:`fail_abandoned_runs`). A candidate is
recorded and promoted in one transaction, and only with enough held-out evidence and when it beats the
active version (or the last active one) on the same held-out learners.
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
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.queueing import enqueue_all_on_commit
from learners.models import Enrollment, Learner
from metamodel.histories import course_logs, data_summary, exercise_texts, fingerprint
from metamodel.ml.artifact import FORMAT_VERSION, ArtifactError, load_artifact, save_artifact
from metamodel.ml.data import AttemptRecord
from metamodel.ml.metrics import score_predictions
from metamodel.ml.model import MetaConfig, NonFiniteLossError
from metamodel.ml.trained import TrainedModel, meta_train
from metamodel.models import ModelVersion, TrainingRun

log = logging.getLogger(__name__)

# One learner in VALIDATION_SHARE is held out of training to compare the candidate with the active version.
VALIDATION_SHARE = 5
# The least held-out evidence on which a candidate may replace the rule or another version: fewer answers
# or learners than this and it is rejected, whatever its figures (with a handful of attempts the held-out
# set can be empty, its AUC undefined). The demo (`setup_demo`) holds out 37 learners and 2,220 answers.
MIN_HELD_OUT_ANSWERS = 200
MIN_HELD_OUT_LEARNERS = 5
# A candidate replaces a version only when its AUC (log loss where AUC is undefined) is better by more than
# this on the same held-out learners: a tie, or a difference in the last digits, keeps what learners have.
MIN_GAIN = 0.001
# A run whose worker is lost this many times (killed by the kernel for its memory, say) is failed rather
# than trained again on every redelivery of its message.
MAX_CLAIMS = 3
# The hard time limit ends a run's task within TRAINING_TIME_LIMIT; one still "running" this much later
# lost its worker (killed past the redeploy's grace period, or its host gone) and is failed by the sweep.
LOST_AFTER = timedelta(seconds=settings.TRAINING_TIME_LIMIT) + timedelta(minutes=5)
# A run still queued this long after it was started was never picked up by a training worker.
NEVER_PICKED_UP_AFTER = timedelta(hours=6)

IN_PROGRESS = (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING)


class RunInProgress(Exception):
    """A run is already queued or running: starting another would train the same data again."""

    def __init__(self, run: TrainingRun):
        self.run = run
        super().__init__(f"Training run {run.pk} is already {run.status}.")


class BrokerUnreachable(Exception):
    """The run's task could not be sent; the run is failed with this reason."""

    def __init__(self, run: TrainingRun, error: Exception):
        self.run, self.reason = run, f"could not reach the task broker: {error}"
        super().__init__(f"Training run {run.pk} failed: {self.reason}")


class CannotActivate(Exception):
    """The version's artifact cannot be served, so it is not activated."""


class NothingToTrainOn(Exception):
    """No course has an attempt of a learner outside the held-out share."""


# Failures that say all there is to say: logged as a line, where any other gets its traceback.
EXPECTED_FAILURES = (NothingToTrainOn, NonFiniteLossError, ArtifactError, SoftTimeLimitExceeded)


def new_run(trigger: str, requested_by=None, seed: int = 0) -> TrainingRun:
    """A queued run, unless one is queued or running already (RunInProgress, with that run)."""
    in_progress = TrainingRun.objects.filter(status__in=IN_PROGRESS).order_by("created_at", "pk").first()
    if in_progress is not None:
        raise RunInProgress(in_progress)
    return TrainingRun.objects.create(trigger=trigger, requested_by=requested_by, seed=seed)


def start_training_run(trigger: str, requested_by=None, seed: int = 0) -> TrainingRun:
    """Queue a meta-training run and send its task when the transaction commits; returns the run as it
    stands then (where tasks run in-process, it has already ended).

    Raises RunInProgress when a run is queued or running already, and BrokerUnreachable, once the run is
    failed with the reason, when the task broker cannot be reached. Called outside any transaction, so
    that its own commit sends the task (inside one, the broker's error would surface at the outer commit).
    """
    with transaction.atomic():
        run = new_run(trigger, requested_by, seed)
        transaction.on_commit(lambda: _send(run))
    run.refresh_from_db()
    return run


def _send(run: TrainingRun) -> None:
    from metamodel.tasks import meta_train as meta_train_task

    try:
        meta_train_task.delay(run.pk)
    except OperationalError as error:
        unsent = BrokerUnreachable(run, error)
        _fail(TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.QUEUED), unsent.reason)
        raise unsent from error


def stop_runs(runs: QuerySet[TrainingRun], reason: str) -> int:
    """Fail those of these runs that are queued or running, with the reason; returns how many.

    For a run stuck in progress: its process stopped (``train`` interrupted, the embedded server restarted
    mid-run) where no sweep runs, or a staff member who will not wait for the sweep
    (:func:`mark_runs_failed`). A worker still training it records nothing when it ends (:func:`_decide`
    finds the run failed and deletes the artifact it wrote), so a new run may start now."""
    return _fail(runs.filter(status__in=IN_PROGRESS), reason)


def can_mark_runs_failed(user: PermissionsMixin | AnonymousUser) -> bool:
    """Whether ``user`` may fail runs by hand: change_trainingrun, which superusers have and teachers do not.
    The admin's "Mark as failed" action and ``POST /api/v1/training-runs/{id}/fail/`` both ask this."""
    return user.has_perm("metamodel.change_trainingrun")


def mark_runs_failed(runs: QuerySet[TrainingRun], by: str) -> int:
    """Fail those of these runs that are queued or running on the word of the staff member named ``by``
    (the admin's "Mark as failed", the API's ``fail``), the result saying who; returns how many."""
    return stop_runs(runs, f"marked failed by {by}")


def _fail(runs: QuerySet[TrainingRun], reason: str) -> int:
    return runs.update(
        status=TrainingRun.Status.FAILED, finished_at=timezone.now(), result=f"failed: {reason}"
    )


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


def _claim(run_id: int, task_id: str) -> bool:
    """Take the run for this delivery: True for exactly one caller (a conditional update).

    A queued run is taken by the first message for it. A running one only by a redelivery of the message
    that took it (the same task id): its worker died mid-run, and nobody else runs it; after MAX_CLAIMS
    such deaths the run is failed instead. Any other message, or any message for a finished run, gets False.
    """
    claimable = Q(status=TrainingRun.Status.QUEUED)
    if task_id:
        claimable |= Q(status=TrainingRun.Status.RUNNING, task_id=task_id, claims__lt=MAX_CLAIMS)
    taken = TrainingRun.objects.filter(claimable, pk=run_id).update(
        status=TrainingRun.Status.RUNNING, started_at=timezone.now(), task_id=task_id, claims=F("claims") + 1
    )
    if not taken and task_id:
        _fail(
            TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.RUNNING, task_id=task_id),
            f"its worker was lost {MAX_CLAIMS} times while training it (out of memory?)",
        )
    return bool(taken)


def fail_abandoned_runs() -> int:
    """Fail the runs left running by a lost worker and those no worker picked up; returns how many."""
    now = timezone.now()
    lost = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING, started_at__lt=now - LOST_AFTER)
    unclaimed = TrainingRun.objects.filter(
        status=TrainingRun.Status.QUEUED, created_at__lt=now - NEVER_PICKED_UP_AFTER
    )
    failed = _fail(
        lost,
        f"worker lost or time limit passed (still running {LOST_AFTER.total_seconds():.0f} s after it "
        f"started; TRAINING_TIME_LIMIT is {settings.TRAINING_TIME_LIMIT} s)",
    )
    failed += _fail(
        unclaimed,
        f"never picked up in {NEVER_PICKED_UP_AFTER.total_seconds() / 3600:.0f} h: is a worker consuming "
        "the training queue?",
    )
    if failed:
        log.warning("failed %s abandoned training run(s)", failed)
    return failed


def _learner_keys() -> dict[str, str]:
    """What the held-out split hashes for an imported learner: their external id, which the same log
    imported into any database gives them. A learner with an account is hashed by their id."""
    imported = Learner.objects.filter(external_id__isnull=False).values_list("pk", "external_id")
    return {str(pk): external_id for pk, external_id in imported}


def _is_validation(course: str, learner: str) -> bool:
    digest = hashlib.sha256(f"{course}:{learner}".encode()).hexdigest()
    return int(digest, 16) % VALIDATION_SHARE == 0


def _split(logs: list[tuple[str, list[AttemptRecord]]]):
    keys = _learner_keys()
    train, validation = [], []
    for course, records in logs:
        learners = {r.learner for r in records}  # hashed once each, not once per attempt
        held = {learner for learner in learners if _is_validation(course, keys.get(learner, learner))}
        held_out = [r for r in records if r.learner in held]
        kept = [r for r in records if r.learner not in held]
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


def _better(candidate: dict, baseline: dict, label: str = "active") -> tuple[bool, str]:
    """Compare on AUC, or on log loss when AUC is undefined (one class only in validation): the candidate
    wins only when better by more than MIN_GAIN."""
    for name, higher_is_better in (("auc", True), ("log_loss", False)):
        new, old = candidate.get(name), baseline.get(name)
        if new is None or old is None or not (math.isfinite(new) and math.isfinite(old)):
            continue
        gain = new - old if higher_is_better else old - new
        comparison = f"{name} {new:.4f} vs {label} {old:.4f} on the same held-out learners"
        if gain > MIN_GAIN:
            return True, comparison
        return False, f"{comparison}, not better by more than {MIN_GAIN}"
    return False, "no comparable metric on the held-out learners"


@lru_cache(maxsize=4)
def _load(pk: int, path: Path, sha256: str) -> TrainedModel:
    return load_artifact(path, sha256)


def artifact_path(version: ModelVersion) -> Path:
    """Where the version's artifact lies: its file name in MODEL_ARTIFACT_DIR, so that the folder can move
    with its database (a backup restored elsewhere, a volume mounted at another place)."""
    return Path(settings.MODEL_ARTIFACT_DIR) / version.artifact


def load_version(version: ModelVersion) -> TrainedModel:
    """The version's model, verified against its SHA-256 and cached per process."""
    return _load(version.pk, artifact_path(version), version.sha256)


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


# What artifact_problem found for a file as it was (path, SHA-256 expected, modification time, size).
_checked_artifacts: dict[tuple[str, str, int, int], str | None] = {}


def artifact_problem(version: ModelVersion) -> str | None:
    """Why the version's artifact cannot be served (None when it loads), verified as serving verifies it.

    The file as it is now, outside the serving cache: a process that loaded it before it broke would hide
    what every process started since meets, and checking a page of old versions must not push out the
    model learners are served. A file is read and loaded once while it stays as it was (the same
    modification time and size), so the admin's pages check each version with one stat."""
    if version.pruned_at is not None:
        return f"its artifact was deleted to free space on {version.pruned_at:%Y-%m-%d} (prune_artifacts)"
    path = artifact_path(version)
    try:
        stat = path.stat()
    except OSError as error:
        return f"cannot read {path}: {error}"
    key = (str(path), version.sha256, stat.st_mtime_ns, stat.st_size)
    if key not in _checked_artifacts:
        try:
            load_artifact(path, version.sha256)
            _checked_artifacts[key] = None
        except ArtifactError as error:
            _checked_artifacts[key] = str(error)
    return _checked_artifacts[key]


def _progress_follows_the_model() -> None:
    """The progress pages show mastery as the engine judges it, and a new model judges anew: every enrolled
    learner's progress is rebuilt once the change of version is committed."""
    from learners.tasks import update_skill_progress  # learners.tasks -> metamodel.services -> here

    enqueue_all_on_commit(update_skill_progress, Enrollment.objects.values_list("learner_id", "course_id"))


def activate_version(version_id: int, by: str) -> ModelVersion:
    """Serve this version (a rollback, or overruling a rejection): once its artifact has loaded, the active
    version is retired and this one activated in one transaction. CannotActivate when it does not load.

    Both keep their reason (why training promoted or rejected them), each with a line added that says what
    ``by`` (a staff member's name) did by hand and when: "activated by hand by NAME on DATE UTC in place of
    vN" and "replaced by hand by NAME on DATE UTC with vM"."""
    version = ModelVersion.objects.get(pk=version_id)
    if (problem := artifact_problem(version)) is not None:
        raise CannotActivate(f"{version} cannot be activated: its artifact is unusable ({problem}).")
    with transaction.atomic():
        # Locked, so that a pruning of its artifact either comes first and is seen here, or waits (and so
        # that the reason extended is the one stored now).
        chosen = ModelVersion.objects.select_for_update().filter(pk=version.pk, pruned_at=None).first()
        if chosen is None:
            raise CannotActivate(f"{version} cannot be activated: its artifact was deleted to free space.")
        current = ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE).first()
        if current is not None and current.pk == chosen.pk:
            return current
        now = timezone.now()
        done = f"by hand by {by} on {now:%Y-%m-%d %H:%M} UTC"
        if current is not None:
            current.status = ModelVersion.Status.RETIRED
            current.reason = _with_line(current.reason, f"replaced {done} with v{chosen.pk}")
            current.save(update_fields=["status", "reason"])
        chosen.status, chosen.activated_at = ModelVersion.Status.ACTIVE, now
        in_place = f" in place of v{current.pk}" if current else ""
        chosen.reason = _with_line(chosen.reason, f"activated {done}{in_place}")
        chosen.save(update_fields=["status", "activated_at", "reason"])
        _progress_follows_the_model()
    return chosen


def _with_line(reason: str, line: str) -> str:
    return f"{reason}\n{line}" if reason else line


# A temporary file of a run's artifact still there this long after it was written was left by a lost worker.
STALE_TEMPORARY_FILE_AFTER = LOST_AFTER


def prune_artifacts(keep: int, dry_run: bool = False) -> tuple[list[ModelVersion], int]:
    """Delete the artifacts of old versions to free their space: all but the active version's and those of
    the ``keep`` latest others (to roll back to), and temporary files that lost workers left behind.

    The versions stay, with their metrics and history, marked as pruned (they can no longer be activated).
    A file that a kept version also names (the same seed and data give the same weights, so the same file)
    stays. Files are deleted once the marks are committed. Returns the versions pruned (or, with
    ``dry_run``, that would be) and the bytes freed.
    """
    folder = Path(settings.MODEL_ARTIFACT_DIR)
    with transaction.atomic():
        pruned = list(
            ModelVersion.objects.select_for_update()
            .filter(pruned_at=None)
            .exclude(status__in=[ModelVersion.Status.ACTIVE, ModelVersion.Status.CANDIDATE])
            .order_by("-created_at", "-id")[keep:]
        )
        kept = ModelVersion.objects.filter(pruned_at=None).exclude(pk__in=[v.pk for v in pruned])
        still_named = {artifact_path(version).resolve() for version in kept}
        files = {path for path in (artifact_path(v).resolve() for v in pruned) if path not in still_named}
        cutoff = (timezone.now() - STALE_TEMPORARY_FILE_AFTER).timestamp()
        # A run's file before its rename, and save_artifact's temporary file (its worker killed mid-write).
        left = [*folder.glob(".run*.pt"), *folder.glob("..run*.pt.*.tmp")]
        files |= {path for path in left if _modified(path) < cutoff}
        freed = sum(path.stat().st_size for path in files if path.is_file())
        if not dry_run:
            ModelVersion.objects.filter(pk__in=[v.pk for v in pruned]).update(pruned_at=timezone.now())
            transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in files])
    return pruned, freed


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # deleted since it was listed
        return math.inf


def run_training(run_id: int, config: MetaConfig | None = None, task_id: str = "") -> ModelVersion | None:
    """Meta-train on every course's attempts, evaluate, and promote or reject the candidate.

    ``task_id`` is the task message's id (empty in-process): a redelivery of the message that claimed the
    run may claim it again. Returns None when the run is gone or claimed by another message, or when a
    scheduled run finds the data unchanged since the active version, still usable, was trained (it is
    skipped). Non-finite losses, an unusable artifact, the time limit or any other error fail the run with
    the reason, leaving the active version alone.
    """
    if not _claim(run_id, task_id):
        return None
    run = TrainingRun.objects.get(pk=run_id)
    try:
        logs = list(course_logs())
        texts = exercise_texts()
        run.data_fingerprint = fingerprint(logs, texts)
        run.attempts_used = sum(len(records) for _, records in logs)
        run.data_summary = data_summary(logs)
        run.save(update_fields=["data_fingerprint", "attempts_used", "data_summary"])
        parent = active_version()
        # An active version that cannot be served (broken, or of an earlier artifact format) is retrained.
        unchanged = parent and parent.data_fingerprint == run.data_fingerprint
        if run.trigger == "schedule" and unchanged and artifact_problem(parent) is None:
            TrainingRun.objects.filter(pk=run_id).update(
                status=TrainingRun.Status.SUCCEEDED,
                outcome=TrainingRun.Outcome.SKIPPED,
                finished_at=timezone.now(),
                result=f"skipped: no new attempts or exercise texts since {parent} was trained",
            )
            return None
        train, validation = _split(logs)
        if not train:
            raise NothingToTrainOn("there are no attempts to train on")
        with deterministic_torch():
            model = meta_train(train, config=config, seed=run.seed, log=log.info, texts=texts)
        # Content-addressed: the file is named by its SHA-256, so no two runs can overwrite each other's
        # artifact (a folder belongs to one database: pruning deletes what none of its versions keep).
        written = Path(settings.MODEL_ARTIFACT_DIR) / f".run{run.pk}-{uuid.uuid4().hex}.pt"
        sha256 = save_artifact(model, written)
        path = written.with_name(f"{sha256}.pt")
        os.replace(written, path)
        load_artifact(path, sha256)  # verify what was written before anyone relies on it
        candidate = ModelVersion(
            training_run=run,
            parent=parent,
            artifact=path.name,
            sha256=sha256,
            format_version=FORMAT_VERSION,
            data_fingerprint=run.data_fingerprint,
            metrics=validation_metrics(model, validation, texts),
        )
        return _decide(candidate, validation, texts)
    except Exception as error:
        reason = str(error)
        if isinstance(error, SoftTimeLimitExceeded):
            reason = f"time limit of {settings.TRAINING_TIME_LIMIT} s (TRAINING_TIME_LIMIT) exceeded"
        if isinstance(error, EXPECTED_FAILURES):
            log.warning("training run %s failed: %s", run_id, reason)
        else:
            log.exception("training run %s failed", run_id)
        _fail(TrainingRun.objects.filter(pk=run_id), reason)
    return None


def _held_out_shortfall(validation: list[tuple[str, list[AttemptRecord]]]) -> str | None:
    """Why the held-out learners are too few to decide on (None when they are enough)."""
    answers = sum(len(records) for _, records in validation)
    learners = len({(course, r.learner) for course, records in validation for r in records})
    if answers >= MIN_HELD_OUT_ANSWERS and learners >= MIN_HELD_OUT_LEARNERS:
        return None
    return (
        f"too little held-out evidence: {answers} answers of {learners} learners, where promotion needs "
        f"at least {MIN_HELD_OUT_ANSWERS} answers of {MIN_HELD_OUT_LEARNERS} learners"
    )


@transaction.atomic
def _decide(candidate: ModelVersion, validation: list, texts: dict[str, str]) -> ModelVersion | None:
    """Store the candidate promoted or rejected, with the reason, in one transaction (a worker lost
    before the end leaves no version behind); nothing when its run was failed meanwhile.

    It is compared with the active version, or, when none is active but one was, with the most recently
    active one: only a platform that never had a model takes a candidate without comparison.
    """
    run = candidate.training_run
    if (
        not TrainingRun.objects.select_for_update()
        .filter(pk=run.pk, status=TrainingRun.Status.RUNNING)
        .exists()
    ):
        # Failed meanwhile (stopped in the admin, or by the sweep): what it trained is not recorded.
        log.warning("training run %s was failed while it trained; its candidate is discarded", run.pk)
        _delete_discarded_artifact(candidate)
        return None
    current = ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE).first()
    baseline = current or ModelVersion.objects.exclude(activated_at=None).order_by("-activated_at").first()
    if (shortfall := _held_out_shortfall(validation)) is not None:
        wins, reason = False, shortfall
    elif baseline is None:
        wins, reason = True, "no active version yet"
    else:
        label = "active" if current else f"last active (v{baseline.pk})"
        try:
            figures = validation_metrics(load_version(baseline), validation, texts)
            wins, reason = _better(candidate.metrics, figures, label)
        except ArtifactError as error:
            wins, reason = True, f"the {label} version's artifact is unusable ({error})"
    now = timezone.now()
    if wins:
        if current is not None:
            ModelVersion.objects.filter(pk=current.pk).update(status=ModelVersion.Status.RETIRED)
        candidate.status, candidate.activated_at = ModelVersion.Status.ACTIVE, now
        run.outcome = TrainingRun.Outcome.PROMOTED
        _progress_follows_the_model()
    else:
        candidate.status = ModelVersion.Status.REJECTED
        run.outcome = TrainingRun.Outcome.REJECTED
    candidate.reason = run.result = f"{run.outcome}: {reason}"
    candidate.save()
    run.status, run.finished_at = TrainingRun.Status.SUCCEEDED, now
    run.save(update_fields=["status", "outcome", "finished_at", "result"])
    return candidate


def _delete_discarded_artifact(candidate: ModelVersion) -> None:
    """Delete the file a discarded candidate wrote: no version names it, so pruning never would. The file
    is named by its content, so a version (not pruned) with the same SHA-256 names the same file: it stays."""
    if not ModelVersion.objects.filter(sha256=candidate.sha256, pruned_at=None).exists():
        artifact_path(candidate).unlink(missing_ok=True)
