"""Teacher-made accounts in real headless Chromium: a teacher creates a pupil's account while enrolling the
class and prints the sign-in slips (the admin's header left off the paper); the pupil signs in with the slip's
password, is made to choose their own, and lands on their course."""

import pytest
from playwright.sync_api import expect

from conftest import log_in
from courses.teachers import make_teacher
from learners.models import Learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pupil_signs_in_with_the_slip_chooses_a_password_and_lands_on_the_course(
    live_server, new_page, teacher, course
):
    make_teacher(teacher)
    dashboard = new_page()
    log_in(dashboard, live_server, teacher)
    dashboard.goto(f"{live_server.url}/admin/courses/course/{course.pk}/enroll/")
    dashboard.get_by_label("Usernames").fill("ana")
    dashboard.get_by_label("Create accounts for names that do not exist yet").check()
    dashboard.get_by_role("button", name="Enroll them").click()
    slip = dashboard.locator(".slip")
    expect(slip).to_have_count(1)
    expect(slip.locator(".slip-username")).to_have_text("ana")
    expect(slip).to_contain_text("Arithmetic")
    expect(slip.locator(".slip-url")).to_have_text(f"{live_server.url}/accounts/login/")
    password = slip.locator(".slip-password").inner_text()
    # On paper: the slip, without the admin's header, breadcrumbs or the note to the teacher.
    dashboard.emulate_media(media="print")
    expect(slip).to_be_visible()
    for chrome in ("#header", ".breadcrumbs", "#slips-help"):
        expect(dashboard.locator(chrome)).to_be_hidden()

    pupil = new_page()
    pupil.goto(f"{live_server.url}/accounts/login/")
    pupil.get_by_label("Username").fill("ana")
    pupil.get_by_label("Password").fill(password)
    pupil.get_by_role("button", name="Log in").click()
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Choose your own password")
    # Nothing else opens before it does; the page asked for opens after.
    pupil.goto(f"{live_server.url}/courses/arithmetic/")
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Choose your own password")
    pupil.get_by_label("Your own password").fill("Seven-green-frogs-jump")
    pupil.get_by_label("The same password again").fill("Seven-green-frogs-jump")
    pupil.get_by_role("button", name="Save my password").click()
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Arithmetic")
    expect(pupil.get_by_text("Your password is saved")).to_be_visible()
    assert pupil.url == f"{live_server.url}/courses/arithmetic/"
    assert not Learner.objects.get(user__username="ana").must_change_password
