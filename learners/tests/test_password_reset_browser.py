"""A learner who forgot their password resets it in real headless Chromium on a phone: from the sign-in page's
link to the e-mail's (read from Django's outbox, the live server running in this process), a new password
refused once with its reason on the first box, then saved and signed in with."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from learners.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Nine-blue-owls-sleep"


def test_a_forgotten_password_is_reset_from_the_sign_in_page(live_server, new_page):
    UserFactory(username="kim", email="kim@example.org")
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Reset it by e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgotten your password?")
    address = page.get_by_label("Your account's e-mail address")
    expect(address).to_be_focused()
    address.fill("kim@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    new = page.get_by_label("Your new password")
    new.fill("password1")
    page.get_by_label("The same password again").fill("password1")
    page.get_by_role("button", name="Save my new password").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(new).to_be_focused()  # the first box, where the reason is
    expect(page.get_by_text("Lots of people use this password")).to_be_visible()

    new.fill(NEW_PASSWORD)
    page.get_by_label("The same password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new password is saved")
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
