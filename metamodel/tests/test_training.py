"""Training runs end in a promoted or rejected version, never in a half-written or unverified one."""

import hashlib
import io
from pathlib import Path

import pytest
import torch

from conftest import train_on_simulated_learners
from learners.models import Attempt
from metamodel.histories import course_graph
from metamodel.ml.artifact import FORMAT_VERSION
from metamodel.ml.model import MetaConfig
from metamodel.models import ModelVersion, TrainingRun
from metamodel.training import load_version, run_training

pytestmark = pytest.mark.django_db


def test_the_first_run_is_promoted_with_its_validation_metrics(course):
    run = train_on_simulated_learners()
    version = run.model_version
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert run.result == "promoted: no active version yet"
    assert version.status == ModelVersion.Status.ACTIVE
    assert 0.5 < version.metrics["auc"] <= 1 and version.metrics["n"] > 0
    assert Path(version.artifact).is_file() and len(version.sha256) == 64
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
    path = Path(version.artifact)
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
    payload = torch.load(active.artifact, weights_only=True)
    payload["format_version"] = FORMAT_VERSION - 1
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    Path(active.artifact).write_bytes(buffer.getvalue())
    sha256 = hashlib.sha256(buffer.getvalue()).hexdigest()
    ModelVersion.objects.filter(pk=active.pk).update(format_version=FORMAT_VERSION - 1, sha256=sha256)
    nightly = TrainingRun.objects.create(trigger="schedule")
    version = run_training(nightly.pk)
    assert version is not None and version.status == ModelVersion.Status.ACTIVE
    assert version.format_version == FORMAT_VERSION
    assert "the active version's artifact is unusable" in version.reason
    assert ModelVersion.objects.get(pk=active.pk).status == ModelVersion.Status.RETIRED
