"""A teacher corrects an exercise's answer after learners answered it: their attempts keep the result
they were given, and their result pages say that the answer changed instead of contradicting it."""

import pytest
from django.urls import reverse

from conftest import client_for
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_then_changed(client, student, course):
    """sam answered count-2 ("Which is more?") with 7, which was right; then its answer became 4."""
    learner = learner_for(student)
    enroll(learner, course)
    result = record_attempt(learner, course, "count-2", "7", source="web", idempotency_key="k1")
    course.exercises.filter(key="count-2").update(answer="4")
    client.force_login(student)
    return result.attempt


def test_the_result_page_keeps_the_result_and_says_the_answer_changed(client, course, answered_then_changed):
    html = client.get(
        reverse("learners:attempt", args=[course.slug, answered_then_changed.pk])
    ).content.decode()
    assert "Correct!" in html
    assert '<dd class="your-answer">7</dd>' in html
    assert "Correct answer" not in html
    assert "The answer of this exercise was changed after you answered." in html


def test_a_result_page_shows_the_correct_answer_while_it_is_unchanged(client, student, course):
    learner = learner_for(student)
    enroll(learner, course)
    attempt = record_attempt(learner, course, "count-2", "4", source="web", idempotency_key="k1").attempt
    client.force_login(student)
    html = client.get(reverse("learners:attempt", args=[course.slug, attempt.pk])).content.decode()
    assert '<dd class="correct-answer">7</dd>' in html
    assert "was changed" not in html


def test_a_retried_api_answer_says_the_answer_changed(student, course, answered_then_changed):
    api = client_for(student)
    body = {"course": "arithmetic", "exercise": "count-2", "response": "7"}
    replay = api.post("/api/v1/attempts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1").json()
    assert replay["correct"] is True
    assert (replay["feedback"]["answer_changed"], replay["feedback"]["correct_answer"]) == (True, None)
