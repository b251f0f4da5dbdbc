"""A learner gives their account a new e-mail address and confirms it from the e-mailed link, in real
headless Chromium on a phone: the account page says it waits, the link asks before it confirms, and every page
fits the narrowest screen."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from conftest import log_in
from learners.tests.factories import UserFactory
from learners.tests.test_browser import fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Analytical-engine-1843"  # conftest.log_in's
NARROWEST = {"width": 320, "height": 640}


def test_a_new_address_waits_on_the_account_page_until_its_link_is_opened(live_server, new_page):
    kim = UserFactory(username="kim", email="kim@example.org")
    page = new_page(NARROWEST)
    log_in(page, live_server, kim)
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Change or remove it").click()
    page.get_by_label("Your e-mail address").fill("kim@school.example")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("We sent a link to kim@school.example")
    expect(page.locator("#pending-email")).to_contain_text(
        "waiting for you to open the link we sent to kim@school.example"
    )
    expect(page.get_by_role("button", name="Send the link again")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel this change")).to_be_visible()
    assert fits_the_screen(page)

    [message] = mail.outbox
    link = re.search(r"https?://\S+/account/email/confirm/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)
    phone = new_page(NARROWEST)  # the mailbox, on another device: not signed in
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Confirm your e-mail address")
    assert fits_the_screen(phone)
    phone.get_by_role("button", name="Yes, this address is mine").click()
    expect(phone.get_by_role("status")).to_contain_text("kim@school.example is now the e-mail address")

    page.reload()
    expect(page.get_by_text("Links to reset a forgotten password go to kim@school.example")).to_be_visible()
    expect(page.locator("#pending-email")).to_have_count(0)
