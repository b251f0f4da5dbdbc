"""What a model operator's review asked for: one rule for failing runs by hand in the admin and the API, a
version's history kept when it is activated by hand, and no file left behind by a candidate discarded because
its run was failed while it trained."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils.html import escape

from conftest import client_for, train_on_simulated_learners
from courses.tests.factories import UserFactory
from metamodel import training
from metamodel.models import ModelVersion, TrainingRun
from metamodel.training import artifact_problem, mark_runs_failed, run_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def staff_with(username: str, *codenames: str):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="metamodel", codename__in=codenames)
    )
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_who_may_change_runs_mark_them_failed_in_the_admin_and_over_the_api_alike(course):
    operator = staff_with("olivia", "view_trainingrun", "change_trainingrun")
    onlooker = staff_with("vera", "view_trainingrun")
    in_admin = TrainingRun.objects.create(trigger="admin", status=TrainingRun.Status.RUNNING)
    over_api = TrainingRun.objects.create(trigger="api", status=TrainingRun.Status.QUEUED)
    changelist = "/admin/metamodel/trainingrun/"

    assert 'value="mark_failed"' not in signed_in(onlooker).get(changelist).content.decode()
    signed_in(onlooker).post(changelist, {"action": "mark_failed", "_selected_action": [in_admin.pk]})
    assert client_for(onlooker).post(f"/api/v1/training-runs/{over_api.pk}/fail/").status_code == 403
    assert set(TrainingRun.objects.values_list("status", flat=True)) == {"running", "queued"}

    page = signed_in(operator).post(
        changelist, {"action": "mark_failed", "_selected_action": [in_admin.pk]}, follow=True
    )
    assert "1 training run marked failed; a new run can be started." in page.content.decode()
    response = client_for(operator).post(f"/api/v1/training-runs/{over_api.pk}/fail/")
    assert response.status_code == 200
    for run in (in_admin, over_api):
        run.refresh_from_db()
        assert (run.status, run.result) == ("failed", "failed: marked failed by olivia")


def test_activating_by_hand_keeps_why_each_version_was_kept_or_rejected_and_says_who_and_when(
    course, admin_user
):
    first = train_on_simulated_learners().model_version
    rejected = run_training(TrainingRun.objects.create(trigger="manual").pk)
    promoted_because, rejected_because = first.reason, rejected.reason
    assert promoted_because.startswith("promoted: ") and rejected_because.startswith("rejected: ")
    admin = signed_in(admin_user)
    admin.post("/admin/metamodel/modelversion/", {"action": "activate", "_selected_action": [rejected.pk]})
    when = f"{ModelVersion.objects.get(pk=rejected.pk).activated_at:%Y-%m-%d %H:%M} UTC"
    activated = f"activated by hand by root on {when} in place of v{first.pk}"
    replaced = f"replaced by hand by root on {when} with v{rejected.pk}"

    versions_list = admin.get("/admin/metamodel/modelversion/").content.decode()
    api = client_for(admin_user)
    for version, lines in ((rejected, [rejected_because, activated]), (first, [promoted_because, replaced])):
        as_html = "<br>".join(escape(line) for line in lines)
        assert as_html in versions_list
        assert as_html in admin.get(f"/admin/metamodel/modelversion/{version.pk}/change/").content.decode()
        assert api.get(f"/api/v1/model-versions/{version.pk}/").json()["reason"] == "\n".join(lines)

    # Rolled back over the API: each version's history grows by a line, the first ones kept.
    assert api.post(f"/api/v1/model-versions/{first.pk}/activate/").status_code == 200
    again = f"{ModelVersion.objects.get(pk=first.pk).activated_at:%Y-%m-%d %H:%M} UTC"
    assert api.get(f"/api/v1/model-versions/{first.pk}/").json()["reason"].splitlines() == [
        promoted_because,
        replaced,
        f"activated by hand by root on {again} in place of v{rejected.pk}",
    ]
    assert api.get(f"/api/v1/model-versions/{rejected.pk}/").json()["reason"].splitlines() == [
        rejected_because,
        activated,
        f"replaced by hand by root on {again} with v{first.pk}",
    ]


def train_marked_failed_meanwhile(monkeypatch, seed: int, after_writing=lambda sha256, run: None) -> str:
    """Run a training that a staff member marks failed while it trains; returns the SHA-256 of the artifact
    it wrote, which names its file (``after_writing(sha256, run)`` is called once it is written)."""
    run = TrainingRun.objects.create(trigger="manual", seed=seed)
    real_meta_train, real_save_artifact, written = training.meta_train, training.save_artifact, []

    def marked_failed_meanwhile(*args, **kwargs):
        model = real_meta_train(*args, **kwargs)
        mark_runs_failed(TrainingRun.objects.filter(pk=run.pk), by="root")
        return model

    def save_artifact(model, path):
        written.append(real_save_artifact(model, path))
        after_writing(written[-1], TrainingRun.objects.get(pk=run.pk))
        return written[-1]

    monkeypatch.setattr(training, "meta_train", marked_failed_meanwhile)
    monkeypatch.setattr(training, "save_artifact", save_artifact)
    assert run_training(run.pk) is None
    assert TrainingRun.objects.get(pk=run.pk).result == "failed: marked failed by root"
    assert not ModelVersion.objects.filter(training_run=run).exists()
    (sha256,) = written
    return sha256


def files(settings) -> list[str]:
    return sorted(path.name for path in settings.MODEL_ARTIFACT_DIR.iterdir())


def test_a_candidate_discarded_because_its_run_was_failed_meanwhile_leaves_no_file(
    course, settings, monkeypatch
):
    first = train_on_simulated_learners().model_version
    second = run_training(TrainingRun.objects.create(trigger="manual", seed=2).pk)
    kept = sorted({first.artifact, second.artifact})
    assert files(settings) == kept
    assert train_marked_failed_meanwhile(monkeypatch, seed=1) not in (first.sha256, second.sha256)
    assert files(settings) == kept  # its own file is gone, and no other
    assert artifact_problem(first) is None and artifact_problem(second) is None


def test_a_discarded_candidate_leaves_its_file_to_a_version_with_the_same_bytes(
    course, settings, monkeypatch
):
    active = train_on_simulated_learners().model_version

    def a_version_with_the_same_bytes(sha256: str, run: TrainingRun) -> None:
        # The same content-addressed file, as a version whose artifact has the same bytes names it.
        ModelVersion.objects.create(
            status=ModelVersion.Status.REJECTED, artifact=f"{sha256}.pt", sha256=sha256,
            format_version=active.format_version, data_fingerprint=run.data_fingerprint,
        )  # fmt: skip

    written = train_marked_failed_meanwhile(monkeypatch, seed=1, after_writing=a_version_with_the_same_bytes)
    twin = ModelVersion.objects.get(sha256=written)
    assert files(settings) == sorted([active.artifact, twin.artifact])
    assert artifact_problem(twin) is None and artifact_problem(active) is None
