"""An unexpected error is a JSON 500 for API clients, and Django's error page for people."""

import pytest
from django.test import Client


@pytest.mark.urls("config.tests.failing_urls")
def test_an_unexpected_error_is_json_under_the_api_and_a_page_elsewhere(db, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/failing/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error: the request could not be completed."}
    page = client.get("/failing/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
