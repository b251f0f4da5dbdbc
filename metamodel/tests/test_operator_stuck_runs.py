"""A run whose process was stopped halfway: the administrator gets out of it; `train` does not leave one."""

import signal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from conftest import client_for
from courses.tests.factories import UserFactory
from metamodel import training
from metamodel.models import ModelVersion, TrainingRun
from metamodel.training import run_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_run_left_running_is_marked_failed_in_the_admin_and_a_new_run_starts(course, admin_user):
    # The embedded server restarted while it trained: no sweep will ever fail it.
    stuck = TrainingRun.objects.create(trigger="admin", status=TrainingRun.Status.RUNNING)
    client = admin_client(admin_user)
    page = client.post("/admin/metamodel/trainingrun/start/", follow=True).content.decode()
    assert f"Training run {stuck.pk} is already running." in page
    assert "Mark as failed" in page  # what to do about it
    changelist = "/admin/metamodel/trainingrun/"
    assert 'value="mark_failed"' in client.get(changelist).content.decode()
    page = client.post(
        changelist, {"action": "mark_failed", "_selected_action": [stuck.pk]}, follow=True
    ).content.decode()
    assert "1 training run marked failed; a new run can be started." in page
    stuck.refresh_from_db()
    assert (stuck.status, stuck.result) == (TrainingRun.Status.FAILED, "failed: marked failed by root")
    assert stuck.finished_at is not None
    response = client_for(admin_user).post("/api/v1/training-runs/", {}, format="json")
    assert response.status_code == 202
    # A finished run is left as it was.
    page = client.post(
        changelist, {"action": "mark_failed", "_selected_action": [stuck.pk]}, follow=True
    ).content.decode()
    assert "None of the selected runs is queued or running: nothing changed." in page


def test_teachers_cannot_mark_runs_failed(course, teacher):
    run = TrainingRun.objects.create(trigger="admin", status=TrainingRun.Status.RUNNING)
    client = admin_client(teacher)
    page = client.get("/admin/metamodel/trainingrun/")
    assert 'value="mark_failed"' not in page.content.decode()
    client.post("/admin/metamodel/trainingrun/", {"action": "mark_failed", "_selected_action": [run.pk]})
    assert TrainingRun.objects.get(pk=run.pk).status == TrainingRun.Status.RUNNING


def test_a_run_marked_failed_while_it_trains_records_no_version(course, monkeypatch):
    from conftest import train_on_simulated_learners

    train_on_simulated_learners()
    run = TrainingRun.objects.create(trigger="manual", seed=1)
    real = training.meta_train

    def marked_failed_meanwhile(*args, **kwargs):
        model = real(*args, **kwargs)
        training.stop_runs(TrainingRun.objects.filter(pk=run.pk), "marked failed by root")
        return model

    monkeypatch.setattr(training, "meta_train", marked_failed_meanwhile)
    assert run_training(run.pk) is None
    run.refresh_from_db()
    assert (run.status, run.outcome, run.result) == ("failed", "", "failed: marked failed by root")
    assert not ModelVersion.objects.filter(training_run=run).exists()
    assert ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).count() == 1


def interrupted_by(how):
    def run_training(run_id: int, **kwargs) -> None:
        TrainingRun.objects.filter(pk=run_id).update(status=TrainingRun.Status.RUNNING)
        how()

    return run_training


def ctrl_c() -> None:
    raise KeyboardInterrupt


def sigterm() -> None:
    handler = signal.getsignal(signal.SIGTERM)
    assert callable(handler), "SIGTERM would end the command with its run left running"
    handler(signal.SIGTERM, None)


@pytest.mark.parametrize(("how", "words"), [(ctrl_c, "Ctrl-C"), (sigterm, "SIGTERM")])
def test_train_stopped_halfway_fails_its_run(course, monkeypatch, how, words):
    monkeypatch.setattr("metamodel.management.commands.train.run_training", interrupted_by(how))
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(CommandError, match=rf"failed: stopped \({words}\) before it ended"):
        call_command("train")
    run = TrainingRun.objects.get()
    assert (run.status, run.result) == ("failed", f"failed: stopped ({words}) before it ended")
    assert signal.getsignal(signal.SIGTERM) == before  # the command's handler is gone with it
    # Nothing is left in progress: the next run starts.
    monkeypatch.undo()
    assert training.new_run("manual").status == TrainingRun.Status.QUEUED


def test_the_api_marks_a_stuck_run_failed_and_a_new_run_starts(course, admin_user):
    stuck = TrainingRun.objects.create(trigger="api", status=TrainingRun.Status.QUEUED)
    api = client_for(admin_user)
    assert api.post("/api/v1/training-runs/", {}, format="json").status_code == 409
    failed = api.post(f"/api/v1/training-runs/{stuck.pk}/fail/")
    assert failed.status_code == 200
    assert (failed.json()["status"], failed.json()["result"]) == ("failed", "failed: marked failed by root")
    assert api.post("/api/v1/training-runs/", {}, format="json").status_code == 202
    again = api.post(f"/api/v1/training-runs/{stuck.pk}/fail/")
    assert again.status_code == 409
    assert again.json()["detail"] == f"Training run {stuck.pk} is failed, not queued or running."


def test_teachers_cannot_mark_runs_failed_through_the_api(course, teacher):
    run = TrainingRun.objects.create(trigger="api", status=TrainingRun.Status.RUNNING)
    assert client_for(teacher).post(f"/api/v1/training-runs/{run.pk}/fail/").status_code == 403
    assert TrainingRun.objects.get(pk=run.pk).status == TrainingRun.Status.RUNNING
