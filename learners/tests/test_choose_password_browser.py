"""A pupil's first sign-in in real headless Chromium, keyboard only, on a phone and on a tablet: they follow
their teacher's join code link, sign in with the slip's temporary password, are refused a too-common
password and then two that differ, each time with the cursor back in the first box and the reason read with
it, and once they have chosen, the join page waits with its code filled in."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import arithmetic_document
from courses.services import import_course
from courses.tests.factories import TeacherFactory
from learners.classroom import enroll_class_creating_accounts
from learners.tests.test_browser import fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose(page: Page, password: str, again: str) -> None:
    """Type a password in both boxes from the keyboard, starting in the first, and send it."""
    expect(page.get_by_label("Your own password")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Tab")
    expect(page.get_by_label("The same password again")).to_be_focused()
    page.keyboard.type(again)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("screen", [{"width": 375, "height": 667}, {"width": 768, "height": 1024}])
def test_a_pupil_chooses_a_password_from_the_keyboard_and_the_join_link_waits(
    live_server, new_page, course, screen
):
    slip = enroll_class_creating_accounts(course, [(1, "ana")], TeacherFactory(username="tina")).slips[0]
    fractions = import_course({**arithmetic_document("fractions"), "title": "Fractions"}).course
    fractions.self_enrollment = False
    fractions.save(update_fields=["self_enrollment"])
    code = fractions.new_join_code()
    page = new_page(screen)

    page.goto(f"{live_server.url}/join/{code.lower()}/")
    expect(page.get_by_role("status")).to_have_text(re.compile("^Log in to join the class"))
    page.keyboard.type("ana")  # the username box has the cursor
    page.keyboard.press("Tab")
    page.keyboard.type(slip.temporary_password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your own password")
    assert fits_the_screen(page)

    choose(page, "password123", "password123")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("Your own password")).to_have_accessible_description(
        re.compile(r"Lots of people use this password, so it is easy to guess: choose another\.$")
    )
    assert fits_the_screen(page)
    choose(page, "Seven-green-frogs", "Seven-green-frog")
    expect(page.get_by_label("Your own password")).to_have_accessible_description(
        re.compile(r"The two passwords were not the same: type your password in both boxes again\.$")
    )
    choose(page, "Seven-green-frogs", "Seven-green-frogs")

    expect(page.get_by_role("heading", level=1)).to_have_text("Join a class")
    expect(page.get_by_text("Your password is saved")).to_be_visible()
    expect(page.get_by_label("Join code")).to_have_value(f"{code[:4]}-{code[4:]}")
    page.get_by_label("Join code").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fractions")
    assert fractions.enrollments.filter(learner__user__username="ana").exists()
