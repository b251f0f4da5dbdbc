"""The training API as a client reads it: a seed's bounds documented and enforced, versions read-only."""

import pytest
import schemathesis

from config.wsgi import application
from conftest import client_for
from courses.tests.factories import UserFactory
from metamodel.models import TrainingRun

pytestmark = pytest.mark.django_db


def test_the_schema_says_what_a_seed_may_be_and_that_versions_are_read_only():
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application).raw_schema
    components = schema["components"]["schemas"]
    seed = components["TrainingRun"]["properties"]["seed"]
    # The same bounds whatever the database (SQLite's integers would document 2**63 - 1).
    assert (seed["minimum"], seed["maximum"]) == (0, 2**31 - 1)
    assert "0 when omitted" in seed["description"]
    version = components["ModelVersion"]["properties"]
    assert all(field.get("readOnly") for field in version.values()), [
        name for name, field in version.items() if not field.get("readOnly")
    ]


@pytest.mark.parametrize("seed", [2**31, -1, "seven", None])
def test_a_seed_out_of_bounds_is_a_400_on_the_field_and_starts_nothing(course, seed):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = client_for(admin).post("/api/v1/training-runs/", {"seed": seed}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["seed"]
    assert not TrainingRun.objects.exists()
