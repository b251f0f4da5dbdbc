"""The API's URLs as clients type them: with or without the trailing slash, unknown ones answered in JSON,
lists paged at the size asked for."""

import pytest
import schemathesis

from config.wsgi import application
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug(settings):
    """DEBUG on, as `make run` serves the platform: Django treats a missing slash and an unknown URL
    differently then."""
    settings.DEBUG = True


def test_a_post_without_the_trailing_slash_is_served(api, student, course):
    token = api.post("/api/v1/auth/token", {"username": "sam", "password": "a-long-test-password"})
    assert token.status_code == 200 and token.json()["token"]
    assert api.post("/api/v1/courses/arithmetic/enroll").status_code == 201
    body = {"course": "arithmetic", "exercise": "count-1", "response": "3"}
    answered = api.post("/api/v1/attempts", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert answered.status_code == 201 and answered.json()["correct"] is True
    assert api.get("/api/v1/courses/arithmetic/progress").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/nope/", "/api/v1/courses/arithmetic/nope", "/api/nope"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_api_url_is_a_json_404(api, course, url, method):
    response = getattr(api, method)(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_outside_the_api_is_still_a_page(client, settings):
    settings.DEBUG = False
    response = client.get("/nope/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.fixture
def three_attempts(student, course):
    learner = learner_for(student)
    enroll(learner, course)
    for n, (key, response) in enumerate([("count-1", "3"), ("count-2", "7"), ("count-3", "two")]):
        record_attempt(learner, course, key, response, source="api", idempotency_key=f"k{n}")


def test_a_client_chooses_the_page_size(api, three_attempts):
    page = api.get("/api/v1/attempts/", {"page_size": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 2)
    assert "page_size=2" in page["next"]
    assert len(api.get(page["next"]).json()["results"]) == 1


@pytest.mark.parametrize("size", ["0", "201", "ten", "-5"])
def test_a_page_size_out_of_range_is_a_field_error(api, three_attempts, size):
    response = api.get("/api/v1/attempts/", {"page_size": size})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["Enter a whole number from 1 to 200."]}


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5"])
def test_a_page_that_is_not_a_page_number_is_a_field_error(api, three_attempts, page):
    response = api.get("/api/v1/attempts/", {"page": page, "page_size": 2})
    assert response.status_code == 400
    assert response.json() == {"page": ["Enter a whole number from 1, or 'last'."]}


def test_the_last_page_is_named_and_a_page_past_it_is_not_found(api, three_attempts):
    assert len(api.get("/api/v1/attempts/", {"page": "last", "page_size": 2}).json()["results"]) == 1
    assert api.get("/api/v1/attempts/", {"page": "3", "page_size": 2}).status_code == 404


def test_the_schema_documents_the_page_size():
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application).raw_schema
    parameters = schema["paths"]["/api/v1/attempts/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert "from 1 to 200" in page_size["description"]
