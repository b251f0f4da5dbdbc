"""Starting a training run: staff with the permission, through the API or the dashboard's button."""

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import client_for
from courses.teachers import make_teacher
from courses.tests.factories import UserFactory
from metamodel.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_staff_start_a_run_over_the_api_and_follow_it_to_promotion(
    course, admin_user, django_capture_on_commit_callbacks
):
    call_command("simulate_histories", "--course", "arithmetic", "--learners", "40", "--steps", "30")
    api = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/training-runs/", {"seed": 3}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    run = api.get(f"/api/v1/training-runs/{response.json()['id']}/").json()
    assert run["status"] == "succeeded" and run["seed"] == 3
    version = api.get(f"/api/v1/model-versions/{run['model_version']}/").json()
    assert version["status"] == "active" and version["metrics"]["auc"] > 0.5


def test_teachers_see_the_models_state_but_cannot_start_runs(teacher, api):
    make_teacher(teacher)
    assert client_for(teacher).get("/api/v1/model-versions/").status_code == 200
    assert client_for(teacher).post("/api/v1/training-runs/", {}, format="json").status_code == 403
    assert api.get("/api/v1/training-runs/").status_code == 403
    assert not TrainingRun.objects.exists()


def test_the_dashboard_button_queues_a_run(course, admin_user, teacher, django_capture_on_commit_callbacks):
    call_command("simulate_histories", "--course", "arithmetic", "--learners", "40", "--steps", "30")
    client = Client()
    client.force_login(admin_user)
    assert "Start a training run" in client.get("/admin/metamodel/trainingrun/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/metamodel/trainingrun/start/")
    assert response.status_code == 302
    assert TrainingRun.objects.get().trigger == "admin"
    assert ModelVersion.objects.get().status == ModelVersion.Status.ACTIVE
    make_teacher(teacher)
    client.force_login(teacher)
    assert "Start a training run" not in client.get("/admin/metamodel/trainingrun/").content.decode()
    assert client.post("/admin/metamodel/trainingrun/start/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_where_tasks_run_in_process_the_answer_tells_how_the_run_ended(course, admin_user):
    """The embedded default (no broker): the run is done when the request returns, and both the API's
    answer and the dashboard's message say so, rather than "queued" beside a finished row."""
    call_command("simulate_histories", "--course", "arithmetic", "--learners", "40", "--steps", "30")
    body = client_for(admin_user).post("/api/v1/training-runs/", {"seed": 1}, format="json").json()
    assert body["status"] == "succeeded" and body["model_version"] is not None and body["attempts_used"] > 0
    client = Client()
    client.force_login(admin_user)
    page = client.post("/admin/metamodel/trainingrun/start/", follow=True).content.decode()
    run = TrainingRun.objects.latest("id")
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert f"Training run {run.pk}: succeeded. {run.result}" in page


def test_teachers_read_a_model_versions_quality_in_plain_words(course, teacher):
    from conftest import train_on_simulated_learners

    version = train_on_simulated_learners().model_version
    make_teacher(teacher)
    client = Client()
    client.force_login(teacher)
    page = client.get(f"/admin/metamodel/modelversion/{version.pk}/change/").content.decode()
    assert "how often it ranks a right answer above a wrong one" in page
    assert f"{version.metrics['auc']:.3f}" in page and f"{version.metrics['ece']:.3f}" in page
    assert "Technical details" in page and "collapse" in page
