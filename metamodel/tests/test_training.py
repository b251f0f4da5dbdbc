"""Training runs end in a promoted or rejected version, never in a half-written or unverified one."""

import hashlib
import io
from datetime import timedelta

import pytest
import torch
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from conftest import train_on_simulated_learners
from learners.models import Attempt
from learners.services import enroll, learner_for
from metamodel.histories import course_graph
from metamodel.ml.artifact import FORMAT_VERSION
from metamodel.ml.model import MetaConfig
from metamodel.models import ModelVersion, TrainingRun
from metamodel.services import recommend_next
from metamodel.training import (
    LOST_AFTER,
    MAX_CLAIMS,
    MIN_GAIN,
    MIN_HELD_OUT_ANSWERS,
    MIN_HELD_OUT_LEARNERS,
    _better,
    active_version,
    artifact_path,
    load_version,
    run_training,
)

pytestmark = pytest.mark.django_db


def test_the_first_run_is_promoted_with_its_validation_metrics(course):
    run = train_on_simulated_learners()
    version = run.model_version
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert run.result == "promoted: no active version yet"
    assert version.status == ModelVersion.Status.ACTIVE
    assert 0.5 < version.metrics["auc"] <= 1 and version.metrics["n"] > 0
    assert artifact_path(version).is_file() and len(version.sha256) == 64
    assert run.attempts_used == 40 * 30 and len(run.data_fingerprint) == 64


def test_the_served_model_knows_the_exercises_and_skills_it_was_trained_on(course):
    """The keys the platform predicts with are the keys the model learned its parameters under, so a
    practised exercise is scored with its own difficulty, not as an exercise the model has never seen."""
    model = load_version(train_on_simulated_learners().model_version)
    graph = course_graph(course)
    practised = set(Attempt.objects.filter(course=course).values_list("exercise_id", flat=True))
    keys = [c.exercise for c, e in zip(graph.candidates, graph.exercises, strict=True) if e.id in practised]
    assert keys and all(key in model.vocabulary.exercises for key in keys)
    assert {k for c in graph.candidates for k in c.skills} <= model.vocabulary.skills.keys()


def test_a_candidate_that_does_not_beat_the_active_version_is_rejected_with_the_reason(course):
    first = train_on_simulated_learners().model_version
    again = TrainingRun.objects.create(trigger="manual", seed=0)
    second = run_training(again.pk)
    # Same seed, same data: the same weights, so no better on the same held-out learners.
    weights = load_version(first).net.state_dict()
    again_weights = load_version(second).net.state_dict()
    assert all(torch.equal(weights[name], again_weights[name]) for name in weights)
    assert second.status == ModelVersion.Status.REJECTED
    assert second.reason.startswith("rejected: auc ") and "on the same held-out learners" in second.reason
    first.refresh_from_db()
    assert first.status == ModelVersion.Status.ACTIVE


def test_a_redelivered_message_does_not_train_twice(course):
    run = train_on_simulated_learners()
    assert run_training(run.pk) is None
    assert ModelVersion.objects.count() == 1


def test_a_non_finite_loss_fails_the_run_and_keeps_the_active_version(course):
    active = train_on_simulated_learners().model_version
    run = TrainingRun.objects.create(trigger="manual")
    assert run_training(run.pk, config=MetaConfig(learning_rate=float("inf"))) is None
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and run.result.startswith("failed: ")
    active.refresh_from_db()
    assert active.status == ModelVersion.Status.ACTIVE


def test_a_run_without_attempts_fails_with_a_reason(course):
    run = TrainingRun.objects.create(trigger="manual")
    run_training(run.pk)
    run.refresh_from_db()
    assert (run.status, run.result) == (
        TrainingRun.Status.FAILED,
        "failed: there are no attempts to train on",
    )
    assert not ModelVersion.objects.exists()


def test_a_corrupt_artifact_is_refused(course):
    from metamodel.ml.artifact import ArtifactError

    version = train_on_simulated_learners().model_version
    path = artifact_path(version)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ArtifactError, match="SHA-256"):
        load_version(ModelVersion.objects.get(pk=version.pk))


def test_the_nightly_run_skips_when_nothing_changed(course):
    active = train_on_simulated_learners().model_version
    nightly = TrainingRun.objects.create(trigger="schedule")
    assert run_training(nightly.pk) is None
    nightly.refresh_from_db()
    assert nightly.status == TrainingRun.Status.SUCCEEDED
    assert nightly.result == f"skipped: no new attempts or exercise texts since {active} was trained"
    assert ModelVersion.objects.count() == 1


def test_the_nightly_run_trains_again_when_an_exercise_text_changed(course):
    """The model reads the prompts (its text-transfer term), so a reworded exercise is new training data."""
    active = train_on_simulated_learners().model_version
    course.exercises.filter(key="add-1").update(prompt="What is two plus two?")
    nightly = TrainingRun.objects.create(trigger="schedule")
    version = run_training(nightly.pk)
    assert version is not None and version.data_fingerprint != active.data_fingerprint


def test_the_nightly_run_replaces_a_version_of_an_earlier_artifact_format(course):
    """After an upgrade that changed the artifact format the active version cannot be loaded; the nightly
    run trains a new one even though no attempt changed, so the platform does not stay on the rule."""
    active = train_on_simulated_learners().model_version
    payload = torch.load(artifact_path(active), weights_only=True)
    payload["format_version"] = FORMAT_VERSION - 1
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    artifact_path(active).write_bytes(buffer.getvalue())
    sha256 = hashlib.sha256(buffer.getvalue()).hexdigest()
    ModelVersion.objects.filter(pk=active.pk).update(format_version=FORMAT_VERSION - 1, sha256=sha256)
    nightly = TrainingRun.objects.create(trigger="schedule")
    version = run_training(nightly.pk)
    assert version is not None and version.status == ModelVersion.Status.ACTIVE
    assert version.format_version == FORMAT_VERSION
    assert "the active version's artifact is unusable" in version.reason
    assert ModelVersion.objects.get(pk=active.pk).status == ModelVersion.Status.RETIRED


def test_a_redelivery_of_the_message_that_claimed_a_run_trains_it_after_its_worker_died(course):
    from metamodel.tasks import meta_train

    call_command("simulate_histories", "--course", "arithmetic", "--learners", "40", "--steps", "30")
    run = TrainingRun.objects.create(trigger="api")
    # What a worker that died mid-run leaves: the run claimed by its message, still "running".
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingRun.Status.RUNNING, task_id="message-1", claims=1, started_at=timezone.now()
    )
    # Another message for the same run (someone else's) does not take it from the message that claimed it.
    assert meta_train.apply(args=(run.pk,), task_id="message-2").get() is None
    assert TrainingRun.objects.get(pk=run.pk).status == TrainingRun.Status.RUNNING
    # The broker redelivers the claiming message (acks_late, reject_on_worker_lost): it trains the run.
    version_id = meta_train.apply(args=(run.pk,), task_id="message-1").get()
    run.refresh_from_db()
    assert (run.status, run.outcome, run.model_version.pk) == ("succeeded", "promoted", version_id)
    assert ModelVersion.objects.get(pk=version_id).status == ModelVersion.Status.ACTIVE


def test_a_run_whose_worker_keeps_dying_is_failed_rather_than_trained_again_and_again(course):
    """A worker killed for its memory dies at the same point on every redelivery of the message."""
    from metamodel.tasks import meta_train

    run = TrainingRun.objects.create(trigger="api")
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingRun.Status.RUNNING, task_id="message-1", claims=MAX_CLAIMS, started_at=timezone.now()
    )
    assert meta_train.apply(args=(run.pk,), task_id="message-1").get() is None
    run.refresh_from_db()
    assert (run.status, run.result) == (
        TrainingRun.Status.FAILED,
        f"failed: its worker was lost {MAX_CLAIMS} times while training it (out of memory?)",
    )


def test_the_sweep_fails_runs_whose_worker_was_lost_and_runs_no_worker_picked_up(course):
    from metamodel.tasks import meta_train, sweep_training_runs

    now = timezone.now()
    lost, training, unclaimed, waiting = (TrainingRun.objects.create(trigger="api") for _ in range(4))
    TrainingRun.objects.filter(pk=lost.pk).update(
        status="running", task_id="message-1", started_at=now - LOST_AFTER - timedelta(minutes=1)
    )
    TrainingRun.objects.filter(pk=training.pk).update(
        status="running", started_at=now - timedelta(minutes=20)
    )
    TrainingRun.objects.filter(pk=unclaimed.pk).update(created_at=now - timedelta(hours=7))
    TrainingRun.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(hours=1))
    assert sweep_training_runs.delay().get() == 2
    lost.refresh_from_db()
    assert lost.status == TrainingRun.Status.FAILED
    assert lost.result.startswith("failed: worker lost or time limit passed (still running ")
    assert f"TRAINING_TIME_LIMIT is {settings.TRAINING_TIME_LIMIT} s" in lost.result
    unclaimed.refresh_from_db()
    assert (unclaimed.status, unclaimed.result) == (
        TrainingRun.Status.FAILED,
        "failed: never picked up in 6 h: is a worker consuming the training queue?",
    )
    assert TrainingRun.objects.get(pk=training.pk).status == TrainingRun.Status.RUNNING
    assert TrainingRun.objects.get(pk=waiting.pk).status == TrainingRun.Status.QUEUED
    # The lost run's message, delivered once the broker gives it back, finds the run over: nothing trains.
    assert meta_train.apply(args=(lost.pk,), task_id="message-1").get() is None
    assert TrainingRun.objects.get(pk=lost.pk).status == TrainingRun.Status.FAILED
    assert not ModelVersion.objects.exists()


def test_a_first_run_on_a_handful_of_attempts_is_not_promoted(course, student):
    """Six attempts: nobody is held out, so nothing says the model beats the rule; learners keep the rule."""
    call_command("simulate_histories", "--course", "arithmetic", "--learners", "1", "--steps", "6")
    run = TrainingRun.objects.create(trigger="manual")
    version = run_training(run.pk)
    run.refresh_from_db()
    assert (run.status, run.outcome) == (TrainingRun.Status.SUCCEEDED, TrainingRun.Outcome.REJECTED)
    assert run.result == (
        "rejected: too little held-out evidence: 0 answers of 0 learners, where promotion needs at least "
        f"{MIN_HELD_OUT_ANSWERS} answers of {MIN_HELD_OUT_LEARNERS} learners"
    )
    assert version.status == ModelVersion.Status.REJECTED and active_version() is None
    learner = learner_for(student)
    enroll(learner, course)
    assert recommend_next(learner, course).policy == "rule"


def test_the_same_simulated_learners_are_held_out_in_every_database(course):
    """The held-out share is chosen by imported learners' external ids, not database ids: the same
    simulated learners give the same held-out set in every database, enough to promote on."""
    run = train_on_simulated_learners()
    assert run.outcome == TrainingRun.Outcome.PROMOTED
    assert run.model_version.metrics["n"] == 8 * 30 >= MIN_HELD_OUT_ANSWERS


@pytest.mark.parametrize(
    ("candidate", "active", "wins", "reason"),
    [
        ({"auc": 0.7320}, {"auc": 0.7300}, True, "auc 0.7320 vs active 0.7300 on the same held-out learners"),
        (
            {"auc": 0.7305},
            {"auc": 0.7300},
            False,
            f"auc 0.7305 vs active 0.7300 on the same held-out learners, not better by more than {MIN_GAIN}",
        ),
        ({"auc": None, "log_loss": 0.50}, {"auc": 0.7, "log_loss": 0.52}, True, "log_loss 0.5000 vs active"),
        ({"auc": None, "log_loss": 0.5195}, {"auc": 0.7, "log_loss": 0.52}, False, "not better by more"),
        ({}, {"auc": 0.7}, False, "no comparable metric on the held-out learners"),
    ],
)
def test_a_candidate_replaces_a_version_only_when_better_by_more_than_the_margin(
    candidate, active, wins, reason
):
    decided, said = _better(candidate, active)
    assert decided is wins and reason in said


def test_without_an_active_version_a_candidate_must_beat_the_last_active_one(course):
    """Only a platform that never had a model takes a candidate without comparison."""
    first = train_on_simulated_learners().model_version
    ModelVersion.objects.filter(pk=first.pk).update(status=ModelVersion.Status.RETIRED)
    again = run_training(TrainingRun.objects.create(trigger="manual").pk)  # the same weights: no better
    assert again.status == ModelVersion.Status.REJECTED
    assert again.reason.startswith(f"rejected: auc {first.metrics['auc']:.4f} vs last active (v{first.pk}) ")
    assert active_version() is None


def test_the_nightly_run_trains_again_when_the_active_artifact_is_broken(course):
    """Unchanged data is no reason to skip when learners are getting the rule for want of a usable model."""
    active = train_on_simulated_learners().model_version
    artifact_path(active).write_bytes(artifact_path(active).read_bytes()[:100])
    nightly = TrainingRun.objects.create(trigger="schedule")
    version = run_training(nightly.pk)
    assert version is not None and version.status == ModelVersion.Status.ACTIVE
    assert version.reason.startswith("promoted: the active version's artifact is unusable (")


def test_the_schedule_is_in_the_database_for_beat_and_the_admin(db):
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    nightly = PeriodicTask.objects.get(name="nightly-meta-training")
    assert (nightly.crontab.hour, nightly.crontab.minute, str(nightly.crontab.timezone)) == ("3", "0", "UTC")
    sweep = PeriodicTask.objects.get(name="training-run-sweep")
    assert (sweep.interval.every, sweep.interval.period) == (10, "minutes")
    pruning = PeriodicTask.objects.get(name="model-artifact-pruning")
    assert (pruning.crontab.hour, pruning.crontab.minute, str(pruning.crontab.timezone)) == ("4", "30", "UTC")
    app.loader.import_default_modules()
    assert {nightly.task, sweep.task, pruning.task} <= set(app.tasks)
    # Settings no longer hold a schedule that beat would write over the admin's edits at each start.
    assert not app.conf.beat_schedule
