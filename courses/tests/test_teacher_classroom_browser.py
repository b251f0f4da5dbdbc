"""The teacher's classroom pages in real headless Chromium, where the browser does the work: sign-in slips for
a class of 30 printed across the whole page and legible; the join code's buttons as large as the dashboard's
others and a replacement asked first; an override's end chosen with the admin's calendar and clock (its
scripts load under the Content-Security-Policy) and read back in the list."""

import re

import pytest
from playwright.sync_api import expect

from conftest import log_in
from courses.admin import exercise_label
from courses.models import Override
from courses.teachers import make_teacher
from learners.services import enroll, learner_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1366, "height": 768}
PT = 96 / 72  # CSS pixels to a point


def test_thirty_slips_print_two_a_row_across_the_page_in_type_a_child_reads(
    live_server, new_page, teacher, course
):
    make_teacher(teacher)
    page = new_page(LAPTOP)
    log_in(page, live_server, teacher)
    page.goto(f"{live_server.url}/admin/courses/course/{course.pk}/enroll/")
    page.get_by_label("Usernames").fill("\n".join(f"pupil{n:02d}.of.year.four" for n in range(30)))
    page.get_by_label("Create accounts for names that do not exist yet").check()
    # Thirty passwords hashed (PBKDF2) take a while on a small machine: the page is waited for longer.
    with page.expect_navigation(timeout=90_000):
        page.get_by_role("button", name="Enroll them").click(no_wait_after=True)
    slips = page.locator(".slip")
    expect(slips).to_have_count(30)
    page.wait_for_load_state("load")  # the slips' style sheet with it

    page.emulate_media(media="print")
    for chrome in ("#header", ".breadcrumbs", "#nav-sidebar", "#slips-help", "#content > h1"):
        expect(page.locator(chrome)).to_be_hidden()
    # Two a row across the whole width, not squeezed beside the side bar that is left off the paper.
    first, second = (slips.nth(n).bounding_box() for n in (0, 1))
    assert first["y"] == second["y"]
    assert second["x"] + second["width"] - first["x"] >= 0.9 * LAPTOP["width"]
    for n in range(30):
        slip = slips.nth(n)
        # A slip is one box no page break cuts.
        assert slip.evaluate("e => getComputedStyle(e).display") == "inline-block"
        assert slip.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    # Large, and the username on one line, as the pupil types it.
    sizes = slips.first.evaluate(
        """slip => Object.fromEntries(["dt", ".slip-username", ".slip-password", ".slip-note"].map(
            part => [part, parseFloat(getComputedStyle(slip.querySelector(part)).fontSize)]))"""
    )
    assert sizes[".slip-password"] >= 18 * PT and sizes[".slip-username"] >= 14 * PT
    assert sizes["dt"] >= 12 * PT and sizes[".slip-note"] >= 12 * PT
    username = slips.first.locator(".slip-username")
    line = float(username.evaluate("e => getComputedStyle(e).lineHeight").removesuffix("px"))
    assert username.bounding_box()["height"] < 1.5 * line
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 5


def test_the_join_codes_buttons_are_full_size_and_a_replacement_is_asked_first(
    live_server, new_page, teacher, course
):
    make_teacher(teacher)
    code = course.new_join_code()
    shown = f"{code[:4]}-{code[4:]}"
    page = new_page(LAPTOP)
    log_in(page, live_server, teacher)
    page.goto(f"{live_server.url}/admin/courses/course/{course.pk}/change/")
    replace = page.get_by_role("button", name="Replace it with a new code")
    save = page.get_by_role("button", name="Save", exact=True)
    assert replace.bounding_box()["height"] >= 0.9 * save.bounding_box()["height"]
    assert page.get_by_role("button", name="Remove the code").bounding_box()["height"] >= 32

    replace.click()  # by mistake, in the middle of a lesson
    expect(page.get_by_role("heading", level=1)).to_have_text("Replace the join code of Arithmetic?")
    expect(page.locator("#join-code")).to_have_text(shown)
    page.get_by_role("link", name=f"No, keep {shown}").click()
    expect(page.locator("#join-code")).to_have_text(shown)
    course.refresh_from_db()
    assert course.join_code == code

    page.get_by_role("button", name="Replace it with a new code").click()
    page.get_by_role("button", name=f"Yes, replace {shown}").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Replaced the join code {shown} with")
    course.refresh_from_db()
    assert course.join_code != code


def test_an_overrides_end_is_chosen_with_the_calendar_and_the_clock(
    live_server, new_page, teacher, course, student
):
    make_teacher(teacher)
    enroll(learner_for(student), course)
    page = new_page(LAPTOP)
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content-Security" in message.text else None,
    )
    log_in(page, live_server, teacher)
    page.goto(f"{live_server.url}/admin/courses/override/add/?course={course.pk}")
    page.locator("#id_learner + .select2").click()
    page.locator(".select2-search__field").fill(student.username)
    page.locator(".select2-results__option", has_text=student.username).click()
    page.get_by_label("Kind").select_option(label="Pin an exercise")
    page.get_by_label("Exercise").select_option(label=exercise_label(course.exercises.get(key="mul-1")))
    page.get_by_label("Reason").fill("exam next month")
    page.get_by_role("link", name="Choose a Date").click()  # the admin's calendar, a script of its own
    page.locator(".calendarbox .calendarnav-next").first.click()
    page.locator(".calendarbox td:not(.nonday) a", has_text=re.compile(r"^15$")).first.click()
    page.get_by_role("link", name="Now").click()
    date = page.get_by_label("Ends at: date")
    time = page.get_by_label("Ends at: time")
    expect(date).to_have_value(re.compile(r"^\d{4}-\d{2}-15$"))
    expect(time).to_have_value(re.compile(r"^\d{2}:\d{2}(:\d{2})?$"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert violations == []
    ends_at = Override.objects.get().ends_at
    assert ends_at is not None and ends_at.day == 15
    expect(page.locator("td.field-standing")).to_have_text(
        re.compile(r"^in force until 15 \w+ \d{4}, \d{2}:\d{2}$")
    )
