"""A teacher who steers a learner (a reset, a pin) after the engine chose their next exercise: that choice is
no longer what is offered. The learner following the result page's "next" link gets a fresh one chosen under
the override, the teacher's page of the learner no longer shows the old one as on offer, and an exercise the
learner is working on stays theirs to finish."""

import html

import pytest

from courses.models import Override
from courses.services import add_override, end_override
from learners.models import Attempt
from learners.services import enroll, learner_for
from learners.tests.test_answered_recommendations import shown_form
from learners.tests.test_pages import practice_url
from metamodel.models import Recommendation

pytestmark = pytest.mark.django_db

STEERED = b"Your teacher has changed what you practise here since this exercise was chosen."


def answer_and_next(client, course) -> int:
    """Answer the exercise on screen; returns the recommendation the result page's "next" link opens."""
    shown = shown_form(client, course)
    result = client.get(client.post(practice_url(course), {**shown, "response": "4"}).url)
    return int(result.context["next_url"].split("?recommendation=")[1])


def test_a_pin_made_after_the_next_exercise_was_chosen_gives_a_fresh_choice_under_it(
    client, enrolled, course, teacher
):
    following = answer_and_next(client, course)
    pinned = course.exercises.get(key="mul-1")
    add_override(
        Override(
            course=course, learner=learner_for(enrolled), kind="pin_exercise", exercise=pinned, reason="test"
        ),
        teacher,
    )
    page = client.get(practice_url(course), {"recommendation": following}, follow=True)
    assert page.redirect_chain == [(practice_url(course), 302)]
    assert STEERED + b" Here is another exercise." in page.content
    assert page.context["recommendation"].exercise == pinned

    # Lifting it is steering too: the pinned exercise is no longer what is offered.
    offered = page.context["recommendation"].pk
    end_override(Override.objects.get(kind="pin_exercise"), teacher, "test over")
    again = client.get(practice_url(course), {"recommendation": offered}, follow=True)
    assert STEERED in again.content and again.context["recommendation"].pk != offered


def test_an_override_for_another_learner_leaves_the_choice_on_offer(
    client, enrolled, course, teacher, other_student
):
    following = answer_and_next(client, course)
    olga = learner_for(other_student)
    enroll(olga, course)
    add_override(Override(course=course, learner=olga, kind="reset_state", reason="x"), teacher)
    page = client.get(practice_url(course), {"recommendation": following})
    assert page.status_code == 200 and page.context["recommendation"].pk == following


def test_the_exercise_on_screen_stays_the_learners_to_finish(client, enrolled, course, teacher):
    shown = shown_form(client, course)
    add_override(Override(course=course, kind="pin_skill", skill=course.skills.get(key="multiplication"),
                          reason="test on Friday"), teacher)  # fmt: skip
    hint = client.post(practice_url(course), {**shown, "response": "", "action": "hint"})
    assert hint.status_code == 200 and hint.context["recommendation"].pk == shown["recommendation"]
    answered = client.post(practice_url(course), {**shown, "response": "4"})
    assert answered.status_code == 302
    assert Attempt.objects.get().recommendation_id == shown["recommendation"]


def test_the_teachers_page_no_longer_offers_what_was_chosen_before_a_reset(
    client, enrolled, course, teacher, teacher_client
):
    following = answer_and_next(client, course)
    learner = learner_for(enrolled)
    page_url = f"/admin/courses/course/{course.pk}/learners/{learner.pk}/"

    def offered() -> str:
        page = html.unescape(teacher_client.get(page_url).content.decode())
        return page.split('id="offered-heading"', 1)[1].split("<h2", 1)[0]

    chosen = Recommendation.objects.get(pk=following).exercise.key
    assert chosen in offered()
    add_override(Override(course=course, learner=learner, kind="reset_state", reason="fresh start"), teacher)
    assert chosen not in offered() and "Nothing on offer now" in offered()
    body = teacher_client.get(f"/api/v1/courses/arithmetic/class/{enrolled.username}/").json()
    assert body["offered"] is None

    fresh = client.get(practice_url(course)).context["recommendation"]
    assert fresh.exercise.key in offered()
