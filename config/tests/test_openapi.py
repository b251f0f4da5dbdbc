"""The API keeps its published contract: generated requests, valid or not, never get a 500, and every
response matches the OpenAPI description served at /api/schema/."""

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from config.wsgi import application


def test_the_schema_is_valid_and_documents_every_endpoint(db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    paths = schemathesis.openapi.from_wsgi("/api/schema/", application).raw_schema["paths"]
    assert {
        "/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/courses/", "/api/v1/courses/{slug}/",
        "/api/v1/courses/import/", "/api/v1/courses/{slug}/enroll/", "/api/v1/courses/{slug}/next/",
        "/api/v1/courses/{slug}/progress/", "/api/v1/attempts/", "/api/v1/attempts/{id}/",
    } <= set(paths)  # fmt: skip


def test_every_lists_page_parameters_are_documented_from_one(db):
    paths = schemathesis.openapi.from_wsgi("/api/schema/", application).raw_schema["paths"]
    paging = [
        parameter["schema"]
        for operations in paths.values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] in ("page", "page_size")
    ]
    assert paging and all(schema["minimum"] == 1 for schema in paging)


def test_starting_a_training_run_is_documented_as_accepted_or_refused(db):
    paths = schemathesis.openapi.from_wsgi("/api/schema/", application).raw_schema["paths"]
    responses = paths["/api/v1/training-runs/"]["post"]["responses"]
    assert {"202", "409", "503"} <= set(responses) and "201" not in responses
    assert "200" in paths["/api/v1/model-versions/{id}/activate/"]["post"]["responses"]


# Loaded from the app in-process; calls made by the cases below go to the same WSGI application.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def connection_kept_open():
    """Calls go straight to the WSGI app, which closes the database connection after each request; the
    test's transaction lives on that connection, so keep it open as Django's own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_the_api_honours_its_schema(case, course, student, connection_kept_open):
    token = Token.objects.get_or_create(user=student)[0].key
    # Business rules (an unknown course, a wrong password) reject schema-valid requests with a 400, and
    # blank filters are ignored rather than refused; both are by design, so those two checks are off.
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        excluded_checks=[
            schemathesis.checks.positive_data_acceptance,
            schemathesis.checks.negative_data_rejection,
        ],
    )
