"""The REST API from a browser app on another site (a school's learning management system, say): a site
listed in DJANGO_CORS_ALLOWED_ORIGINS may call it with a learner's token and read what comes back, the
Location of the attempt it created included; any other site's calls are refused by the browser itself."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.authtoken.models import Token

from conftest import right_answer
from learners.models import Attempt
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db(transaction=True)

# What the other site's page runs: answer an exercise through the API and report what the browser let it
# read, or that the browser refused the call.
CALL = """async ([api, token, exercise, response]) => {
    try {
        const sent = await fetch(api + "/api/v1/attempts/", {
            method: "POST",
            headers: {"Authorization": "Token " + token, "Content-Type": "application/json",
                      "Idempotency-Key": "lms-1"},
            body: JSON.stringify({course: "arithmetic", exercise: exercise, response: response}),
        });
        return {status: sent.status, location: sent.headers.get("Location"), body: await sent.json()};
    } catch (error) {
        return {refused: String(error)};
    }
}"""


class OtherSite(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>A school's LMS</title><p>LMS</p>")

    def log_message(self, *args):
        pass


@pytest.fixture
def other_site():
    """Another site's origin, on a server of its own (the platform's live server is at localhost)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), OtherSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def token(course, student):
    enroll(learner_for(student), course)
    return Token.objects.get_or_create(user=student)[0].key


def answer_from(site: str, new_page, live_server, course, token) -> dict:
    page = new_page()
    page.goto(f"{site}/")
    return page.evaluate(CALL, [live_server.url, token, "add-1", right_answer(course, "add-1")])


@pytest.mark.browser
def test_a_listed_site_answers_through_the_api_and_reads_where_the_attempt_is(
    settings, live_server, new_page, other_site, course, token
):
    settings.CORS_ALLOWED_ORIGINS = [other_site]
    answered = answer_from(other_site, new_page, live_server, course, token)
    assert answered["status"] == 201, answered
    assert answered["body"]["correct"] is True
    attempt = Attempt.objects.get(exercise__key="add-1", correct=True)
    assert answered["location"] == f"{live_server.url}/api/v1/attempts/{attempt.pk}"


@pytest.mark.browser
def test_a_site_not_listed_is_refused_by_the_browser_and_nothing_is_recorded(
    settings, live_server, new_page, other_site, course, token
):
    settings.CORS_ALLOWED_ORIGINS = ["https://lms.example.org"]
    answered = answer_from(other_site, new_page, live_server, course, token)
    assert "refused" in answered, answered
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_pages_are_never_shared_with_another_site_even_a_listed_one(settings, client, path):
    settings.CORS_ALLOWED_ORIGINS = ["https://lms.example.org"]
    asked = client.options(
        path, HTTP_ORIGIN="https://lms.example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in asked


def test_no_site_is_listed_unless_the_deployment_lists_it(client):
    asked = client.options(
        "/api/v1/attempts/", HTTP_ORIGIN="https://lms.example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in asked
