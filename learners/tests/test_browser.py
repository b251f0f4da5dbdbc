"""A student's sessions in real headless Chromium, against a live server, at phone width: the first one,
reading why an exercise was chosen, then taking one of the alternatives instead, and going back to an
exercise already answered."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in, train_on_simulated_learners
from courses.models import Exercise
from learners.models import Attempt
from metamodel.models import Recommendation
from metamodel.policy import explain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shown_exercise(page: Page) -> Exercise:
    recommendation_id = page.locator("#id_recommendation").input_value()
    return Recommendation.objects.select_related("exercise").get(pk=recommendation_id).exercise


def give_answer(page: Page, exercise: Exercise, right: bool) -> None:
    if exercise.type == Exercise.Type.MULTIPLE_CHOICE:
        choice = exercise.answer if right else next(c for c in exercise.choices if c != exercise.answer)
        page.get_by_role("group", name="Your answer").get_by_label(choice, exact=True).check()
    elif exercise.type == Exercise.Type.NUMERIC:
        page.get_by_label("Your answer").fill(str(exercise.answer if right else float(exercise.answer) + 1))
    else:
        page.get_by_label("Your answer").fill(exercise.answer[0] if right else "not the answer")
    page.get_by_role("button", name="Check my answer").click()


def test_a_student_signs_up_enrolls_practises_and_sees_progress(live_server, course, page: Page):
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label(re.compile(r"^Password:?$")).fill("Analytical-engine-1843")
    page.get_by_label("The same password again").fill("Analytical-engine-1843")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Courses")
    expect(page.get_by_text("Welcome, ada!")).to_be_visible()
    page.get_by_role("button", name="Enroll in Arithmetic").click()
    expect(page.get_by_text("You are enrolled in Arithmetic.")).to_be_visible()

    page.get_by_role("link", name="See your progress").click()
    expect(page.locator("#total-answered")).to_have_text("0")

    page.get_by_role("link", name="Practise").click()
    outcomes = [True, False, True]
    for number, right in enumerate(outcomes, start=1):
        expect(page.get_by_role("heading", name="Exercise")).to_be_visible()
        assert fits_the_screen(page)
        exercise = shown_exercise(page)
        if exercise.hints and number == 1:
            page.get_by_role("button", name="Show a hint").click()
            expect(page.get_by_text(exercise.hints[0])).to_be_visible()
            assert shown_exercise(page) == exercise
        give_answer(page, exercise, right)

        expect(page.get_by_role("heading", level=1)).to_have_text(
            re.compile("Correct!" if right else "Not quite.")
        )
        expect(page.locator(".correct-answer")).to_be_visible()
        if exercise.explanation:
            expect(page.get_by_role("heading", name="Worked explanation")).to_be_visible()
        assert fits_the_screen(page)
        if number < len(outcomes):
            page.get_by_role("link", name="Next exercise").click()

    attempts = list(Attempt.objects.filter(learner__user__username="ada").order_by("id"))
    assert [attempt.correct for attempt in attempts] == outcomes
    assert attempts[0].hints_used == (1 if attempts[0].exercise.hints else 0)

    page.get_by_role("link", name="See your progress").click()
    expect(page.locator("#total-answered")).to_have_text("3")
    expect(page.locator("#total-right")).to_have_text("2 (67%)")
    practised = page.locator("tbody tr").filter(has_text="just now")
    expect(practised.first).to_be_visible()
    assert fits_the_screen(page)


def test_a_student_reads_why_and_picks_one_of_the_alternatives_instead(
    live_server, course, student, page: Page
):
    train_on_simulated_learners()  # an active model: the policy's choice, its reasons and alternatives
    log_in(page, live_server, student)
    expect(page.get_by_role("heading", level=1)).to_have_text("Courses")
    page.get_by_role("button", name="Enroll in Arithmetic").click()
    expect(page.get_by_text("You are enrolled in Arithmetic.")).to_be_visible()
    page.goto(f"{live_server.url}/courses/{course.slug}/practice/")

    recommended = shown_exercise(page)
    recommendation = Recommendation.objects.latest("id")
    page.get_by_text("Why this exercise?").click()
    expect(
        page.get_by_text(recommendation.reasons[0][:1].upper() + recommendation.reasons[0][1:])
    ).to_be_visible()
    expect(page.get_by_text(explain(recommendation.reasons[0]))).to_be_visible()  # in a pupil's words
    assert fits_the_screen(page)

    alternatives = page.get_by_role("region", name="Or pick another").get_by_role("link")
    expect(alternatives.first).to_be_visible()
    alternatives.first.click()
    expect(page.get_by_text("You chose this exercise instead of the recommended one.")).to_be_visible()
    picked = Exercise.objects.get(course=course, key=page.url.split("exercise=")[1].split("&")[0])
    assert picked != recommended
    give_answer(page, picked, right=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Correct!"))
    recommendation.refresh_from_db()
    assert recommendation.learner_choice == picked


def test_going_back_to_an_answered_exercise_moves_on_to_a_fresh_one(live_server, course, student, page: Page):
    log_in(page, live_server, student)
    page.get_by_role("button", name="Enroll in Arithmetic").click()
    page.goto(f"{live_server.url}/courses/{course.slug}/practice/")
    exercise = shown_exercise(page)
    first = page.locator("#id_recommendation").input_value()
    page.get_by_role("button", name="Show a hint").click()
    expect(page.get_by_text(exercise.hints[0])).to_be_visible()
    give_answer(page, exercise, right=False)
    expect(page.locator(".correct-answer")).to_be_visible()

    page.go_back()
    page.reload()
    expect(page.get_by_text("This exercise was already answered. Here is another exercise.")).to_be_visible()
    assert page.locator("#id_recommendation").input_value() != first
    give_answer(page, shown_exercise(page), right=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Correct!"))
    assert [a.correct for a in Attempt.objects.filter(recommendation_id=first)] == [False]
