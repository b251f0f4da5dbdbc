"""Upgrading to artifacts named within MODEL_ARTIFACT_DIR (migration 0007): versions stored with a whole
path, or with a path relative to the working directory (a relative MODEL_ARTIFACT_DIR), keep being served."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("metamodel", "0006_recommendation_history_until")
AFTER = ("metamodel", "0007_artifact_names_and_pruning")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps.get_model("metamodel", "ModelVersion")


@pytest.fixture(autouse=True)
def latest_schema_after():
    """Whatever happens, the tests that follow meet the schema of the latest migrations."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_stored_paths_become_names_in_the_folder_and_others_stay(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings.MODEL_ARTIFACT_DIR = "var/models"  # relative, as a deployment may have set it
    fields = {"status": "retired", "sha256": "0" * 64, "format_version": 1, "data_fingerprint": "f"}
    ModelVersion = migrate(BEFORE)
    whole = ModelVersion.objects.create(artifact=str(tmp_path / "var/models/aaa.pt"), **fields)
    relative = ModelVersion.objects.create(artifact="var/models/bbb.pt", **fields)
    elsewhere = ModelVersion.objects.create(artifact="/srv/other/ccc.pt", **fields)
    ModelVersion = migrate(AFTER)
    names = dict(ModelVersion.objects.values_list("pk", "artifact"))
    assert names == {whole.pk: "aaa.pt", relative.pk: "bbb.pt", elsewhere.pk: "/srv/other/ccc.pt"}
