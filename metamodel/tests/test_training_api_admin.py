"""Starting a training run: staff with the permission, through the API or the dashboard's button."""

import html
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from conftest import client_for, train_on_simulated_learners
from courses.teachers import make_teacher
from courses.tests.factories import CourseFactory, UserFactory
from learners.services import enroll, learner_for, record_attempt
from metamodel.models import ModelVersion, TrainingRun
from metamodel.services import recommend_next
from metamodel.tasks import meta_train_nightly
from metamodel.training import artifact_path, run_training

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
    assert response["Location"] == f"http://testserver/api/v1/training-runs/{response.json()['id']}"
    run = api.get(response["Location"]).json()
    assert (run["status"], run["outcome"], run["seed"]) == ("succeeded", "promoted", 3)
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
    version = train_on_simulated_learners().model_version
    make_teacher(teacher)
    client = Client()
    client.force_login(teacher)
    page = client.get(f"/admin/metamodel/modelversion/{version.pk}/change/").content.decode()
    assert "how often it ranks a right answer above a wrong one" in page
    assert f"{version.metrics['auc']:.3f}" in page and f"{version.metrics['ece']:.3f}" in page
    assert "Technical details" in page and "collapse" in page


def test_teachers_and_the_api_see_what_a_model_learned_from(course, teacher, student):
    enroll(learner_for(student), course)
    record_attempt(learner_for(student), course, "count-1", "3", source="api", idempotency_key="k1")
    run = train_on_simulated_learners()  # 40 simulated learners of 30 attempts, and one real answer
    assert run.data_summary == {
        "arithmetic": {"attempts": 1201, "learners": 41, "sources": {"api": 1, "simulation": 1200}}
    }
    make_teacher(teacher)
    client = Client()
    client.force_login(teacher)
    trained_on = "arithmetic: 1,201 attempts by 41 learners (1 through the API, 1,200 simulated)"
    for page in (f"/admin/metamodel/modelversion/{run.model_version.pk}/change/",
                 f"/admin/metamodel/trainingrun/{run.pk}/change/"):  # fmt: skip
        assert trained_on in client.get(page).content.decode()
    run_read = client_for(teacher).get(f"/api/v1/training-runs/{run.pk}/").json()
    assert run_read["data_summary"] == run.data_summary


def test_teachers_read_what_a_run_learned_from_in_the_courses_they_teach_only(
    course, teacher, other_teacher, admin_user
):
    CourseFactory(slug="draft", published=False).teachers.add(other_teacher)
    figures = {"attempts": 30, "learners": 1, "sources": {"web": 30}}
    run = TrainingRun.objects.create(
        status="succeeded", data_summary={"arithmetic": figures, "draft": figures, "gone": figures}
    )
    for user in (teacher, other_teacher):
        make_teacher(user)
    seen = {
        user: client_for(user).get("/api/v1/training-runs/").json()["results"][0]["data_summary"]
        for user in (teacher, other_teacher, admin_user)
    }
    assert seen == {
        teacher: {"arithmetic": figures},
        other_teacher: {"draft": figures},
        admin_user: run.data_summary,
    }
    assert client_for(teacher).get(f"/api/v1/training-runs/{run.pk}/").json()["data_summary"] == seen[teacher]
    page = admin_client(teacher).get(f"/admin/metamodel/trainingrun/{run.pk}/change/").content.decode()
    assert "arithmetic: 30 attempts" in page and "draft:" not in page and "gone:" not in page


def test_a_run_says_why_it_shows_no_data_truly(course, teacher, other_teacher, admin_user):
    """A run that read only another teacher's course says so to this teacher; only a run that recorded
    nothing of what it read is said to be of an earlier version of the platform."""
    CourseFactory(slug="draft").teachers.add(other_teacher)
    make_teacher(teacher)
    figures = {"attempts": 30, "learners": 2, "sources": {"web": 30}}
    others = TrainingRun.objects.create(status="succeeded", attempts_used=30, data_summary={"draft": figures})
    earlier = TrainingRun.objects.create(status="succeeded", attempts_used=1200)
    queued = TrainingRun.objects.create(status="queued")

    def trained_on(user, run) -> str:
        page = admin_client(user).get(f"/admin/metamodel/trainingrun/{run.pk}/change/").content.decode()
        return html.unescape(re.search(r'Trained on:</label>\s*<div class="readonly">(.*?)</div>', page)[1])

    assert trained_on(teacher, others) == "none of your courses (it learned from other courses' answers only)"
    assert trained_on(admin_user, others) == "draft: 30 attempts by 2 learners (all on the site)"
    assert trained_on(teacher, earlier) == "— (not recorded by runs of an earlier version of the platform)"
    assert trained_on(teacher, queued) == "— (not known yet: the run has not read its data)"
    one = TrainingRun.objects.create(
        status="succeeded",
        attempts_used=1,
        data_summary={"draft": {"attempts": 1, "learners": 1, "sources": {"web": 1}}},
    )
    assert trained_on(admin_user, one) == "draft: 1 attempt by 1 learner (all on the site)"


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_with_the_task_broker_down_a_start_says_so_and_leaves_no_run_queued(course, admin_user, broker_down):
    response = client_for(admin_user).post("/api/v1/training-runs/", {}, format="json")
    assert response.status_code == 503
    run = TrainingRun.objects.get()
    assert response.json() == {
        "detail": f"Training run {run.pk} {run.result}",
        "training_run": run.pk,
    }
    assert run.status == TrainingRun.Status.FAILED
    assert run.result.startswith("failed: could not reach the task broker: ")
    page = admin_client(admin_user).post("/admin/metamodel/trainingrun/start/", follow=True)
    assert "could not reach the task broker" in page.content.decode()
    with pytest.raises(CommandError, match="could not reach the task broker"):
        call_command("train", "--queue")
    assert TrainingRun.objects.count() == 3
    assert not TrainingRun.objects.exclude(status=TrainingRun.Status.FAILED).exists()


def test_a_start_while_a_run_is_queued_is_refused_with_that_run(course, admin_user):
    api = client_for(admin_user)
    queued = api.post("/api/v1/training-runs/", {}, format="json").json()  # its task is sent on commit
    assert queued["status"] == "queued"
    again = api.post("/api/v1/training-runs/", {"seed": 2}, format="json")
    assert again.status_code == 409
    assert again.json() == {
        "detail": f"Training run {queued['id']} is already queued.",
        "training_run": queued["id"],
    }
    page = admin_client(admin_user).post("/admin/metamodel/trainingrun/start/", follow=True).content.decode()
    assert f"Training run {queued['id']} is already queued." in page
    with pytest.raises(CommandError, match=f"Training run {queued['id']} is already queued."):
        call_command("train")
    assert meta_train_nightly.delay().get() is None
    assert TrainingRun.objects.count() == 1


def test_a_superuser_activates_an_earlier_or_rejected_version_in_the_admin_and_over_the_api(
    course, admin_user, teacher, student
):
    first = train_on_simulated_learners().model_version
    rejected = run_training(TrainingRun.objects.create(trigger="manual").pk)
    assert rejected.status == ModelVersion.Status.REJECTED
    client = admin_client(admin_user)
    changelist = "/admin/metamodel/modelversion/"
    page = client.post(changelist, {"action": "activate", "_selected_action": [rejected.pk]}, follow=True)
    when = f"{ModelVersion.objects.get(pk=rejected.pk).activated_at:%Y-%m-%d %H:%M} UTC"
    assert (
        f"Model v{rejected.pk} (active) is now served to learners (activated by hand by root on {when} in "
        f"place of v{first.pk})" in page.content.decode()
    )
    assert ModelVersion.objects.get(pk=first.pk).status == ModelVersion.Status.RETIRED
    learner = learner_for(student)
    enroll(learner, course)
    assert recommend_next(learner, course).model_version_id == rejected.pk
    # The rollback, over the API.
    response = client_for(admin_user).post(f"/api/v1/model-versions/{first.pk}/activate/")
    assert response.status_code == 200 and response.json()["status"] == "active"
    assert ModelVersion.objects.get(pk=rejected.pk).status == ModelVersion.Status.RETIRED
    assert recommend_next(learner, course).model_version_id == first.pk
    # Teachers see the versions but choose none.
    make_teacher(teacher)
    assert client_for(teacher).post(f"/api/v1/model-versions/{rejected.pk}/activate/").status_code == 403
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE).pk == first.pk


def test_a_version_whose_artifact_does_not_load_is_not_activated(course, admin_user):
    first = train_on_simulated_learners().model_version
    rejected = run_training(TrainingRun.objects.create(trigger="manual").pk)
    artifact_path(rejected).unlink()
    response = client_for(admin_user).post(f"/api/v1/model-versions/{rejected.pk}/activate/")
    assert response.status_code == 409
    assert response.json()["detail"].startswith(
        f"{rejected} cannot be activated: its artifact is unusable (cannot read "
    )
    page = admin_client(admin_user).post(
        "/admin/metamodel/modelversion/",
        {"action": "activate", "_selected_action": [rejected.pk]},
        follow=True,
    )
    assert "cannot be activated: its artifact is unusable" in page.content.decode()
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE).pk == first.pk


def test_the_active_version_and_runs_in_progress_cannot_be_deleted(course, admin_user):
    first = train_on_simulated_learners().model_version
    rejected = run_training(TrainingRun.objects.create(trigger="manual").pk)
    client_for(admin_user).post("/api/v1/training-runs/", {}, format="json")  # queued (sent on commit)
    queued = TrainingRun.objects.get(status=TrainingRun.Status.QUEUED)
    client = admin_client(admin_user)
    assert client.get(f"/admin/metamodel/modelversion/{first.pk}/delete/").status_code == 403
    assert client.get(f"/admin/metamodel/trainingrun/{queued.pk}/delete/").status_code == 403
    assert client.get(f"/admin/metamodel/modelversion/{rejected.pk}/delete/").status_code == 200
    # Nor in bulk: the confirmation names what may not be deleted, and the confirmed POST is refused.
    bulk = {"action": "delete_selected", "_selected_action": [first.pk, rejected.pk]}
    assert "permission to delete" in client.post("/admin/metamodel/modelversion/", bulk).content.decode()
    assert client.post("/admin/metamodel/modelversion/", {**bulk, "post": "yes"}).status_code == 403
    assert ModelVersion.objects.count() == 2


def test_the_admin_says_when_the_active_versions_artifact_cannot_be_served(course, admin_user):
    version = train_on_simulated_learners().model_version
    client = admin_client(admin_user)
    page = client.get("/admin/metamodel/modelversion/").content.decode()
    assert '<td class="field-artifact_check">OK</td>' in page
    assert "the rule-based choice" not in page
    artifact = artifact_path(version)
    artifact.write_bytes(artifact.read_bytes()[:100])
    warning = f"{version} is active but its artifact is unusable ("
    for changelist in ("/admin/metamodel/modelversion/", "/admin/metamodel/trainingrun/"):
        page = client.get(changelist).content.decode()
        assert (
            warning in page and "gives learners the rule-based choice, until a training run promotes" in page
        )
        assert "A process that loaded it before it broke keeps serving its copy in memory." in page
    page = client.get(f"/admin/metamodel/modelversion/{version.pk}/change/").content.decode()
    assert "unusable: " in page and "the file changed since it was written (corrupted or replaced)" in page


def test_a_rejected_run_says_so_beside_its_status(course, admin_user):
    train_on_simulated_learners()
    again = TrainingRun.objects.create(trigger="manual")
    run_training(again.pk)
    body = client_for(admin_user).get(f"/api/v1/training-runs/{again.pk}/").json()
    assert (body["status"], body["outcome"]) == ("succeeded", "rejected")
    rejected = client_for(admin_user).get("/api/v1/training-runs/", {"outcome": "rejected"}).json()
    assert [run["id"] for run in rejected["results"]] == [again.pk]
    page = admin_client(admin_user).get("/admin/metamodel/trainingrun/").content.decode()
    assert (
        '<td class="field-outcome">Rejected</td>' in page
        and '<td class="field-outcome">Promoted</td>' in page
    )
