"""The class mastery page on a phone, in real headless Chromium: the tables scroll sideways in their own
box, and the page itself fits the screen."""

import pytest

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
    skills_box = page.locator(".table-scroll").first
    assert skills_box.evaluate("box => box.scrollWidth > box.clientWidth")
