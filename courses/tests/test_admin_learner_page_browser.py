"""A teacher follows one learner in real headless Chromium, on a phone: from the class mastery page to the
learner's page, where what the engine offers them is read with its reasons, and on to an override for them."""

import pytest
from playwright.sync_api import expect

from conftest import PHONE, log_in
from courses.teachers import make_teacher
from learners.services import enroll, learner_for, next_exercise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_goes_from_the_class_to_one_learner_and_steers_them(
    live_server, new_page, teacher, course, student
):
    make_teacher(teacher)
    sam = learner_for(student)
    enroll(sam, course)
    offered = next_exercise(sam, course)
    page = new_page()
    log_in(page, live_server, teacher)
    page.goto(f"{live_server.url}/admin/courses/course/{course.pk}/mastery/")
    page.get_by_role("link", name="sam", exact=True).click()
    expect(page.get_by_role("heading", name="sam in Arithmetic")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("#offered")).to_contain_text(offered.exercise.key)
    for reason in offered.reasons:
        expect(page.locator("#offered-reasons")).to_contain_text(reason)
    expect(page.get_by_role("region", name="Overrides in force")).to_contain_text(
        "None: the engine chooses for sam on its own."
    )
    page.get_by_role("link", name="Steer sam", exact=False).click()
    expect(page.get_by_role("heading", name="Add override")).to_be_visible()
    expect(page.get_by_label("Course:")).to_have_value(str(course.pk))
    expect(page.locator("#id_learner")).to_have_value(str(sam.pk))
