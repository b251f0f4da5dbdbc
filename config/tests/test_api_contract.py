"""What the OpenAPI description promises a typed client is what the API sends: each response here, got as a
client gets it, matches the schema documented for its status, and the documentation is specific (an error's
body, an enum, a nullable field) where a generated client needs it to be."""

import pytest
import requests
import schemathesis
from django.test import override_settings
from rest_framework.test import APIClient
from schemathesis.core.transport import Response as SchemathesisResponse

from config.throttles import AccountThrottle, AddressThrottle
from config.wsgi import application
from conftest import answer_via_api, arithmetic_document, client_for
from courses.tests.factories import ExerciseFactory, UserFactory
from learners.services import enroll, learner_for
from metamodel.models import TrainingRun

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", application)
ATTEMPTS, IMPORT, DELETE = "/api/v1/attempts/", "/api/v1/courses/import/", "/api/v1/account/delete/"
REGISTER, TOKEN = "/api/v1/auth/register/", "/api/v1/auth/token/"
EXERCISE_TYPES = ["multiple_choice", "numeric", "fraction", "text"]


def documented_body(path: str, method: str, status: int) -> dict:
    """The JSON schema the description gives for this response, resolved one $ref deep."""
    response = SCHEMA.raw_schema["paths"][path][method.lower()]["responses"][str(status)]
    assert "content" in response, f"{method} {path}: the {status} response documents no body"
    return resolve(response["content"]["application/json"]["schema"])


def resolve(schema: dict) -> dict:
    if len(schema.get("allOf", [])) == 1:  # how drf-spectacular marks a reference read-only
        schema = schema["allOf"][0]
    if "$ref" not in schema:
        return schema
    return SCHEMA.raw_schema["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def assert_as_documented(response, path: str, method: str) -> dict:
    """Assert that the response's body is documented for its status and matches that documentation."""
    documented_body(path, method, response.status_code)
    url = f"http://testserver{path}"
    sent = SchemathesisResponse(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(method, url).prepare(),
        elapsed=0.0,
        verify=False,
    )
    SCHEMA[path][method].validate_response(sent)  # raises, naming each mismatch
    return response.json()


@pytest.fixture
def admin(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("queued", ""), ("running", ""), ("failed", ""), ("succeeded", "skipped")],
)
def test_a_training_run_matches_its_schema_before_and_after_it_has_an_outcome(admin, status, outcome):
    run = TrainingRun.objects.create(status=status, outcome=outcome)
    api = client_for(admin)
    body = assert_as_documented(
        api.get(f"/api/v1/training-runs/{run.pk}/"), "/api/v1/training-runs/{id}/", "GET"
    )
    assert body["outcome"] == (outcome or None)
    assert body["model_version"] is None
    assert_as_documented(api.get("/api/v1/training-runs/"), "/api/v1/training-runs/", "GET")


def test_every_error_response_documents_its_json_body():
    undocumented = [
        f"{method.upper()} {path} {status}"
        for path, operations in SCHEMA.raw_schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status >= "400" and "application/json" not in response.get("content", {})
    ]
    assert undocumented == []


def test_field_errors_and_other_errors_have_their_own_body_schemas():
    field_errors = {
        ("/api/v1/attempts/", "POST", 400),
        ("/api/v1/attempts/", "POST", 422),
        ("/api/v1/auth/register/", "POST", 400),
        ("/api/v1/courses/import/", "POST", 400),
        ("/api/v1/account/delete/", "POST", 400),
        ("/api/v1/account/password/", "POST", 400),
    }
    errors = {
        ("/api/v1/auth/register/", "POST", 403),
        ("/api/v1/auth/register/", "POST", 429),
        ("/api/v1/auth/token/", "POST", 429),
        ("/api/v1/courses/import/", "POST", 413),
        ("/api/v1/courses/import/", "POST", 415),
        ("/api/v1/attempts/", "POST", 415),
        ("/api/v1/account/delete/", "POST", 403),
        ("/api/v1/account/delete/", "POST", 429),
        ("/api/v1/account/password/", "POST", 429),
        ("/api/v1/courses/{slug}/", "GET", 404),
    }
    components = SCHEMA.raw_schema["components"]["schemas"]
    assert {documented_body(*response) == components["FieldErrors"] for response in field_errors} == {True}
    assert {documented_body(*response) == components["Error"] for response in errors} == {True}
    assert components["Error"]["required"] == ["detail"]


def test_the_error_bodies_of_answering_are_as_documented(api, student, course):
    enroll(learner_for(student), course)
    missing_key = api.post(ATTEMPTS, {"course": "arithmetic"}, format="json")
    assert missing_key.status_code == 400
    assert "Idempotency-Key" in assert_as_documented(missing_key, ATTEMPTS, "POST")
    unreadable = api.post(ATTEMPTS, "{", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert unreadable.status_code == 400
    assert "detail" in assert_as_documented(unreadable, ATTEMPTS, "POST")
    as_text = api.post(ATTEMPTS, "3", content_type="text/plain", HTTP_IDEMPOTENCY_KEY="k")
    assert as_text.status_code == 415
    assert_as_documented(as_text, ATTEMPTS, "POST")
    assert answer_via_api(api, "count-1", 3, key="k").status_code == 201
    reused = answer_via_api(api, "count-1", 4, key="k")
    assert reused.status_code == 422
    assert "Idempotency-Key" in assert_as_documented(reused, ATTEMPTS, "POST")


def test_the_error_bodies_of_signing_up_and_in_are_as_documented(student, settings, monkeypatch):
    client = APIClient()
    taken = client.post(REGISTER, {"username": "sam", "password": "correct horse 42"})
    assert taken.status_code == 400
    assert "username" in assert_as_documented(taken, REGISTER, "POST")
    settings.REGISTRATION_OPEN = False
    closed = client.post(REGISTER, {"username": "newbie", "password": "correct horse 42"})
    assert closed.status_code == 403
    assert_as_documented(closed, REGISTER, "POST")
    monkeypatch.setattr(AddressThrottle, "rate", raising=False, value="2/minute")  # both sign-ups count
    throttled = client.post(REGISTER, {"username": "newbie", "password": "correct horse 42"})
    assert throttled.status_code == 429
    assert_as_documented(throttled, REGISTER, "POST")
    monkeypatch.setattr(AddressThrottle, "rate", raising=False, value="300/minute")
    monkeypatch.setattr(AccountThrottle, "rate", raising=False, value="1/minute")
    assert client.post(TOKEN, {"username": "sam", "password": "guess"}).status_code == 400
    throttled = client.post(TOKEN, {"username": "sam", "password": "guess"})
    assert throttled.status_code == 429
    assert "throttled" in assert_as_documented(throttled, TOKEN, "POST")["detail"]


def test_the_error_bodies_of_deleting_an_account_are_as_documented(student, teacher, monkeypatch):
    staff = client_for(teacher).post(DELETE, {"password": "a-long-test-password"}, format="json")
    assert staff.status_code == 403
    assert_as_documented(staff, DELETE, "POST")
    wrong = client_for(student).post(DELETE, {"password": "guess"}, format="json")
    assert wrong.status_code == 400
    assert "password" in assert_as_documented(wrong, DELETE, "POST")
    monkeypatch.setattr(AccountThrottle, "rate", raising=False, value="2/minute")  # the student's 2nd try is
    client_for(student).post(DELETE, {"password": "guess"}, format="json")  # the last allowed
    throttled = client_for(student).post(DELETE, {"password": "guess"}, format="json")
    assert throttled.status_code == 429
    assert_as_documented(throttled, DELETE, "POST")


def test_the_error_bodies_of_importing_a_course_are_as_documented(teacher):
    api = client_for(teacher)
    document = arithmetic_document("geometry")
    document["exercises"][1]["answer"] = "9"
    invalid = api.post(IMPORT, document, format="json")
    assert invalid.status_code == 400
    assert "exercises[1] (count-2).answer" in assert_as_documented(invalid, IMPORT, "POST")
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        too_large = api.post(IMPORT, arithmetic_document("geometry"), format="json")
    assert too_large.status_code == 413
    assert_as_documented(too_large, IMPORT, "POST")
    as_text = api.post(IMPORT, "slug: geometry", content_type="text/plain")
    assert as_text.status_code == 415
    assert_as_documented(as_text, IMPORT, "POST")


def test_exercise_types_are_an_enum_of_the_four_types(api, student, course):
    components = SCHEMA.raw_schema["components"]["schemas"]
    for component in ("NextExercise", "Alternative", "Exercise"):
        assert resolve(components[component]["properties"]["type"])["enum"] == EXERCISE_TYPES
    exercises = components["CourseDetail"]["properties"]["exercises"]["items"]
    assert resolve(exercises) == components["Exercise"]
    ExerciseFactory(course=course, key="half", type="fraction", answer="1/2", skills=[course.skills.first()])
    detail = assert_as_documented(api.get("/api/v1/courses/arithmetic/"), "/api/v1/courses/{slug}/", "GET")
    assert {exercise["type"] for exercise in detail["exercises"]} == set(EXERCISE_TYPES)
    enroll(learner_for(student), course)
    path = "/api/v1/courses/{slug}/next/"
    recommended = assert_as_documented(api.get("/api/v1/courses/arithmetic/next/"), path, "GET")
    assert recommended["type"] in EXERCISE_TYPES
    assert recommended["alternatives"] and {a["type"] for a in recommended["alternatives"]} <= set(
        EXERCISE_TYPES
    )


def test_changing_ones_password_answers_as_documented(api):
    path = "/api/v1/account/password/"
    refused = api.post(path, {"password": "wrong", "new_password": "Nine-blue-owls-sleep"}, format="json")
    assert refused.status_code == 400
    assert "password" in assert_as_documented(refused, path, "POST")
    changed = api.post(
        path, {"password": "a-long-test-password", "new_password": "Nine-blue-owls-sleep"}, format="json"
    )
    assert changed.status_code == 200
    assert set(assert_as_documented(changed, path, "POST")) == {"token", "username"}
