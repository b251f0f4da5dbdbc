"""Join codes in real headless Chromium: a teacher creates the code on the course's page in the dashboard; a
pupil types it, in lower case with a space, into the catalogue's "Join a class" and lands on the course,
enrolled, though the course is closed to self-enrollment."""

import re

import pytest
from playwright.sync_api import expect

from conftest import log_in
from courses.teachers import make_teacher
from learners.services import learner_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pupil_joins_a_closed_class_with_the_code_from_the_board(
    live_server, new_page, teacher, student, course
):
    course.self_enrollment = False
    course.save(update_fields=["self_enrollment"])
    make_teacher(teacher)
    dashboard = new_page({"width": 1280, "height": 900})
    log_in(dashboard, live_server, teacher)
    dashboard.goto(f"{live_server.url}/admin/courses/course/{course.pk}/change/")
    dashboard.get_by_role("button", name="Create a join code").click()
    expect(dashboard.get_by_text("Created the join code")).to_be_visible()
    board = dashboard.locator("#join-code")
    expect(board).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    code = board.inner_text()
    # Big enough to copy onto the board from across the room.
    assert float(board.evaluate("element => getComputedStyle(element).fontSize").removesuffix("px")) >= 40
    expect(dashboard.locator("#join-link")).to_have_text(f"{live_server.url}/join/{code.replace('-', '')}/")

    pupil = new_page()
    log_in(pupil, live_server, student)
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Courses")
    expect(pupil.get_by_text("Your teacher enrolls you in this course.")).to_be_visible()
    pupil.get_by_label("Join code").fill(f"{code[:4].lower()} {code[5:].lower()}")
    pupil.get_by_role("button", name="Join the class").click()
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Arithmetic")
    expect(pupil.get_by_text("You joined Arithmetic.")).to_be_visible()
    expect(pupil.get_by_role("link", name="Practise")).to_be_visible()
    assert pupil.url == f"{live_server.url}/courses/arithmetic/"
    assert learner_for(student).is_enrolled_in(course)
