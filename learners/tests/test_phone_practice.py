"""A pupil practising on a phone (375 x 740, touch) and on a tablet (768 x 1024), in real headless Chromium:
the verdict is where the page opens after an answer, and the controls a pupil taps to move on are 44 px
tap targets at least."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from learners.services import enroll, learner_for
from learners.tests.test_browser import fits_the_screen
from learners.tests.test_pages import recommend_with_alternatives

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 768, "height": 1024}, "is_mobile": False, "has_touch": True}
TAP_TARGET = 44  # px, each way (WCAG 2.5.5)


@pytest.fixture(params=[PHONE, TABLET], ids=["phone", "tablet"])
def device(request, new_page) -> Page:
    """A page in a browser context of the phone or the tablet (``new_page``'s own have no touch screen)."""
    context = new_page().context.browser.new_context(**request.param)
    context.set_default_timeout(10_000)
    return context.new_page()


def too_small(locator) -> list[str]:
    """The elements of ``locator``, visible, that are smaller than a tap target, with their size."""
    sizes = locator.evaluate_all(
        "elements => elements.filter(e => e.getClientRects().length).map(e => {"
        "  const box = e.getBoundingClientRect();"
        "  const text = e.textContent.trim().replace(/\\s+/g, ' ');"
        "  return [text, Math.round(box.width), Math.round(box.height)];"
        "})"
    )
    return [f"{text!r} {width}x{height}" for text, width, height in sizes if min(width, height) < TAP_TARGET]


def open_recommended_exercise(page: Page, live_server, student, course) -> None:
    enroll(learner_for(student), course)
    log_in(page, live_server, student)
    recommendation = recommend_with_alternatives(student, course)
    page.goto(f"{live_server.url}/courses/{course.slug}/practice/?recommendation={recommendation.pk}")


def test_after_an_answer_the_verdict_has_the_focus(live_server, course, student, device: Page):
    open_recommended_exercise(device, live_server, student, course)
    device.get_by_label("Your answer").fill("4")
    device.get_by_role("button", name="Check my answer").click()

    expect(device.get_by_role("heading", level=1)).to_have_text(re.compile("Not quite."))
    verdict = device.locator(".verdict")
    expect(verdict).to_be_focused()  # a screen reader reads it first; a phone shows it
    expect(verdict).to_be_in_viewport()
    ring = verdict.evaluate("v => getComputedStyle(v).outlineStyle")
    assert ring == "none", "a focus ring round the verdict, which is not a control"
    assert fits_the_screen(device)


def test_the_controls_a_pupil_taps_are_44px_tap_targets(live_server, course, student, device: Page):
    open_recommended_exercise(device, live_server, student, course)
    menu = device.get_by_role("navigation", name="Main")
    assert too_small(menu.locator("a, button")) == []
    assert too_small(device.locator(".breadcrumb a")) == []
    assert too_small(device.locator("summary")) == []  # "Why this exercise?"
    alternatives = device.get_by_role("region", name="Or pick another").get_by_role("link")
    expect(alternatives).to_have_count(2)
    assert too_small(alternatives) == []
    assert too_small(device.get_by_role("link", name="See your progress")) == []
    assert fits_the_screen(device)

    device.get_by_label("Your answer").fill("3")
    device.get_by_role("button", name="Check my answer").click()
    expect(device.get_by_role("heading", level=1)).to_have_text(re.compile("Correct!"))
    assert too_small(device.locator(".actions a")) == []  # "Next exercise", "See your progress"

    device.goto(f"{live_server.url}/")
    assert too_small(device.locator(".card .actions a")) == []  # "Practise", "Progress"
