"""An unexpected error is a JSON 500 for API clients, and Django's error page for people."""

import pytest
from django.test import Client, override_settings


@pytest.mark.urls("config.tests.failing_urls")
def test_an_unexpected_error_is_json_under_the_api_and_a_page_elsewhere(db, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/failing/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error: the request could not be completed."}
    page = client.get("/failing/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_a_json_413_under_the_api(db, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    body = {"username": "sam", "password": "x" * 2000}
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is over this server's limit of 1000 bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)."
    }
