"""What a keyboard or screen-reader user, or one on a narrow screen, meets on the student pages, in real
headless Chromium: where the focus is and what the page says after a refused form, what the answer field
is described by, hints that keep the answer typed so far, the focus ring, and pages that fit 320 px."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from courses.models import Course
from learners.models import Attempt
from learners.services import enroll, learner_for, record_attempt
from learners.tests.test_browser import fits_the_screen
from learners.tests.test_pages import recommend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROWEST = {"width": 320, "height": 640}


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def open_exercise(page: Page, live_server, student, course: Course, key: str) -> None:
    """Log the student in, enrolled, and open the exercise ``key`` of the course as recommended to them."""
    enroll(learner_for(student), course)
    log_in(page, live_server, student)
    recommendation = recommend(student, course, key)
    page.goto(f"{live_server.url}/courses/{course.slug}/practice/?recommendation={recommendation.pk}")


def test_an_empty_answer_says_error_and_puts_the_focus_on_the_field(live_server, course, student, page: Page):
    open_exercise(page, live_server, student, course, "count-1")
    field = page.get_by_label("Your answer")
    expect(field).to_have_accessible_description(
        "Count: ● ● ● A whole number, a decimal such as 0.75, a fraction such as 3/4 or a mixed number such "
        "as 5 3/4."
    )

    page.get_by_role("button", name="Check my answer").click()
    expect(page).to_have_title(re.compile(r"^Error: Practise Arithmetic"))
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description(re.compile(r"^Count: ● ● ● .* Please give an answer\.$"))
    assert not Attempt.objects.exists()


def test_an_unanswered_choice_puts_the_focus_on_the_first_one(live_server, course, student, page: Page):
    open_exercise(page, live_server, student, course, "count-2")
    answers = page.get_by_role("group", name="Your answer")
    expect(answers).to_have_accessible_description("Which is more?")

    page.get_by_role("button", name="Check my answer").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(answers.get_by_label("4", exact=True)).to_be_focused()
    expect(answers).to_have_accessible_description(
        re.compile(r"^Which is more\? .*Please choose one of the answers\.$")
    )


def test_a_hint_keeps_the_answer_typed_so_far_and_records_nothing(live_server, course, student, page: Page):
    open_exercise(page, live_server, student, course, "count-1")
    page.get_by_label("Your answer").fill("4")
    page.get_by_role("button", name="Show a hint").click()

    expect(page.get_by_text("Point at each dot.")).to_be_visible()
    expect(page.locator("#hint-1")).to_be_focused()  # a screen reader reads the new hint
    expect(page).to_have_title(re.compile(r"^Hint 1 of 1 · Practise Arithmetic"))
    expect(page.get_by_label("Your answer")).to_have_value("4")
    expect(page.get_by_text("Please give an answer.")).to_have_count(0)
    assert not Attempt.objects.exists()

    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Not quite."))
    attempt = Attempt.objects.get()
    assert (attempt.response, attempt.hints_used) == ("4", 1)


def test_hints_are_markdown_as_prompts_are(live_server, course, student, page: Page):
    course.exercises.filter(key="count-1").update(hints=["`len(dots)` counts them, **one** by one."])
    open_exercise(page, live_server, student, course, "count-1")
    page.get_by_role("button", name="Show a hint").click()
    hint = page.locator("#hint-1")
    expect(hint).to_have_text("len(dots) counts them, one by one.")
    expect(hint.locator("code")).to_have_text("len(dots)")
    expect(hint.locator("strong")).to_have_text("one")

    page.get_by_label("Your answer").fill("3")
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("region", name="Hints").locator("code")).to_have_text("len(dots)")


def language_of(locator) -> str:
    """The language a screen reader voices an element's text in: its nearest ``lang``."""
    return locator.evaluate("element => element.closest('[lang]').lang")


def test_a_courses_content_is_marked_in_its_language(live_server, course, student, page: Page):
    Course.objects.filter(pk=course.pk).update(language="fr")
    course.exercises.filter(key="count-2").update(prompt="Lequel est plus grand ?", hints=["Comptez."])
    open_exercise(page, live_server, student, course, "count-2")
    answers = page.get_by_role("group", name="Your answer")
    assert language_of(page.get_by_text("Lequel est plus grand ?")) == "fr"
    assert language_of(answers.get_by_text("7", exact=True)) == "fr"
    assert language_of(answers.locator("legend")) == "en"  # the page's own words stay English
    assert language_of(page.get_by_role("button", name="Check my answer")) == "en"
    page.get_by_role("button", name="Show a hint").click()
    assert language_of(page.get_by_text("Comptez.")) == "fr"

    answers.get_by_label("7", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    assert language_of(page.locator(".correct-answer")) == "fr"
    assert language_of(page.get_by_text("7 comes after 4.")) == "fr"  # the explanation
    page.goto(f"{live_server.url}/courses/{course.slug}/")
    assert language_of(page.get_by_role("heading", level=1)) == "fr"
    assert language_of(page.get_by_role("heading", name="Counting")) == "fr"


def test_a_wrong_password_says_error_on_both_fields(live_server, student, page: Page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(student.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_title(re.compile(r"^Error: Log in"))
    expect(page.get_by_label("Username")).to_be_focused()
    for name in ["Username", "Password"]:
        expect(page.get_by_label(name)).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label(name)).to_have_accessible_description(
            re.compile(r"Please enter a correct username and password")
        )


def test_a_refused_signup_puts_the_focus_on_the_field_to_correct(live_server, page: Page):
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label(re.compile(r"^Password:?$")).fill("Analytical-engine-1843")
    page.get_by_label("The same password again").fill("Analytical-engine-1844")
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_title(re.compile(r"^Error: Sign up"))
    # Both boxes come back empty: the problem is on the first, where the learner starts again.
    password = page.get_by_label(re.compile(r"^Password:?$"))
    expect(password).to_be_focused()
    expect(password).to_have_accessible_description(re.compile("The two passwords were not the same"))


def test_a_long_answer_and_code_in_the_prompt_fit_a_320px_screen(live_server, course, student, new_page):
    course.exercises.filter(key="count-3").update(
        prompt="What does this print?\n\n```python\n"
        "print('two' if len(['a', 'b']) == 2 else 'something else entirely')\n```"
    )
    page = new_page(NARROWEST)
    open_exercise(page, live_server, student, course, "count-3")
    code = page.locator(".prompt pre")
    expect(code).to_be_visible()
    assert code.evaluate("pre => pre.scrollWidth <= pre.clientWidth"), "the code scrolls sideways"
    assert fits_the_screen(page)

    page.get_by_label("Your answer").fill("Supercalifragilisticexpialidocious" * 10)
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Not quite."))
    expect(page.locator(".your-answer")).to_have_text("Supercalifragilisticexpialidocious" * 10)
    assert fits_the_screen(page)


def test_progress_cards_on_a_phone_are_named_by_their_values(live_server, course, student, page: Page):
    learner = learner_for(student)
    enroll(learner, course)
    record_attempt(learner, course, "count-1", "3", source=Attempt.Source.WEB)
    log_in(page, live_server, student)
    page.goto(f"{live_server.url}/courses/{course.slug}/progress/")

    counting = page.locator('tr[data-skill="counting"]')
    expect(counting.get_by_role("cell").first).to_have_accessible_name("1")
    addition = page.locator('tr[data-skill="addition"]')
    expect(addition.get_by_role("cell").nth(1)).to_have_accessible_name("no answers yet")
    expect(addition.get_by_role("cell").nth(1)).to_have_text("—no answers yet")
    assert fits_the_screen(page)


def contrast(first: list[float], second: list[float]) -> float:
    def luminance(rgb: list[float]) -> float:
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


RING_HALO_AND_BACKGROUND = """element => {
    const style = getComputedStyle(element);
    let around = element.parentElement;
    while (getComputedStyle(around).backgroundColor === "rgba(0, 0, 0, 0)") around = around.parentElement;
    return [style.outlineColor, style.boxShadow, getComputedStyle(around).backgroundColor];
}"""


def test_the_focus_ring_of_a_button_stands_out_from_the_page(live_server, course, student, page: Page):
    open_exercise(page, live_server, student, course, "count-1")
    page.get_by_label("Your answer").press("Tab")
    button = page.get_by_role("button", name="Check my answer")
    expect(button).to_be_focused()
    # The ring is drawn outside the button, over the background around it; the halo fills the gap between.
    colours = button.evaluate(RING_HALO_AND_BACKGROUND)
    ring, halo, around = ([float(part) for part in re.findall(r"[\d.]+", colour)[:3]] for colour in colours)
    assert contrast(ring, around) >= 3
    assert halo, "no halo between the ring and the button"
    assert contrast(ring, halo) >= 3
