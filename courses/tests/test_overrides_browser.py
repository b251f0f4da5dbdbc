"""A teacher steers one learner from the admin dashboard in real headless Chromium, and the learner, in a
browser of their own, gets what the teacher chose and is told why; ending the override lifts it."""

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from courses.admin import course_label, exercise_label
from courses.models import Exercise, Override
from courses.teachers import make_teacher
from learners.services import enroll, learner_for
from metamodel.models import Recommendation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def shown_exercise(page: Page) -> Exercise:
    recommendation_id = page.locator("#id_recommendation").input_value()
    return Recommendation.objects.select_related("exercise").get(pk=recommendation_id).exercise


def answer_and_go_on(page: Page, exercise: Exercise) -> None:
    """Answer the shown exercise (wrongly, which every type accepts) and ask for the next one."""
    if exercise.type == Exercise.Type.MULTIPLE_CHOICE:
        wrong = next(c for c in exercise.choices if c != exercise.answer)
        page.get_by_role("group", name="Your answer").get_by_label(wrong, exact=True).check()
    else:
        page.get_by_label("Your answer").fill("12345")
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_role("link", name="Next exercise").click()


def why(page: Page) -> str:
    page.get_by_text("Why this exercise?").click()
    return page.locator("details.why").inner_text()


def test_a_teacher_pins_an_exercise_for_one_learner_and_the_learner_gets_it_and_is_told_why(
    live_server, course, student, teacher, new_page
):
    make_teacher(teacher)
    enroll(learner_for(student), course)
    learner_page = new_page()
    log_in(learner_page, live_server, student)
    learner_page.goto(f"{live_server.url}/courses/{course.slug}/practice/")
    first = shown_exercise(learner_page)
    assert "Pinned" not in why(learner_page)
    pinned = course.exercises.practisable().exclude(pk=first.pk).order_by("-difficulty", "key").first()

    dashboard = new_page(DESKTOP)
    log_in(dashboard, live_server, teacher)
    dashboard.goto(f"{live_server.url}/admin/courses/override/add/")
    dashboard.get_by_label("Course").select_option(label=course_label(course))
    dashboard.locator("#id_learner + .select2").click()  # the learner is picked by autocomplete
    dashboard.locator(".select2-search__field").fill(student.username)
    dashboard.locator(".select2-results__option", has_text=student.username).click()
    dashboard.get_by_label("Kind").select_option(label="Pin an exercise")
    dashboard.get_by_label("Exercise").select_option(label=exercise_label(pinned))
    dashboard.get_by_label("Reason").fill("exam tomorrow")
    dashboard.get_by_role("button", name="Save", exact=True).click()
    expect(dashboard.locator(".messagelist")).to_contain_text("was added successfully")
    override = Override.objects.get()
    assert (override.learner.user, override.exercise, override.created_by) == (student, pinned, teacher)

    answer_and_go_on(learner_page, first)
    assert shown_exercise(learner_page) == pinned
    reasons = why(learner_page)
    assert "Pinned: your teacher chose this exercise" in reasons
    assert "exam tomorrow" not in reasons  # the teacher's reason is for teachers

    dashboard.goto(f"{live_server.url}/admin/courses/override/")
    dashboard.get_by_role("checkbox", name="Select this object for an action").first.check()
    dashboard.locator("select[name=action]").select_option(
        label="End the selected overrides (they stay on record)"
    )
    dashboard.get_by_role("button", name="Go").click()
    expect(dashboard.get_by_text("End these overrides?")).to_be_visible()  # asked, nothing ended yet
    assert Override.objects.get().ended_at is None
    dashboard.get_by_label("Why (optional)").fill("exam over")
    dashboard.get_by_role("button", name="End them").click()
    expect(dashboard.locator(".messagelist")).to_contain_text("1 override ended.")
    override.refresh_from_db()
    assert (override.ended_by, override.ended_reason) == (teacher, "exam over") and override.ended_at

    answer_and_go_on(learner_page, pinned)
    assert "Pinned" not in why(learner_page)
    assert learner_page.locator("#id_recommendation").input_value()
