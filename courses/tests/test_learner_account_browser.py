"""A teacher acts on a pupil's account from the pupil's page in real headless Chromium, each step asked first:
a new temporary password (taken back with "No, go back", the pupil's password unchanged; then given, its slip
signing in) and an account made by mistake deleted (gone from the class mastery)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from conftest import log_in
from courses.teachers import make_teacher
from learners.classroom import enroll_class_creating_accounts
from learners.services import enroll, learner_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1366, "height": 768}
OLD_PASSWORD = "a-long-test-password"  # the factories' password


def signs_in_with(student, password: str) -> bool:
    return get_user_model().objects.get(pk=student.pk).check_password(password)


def test_a_new_temporary_password_is_asked_first_and_its_slip_signs_in(
    live_server, new_page, teacher, course, student
):
    make_teacher(teacher)
    sam = learner_for(student)
    enroll(sam, course)
    learner_url = f"{live_server.url}/admin/courses/course/{course.pk}/learners/{sam.pk}/"
    page = new_page(LAPTOP)
    log_in(page, live_server, teacher)
    page.goto(learner_url)
    give = page.get_by_role("link", name="Give sam a new temporary password")
    expect(give).to_have_accessible_description(
        "sam signs in with a password of their own. Forgotten? Give them a new temporary password (the next "
        "page asks first): the one they have stops working at once, a slip shows the new one to print (this "
        "once only), and they choose their own when they next sign in."
    )
    give.click()  # by mistake, in the middle of a lesson
    expect(page.get_by_role("heading", level=1)).to_have_text("Give sam a new temporary password?")
    yes = page.get_by_role("button", name="Yes, give sam a new temporary password")
    expect(yes).to_have_accessible_description(
        "The password sam chose stops working at once, and they are signed out wherever they are signed in. "
        "The next page shows a new temporary password on a slip to print, this once only; they choose their "
        "own when they next sign in."
    )
    page.get_by_role("link", name="No, go back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("sam in Arithmetic")
    assert page.url == learner_url
    assert signs_in_with(student, OLD_PASSWORD)

    page.get_by_role("link", name="Give sam a new temporary password").click()
    page.get_by_role("button", name="Yes, give sam a new temporary password").click()
    expect(page.get_by_role("status")).to_contain_text("sam has a new temporary password.")
    slip = page.locator(".slip")
    expect(slip.locator(".slip-username")).to_have_text("sam")
    password = slip.locator(".slip-password").inner_text()
    assert not signs_in_with(student, OLD_PASSWORD)

    pupil = new_page()
    pupil.goto(f"{live_server.url}/accounts/login/")
    pupil.get_by_label("Username").fill("sam")
    pupil.get_by_label("Password").fill(password)
    pupil.get_by_role("button", name="Log in").click()
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Choose your own password")


def test_an_account_made_by_mistake_is_deleted_after_the_question_and_leaves_the_class(
    live_server, new_page, teacher, course
):
    make_teacher(teacher)
    enroll_class_creating_accounts(course, [(1, "tom"), (2, "tomm")], teacher)
    page = new_page(LAPTOP)
    log_in(page, live_server, teacher)
    page.goto(f"{live_server.url}/admin/courses/course/{course.pk}/mastery/")
    page.get_by_role("link", name="tomm", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("tomm in Arithmetic")
    page.get_by_role("link", name="Delete this account (made by mistake)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete tomm's account?")
    expect(page.locator("#delete-account-help")).to_contain_text("This cannot be undone")
    page.get_by_role("link", name="No, keep it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("tomm in Arithmetic")
    assert get_user_model().objects.filter(username="tomm").exists()

    page.get_by_role("link", name="Delete this account (made by mistake)").click()
    page.get_by_role("button", name="Yes, delete tomm's account").click()
    expect(page.locator(".messagelist")).to_contain_text("Deleted tomm's account: it had never been used.")
    assert page.url == f"{live_server.url}/admin/courses/course/{course.pk}/mastery/"
    expect(page.get_by_role("link", name="tom", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="tomm", exact=True)).to_have_count(0)
    assert not get_user_model().objects.filter(username="tomm").exists()
