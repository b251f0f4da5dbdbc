"""The pages of a large class on a phone, in real headless Chromium: the page links fit the screen, and a
teacher reaches the next page of learners by its link's name."""

import pytest

from conftest import PHONE, log_in
from courses.teachers import make_teacher
from courses.tests.test_class_mastery_every_learner import enrol_imported_learners

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_a_phone_the_page_links_fit_and_lead_to_the_next_learners(live_server, new_page, teacher, course):
    make_teacher(teacher)
    enrol_imported_learners(course, 250)
    page = new_page()
    log_in(page, live_server, teacher)
    page.goto(f"{live_server.url}/admin/courses/course/{course.pk}/mastery/")
    pages = page.get_by_role("navigation", name="Pages of learners")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert pages.evaluate("nav => nav.getBoundingClientRect().right") <= PHONE["width"]
    pages.get_by_role("link", name="Next page").click()
    page.wait_for_url("**/mastery/?page=2#learners")
    assert page.get_by_text("Learners 101 to 200 of 250").is_visible()
    assert pages.get_by_role("link", name="Page 2").get_attribute("aria-current") == "page"
