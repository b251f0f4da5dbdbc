"""A teacher previews an exercise in real headless Chromium: from its change page, a hint, then an answer."""

import pytest
from playwright.sync_api import expect

from conftest import log_in
from courses.teachers import make_teacher
from learners.models import Attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_previews_an_exercise_asks_for_a_hint_and_answers_it(
    live_server, course, teacher, new_page
):
    make_teacher(teacher)
    exercise = course.exercises.get(key="count-1")
    page = new_page()
    log_in(page, live_server, teacher)
    page.goto(f"{live_server.url}/admin/courses/exercise/{exercise.pk}/change/")
    page.get_by_role("link", name="Preview", exact=True).click()
    expect(page.locator("#preview-notice")).to_contain_text("nothing is recorded")

    page.get_by_label("Your answer").fill("3")
    page.get_by_role("button", name="Show a hint (1 of 1)").click()
    expect(page.locator("#hint-1")).to_have_text("Point at each dot.")
    expect(page.locator("#hint-1")).to_be_focused()
    expect(page.get_by_label("Your answer")).to_have_value("3")

    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Correct!")
    expect(page.locator(".correct-answer")).to_have_text("3")
    assert not Attempt.objects.exists()
