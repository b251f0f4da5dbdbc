"""The class mastery page on a phone, in real headless Chromium: the tables scroll sideways in their own
box, which a keyboard can scroll and a screen reader names, and the page itself fits the screen."""

import pytest
from playwright.sync_api import expect

from conftest import PHONE, log_in
from courses.teachers import make_teacher
from learners.services import enroll, learner_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_a_phone_the_tables_scroll_inside_their_own_box(live_server, new_page, teacher, course, student):
    make_teacher(teacher)
    enroll(learner_for(student), course)
    page = new_page()
    log_in(page, live_server, teacher)
    page.goto(f"{live_server.url}/admin/courses/course/{course.pk}/mastery/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    skills_box = page.get_by_role("region", name="Skills, in prerequisite order")
    assert skills_box.evaluate("box => box.scrollWidth > box.clientWidth")
    page.get_by_role("link", name="Download every learner's mastery, skill by skill (CSV)").focus()
    page.keyboard.press("Tab")
    learners_box = page.get_by_role("region", name="Learners")
    expect(learners_box).to_be_focused()
    assert learners_box.evaluate("box => box.scrollWidth > box.clientWidth")
    page.keyboard.press("ArrowRight")  # scrolls the box (smoothly: wait for it)
    page.wait_for_function("box => box.scrollLeft > 0", arg=learners_box.element_handle(), timeout=5000)
