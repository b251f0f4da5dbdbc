"""The API documentation page works in real headless Chromium with nothing but the platform reachable
(a school network that blocks CDNs, a machine offline): Swagger UI comes from the platform's static files."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_lists_the_operations_without_any_other_host(live_server, new_page):
    page = new_page({"width": 1280, "height": 900})
    elsewhere: list[str] = []

    def only_the_platform(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_platform)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("Adaptive learning platform API")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/attempts/").first).to_be_visible()
    assert elsewhere == []
