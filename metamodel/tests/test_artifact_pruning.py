"""Old model versions' artifacts are deleted to free space, never the active one's nor those kept to roll back
to; versions name their artifact within MODEL_ARTIFACT_DIR, so the folder can move with its database."""

import io
import os
import shutil
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import client_for, train_on_simulated_learners
from learners.services import enroll, learner_for
from metamodel.models import ModelVersion, TrainingRun
from metamodel.services import recommend_next
from metamodel.tasks import prune_model_artifacts
from metamodel.training import active_version, artifact_path, artifact_problem, run_training

# Files are deleted once the marks are committed: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def prune(*args: str) -> str:
    out = io.StringIO()
    call_command("prune_artifacts", *args, stdout=out)
    return out.getvalue()


def train_again(seed: int) -> ModelVersion:
    return run_training(TrainingRun.objects.create(trigger="manual", seed=seed).pk)


def test_old_versions_lose_their_artifacts_and_stay_listed(course, admin_user, student):
    train_on_simulated_learners()
    train_again(seed=1), train_again(seed=2)
    active = active_version()
    newer, older = ModelVersion.objects.exclude(pk=active.pk).order_by("-created_at", "-id")
    megabytes = f"{artifact_path(older).stat().st_size / 1e6:.1f} MB"

    said = prune("--keep", "1", "--dry-run")
    assert said.startswith(f"Would delete {megabytes}: the artifacts of 1 model versions (v{older.pk})")
    assert artifact_path(older).is_file()

    said = prune("--keep", "1")
    assert said.startswith(f"Deleted {megabytes}: the artifacts of 1 model versions (v{older.pk})")
    assert not artifact_path(older).exists()
    assert artifact_path(active).is_file() and artifact_path(newer).is_file()
    older.refresh_from_db()
    assert older.pruned_at is not None and older.metrics  # still listed, with its figures
    assert prune("--keep", "1").startswith("Deleted 0.0 MB: the artifacts of 0 model versions (none)")

    # It can no longer be rolled back to; the one kept can; learners keep the active version.
    refused = client_for(admin_user).post(f"/api/v1/model-versions/{older.pk}/activate/")
    assert refused.status_code == 409
    assert "its artifact was deleted to free space on " in refused.json()["detail"]
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/admin/metamodel/modelversion/").content.decode()
    assert "unusable: its artifact was deleted to free space on " in page
    learner = learner_for(student)
    enroll(learner, course)
    assert recommend_next(learner, course).model_version_id == active.pk
    assert client_for(admin_user).post(f"/api/v1/model-versions/{newer.pk}/activate/").status_code == 200


def test_a_file_that_a_kept_version_also_names_stays(course, settings):
    first = train_on_simulated_learners().model_version
    # A version whose artifact has the same bytes (so the same content-addressed file) as the active one's.
    twin = ModelVersion.objects.create(
        status=ModelVersion.Status.REJECTED,
        artifact=first.artifact,
        sha256=first.sha256,
        format_version=first.format_version,
        data_fingerprint=first.data_fingerprint,
    )
    settings.MODEL_ARTIFACTS_KEPT = 0
    assert prune_model_artifacts() == 1  # beat's daily task
    twin.refresh_from_db()
    assert twin.pruned_at is not None
    assert artifact_problem(ModelVersion.objects.get(pk=first.pk)) is None


def test_files_that_lost_runs_left_are_deleted_once_no_run_can_be_writing_them(db, settings):
    folder = settings.MODEL_ARTIFACT_DIR
    folder.mkdir(parents=True)
    stale, fresh = folder / ".run7-0a1b.pt", folder / ".run8-2c3d.pt"
    half_written = folder / "..run9-4e5f.pt.k2j3x8.tmp"  # save_artifact's temporary file, its worker killed
    stale.write_bytes(b"x" * 2_000_000)
    half_written.write_bytes(b"z" * 1_000_000)
    fresh.write_bytes(b"y" * 1_000)
    two_days_ago = time.time() - 2 * 86_400
    for old in (stale, half_written):
        os.utime(old, (two_days_ago, two_days_ago))
    assert prune().startswith("Deleted 3.0 MB: the artifacts of 0 model versions")
    assert not stale.exists() and not half_written.exists() and fresh.exists()


def test_the_artifact_folder_can_move_with_its_database(course, settings, tmp_path, student):
    version = train_on_simulated_learners().model_version
    assert "/" not in version.artifact
    moved = tmp_path / "restored-elsewhere"
    shutil.move(settings.MODEL_ARTIFACT_DIR, moved)
    settings.MODEL_ARTIFACT_DIR = moved
    assert artifact_problem(version) is None
    learner = learner_for(student)
    enroll(learner, course)
    assert recommend_next(learner, course).model_version_id == version.pk


def test_a_version_stored_with_its_whole_path_is_still_served(course, student):
    version = train_on_simulated_learners().model_version
    ModelVersion.objects.filter(pk=version.pk).update(artifact=str(artifact_path(version)))
    learner = learner_for(student)
    enroll(learner, course)
    assert recommend_next(learner, course).model_version_id == version.pk


def test_a_negative_number_to_keep_is_a_clear_error(db):
    with pytest.raises(CommandError, match="--keep must be 0 or more, not -1"):
        prune("--keep", "-1")
