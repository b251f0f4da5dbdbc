"""A recommendation that has its answer is closed: once the correct answer was shown, the same exercise cannot
be answered again from it, on the page or through the API."""

import uuid

import pytest

from learners.models import Attempt
from learners.tests.test_pages import practice_url

pytestmark = pytest.mark.django_db


def shown_form(client, course, **params) -> dict:
    form = client.get(practice_url(course), params).context["form"]
    return {
        name: form[name].value() for name in ("idempotency_key", "recommendation", "hints_used", "exercise")
    }


def test_reopening_an_answered_exercise_moves_on_to_a_fresh_one(client, enrolled, course):
    shown = shown_form(client, course)
    result = client.get(client.post(practice_url(course), {**shown, "response": "4"}).url)
    assert b'<dd class="correct-answer">3</dd>' in result.content

    reopened = client.get(practice_url(course), {"recommendation": shown["recommendation"]})
    assert reopened.status_code == 302
    assert reopened.url == practice_url(course)
    page = client.get(reopened.url)
    assert b"This exercise was already answered. Here is another exercise." in page.content
    assert page.context["recommendation"].pk != shown["recommendation"]


def test_asking_for_a_hint_on_an_answered_exercise_moves_on_to_a_fresh_one(client, enrolled, course):
    shown = shown_form(client, course)
    client.post(practice_url(course), {**shown, "response": "4"})

    hint = client.post(practice_url(course), {**shown, "response": "3", "action": "hint"}, follow=True)
    assert hint.redirect_chain == [(practice_url(course), 302)]
    assert b"This exercise was already answered. Here is another exercise." in hint.content
    assert b"Point at each dot." not in hint.content
    assert hint.context["recommendation"].pk != shown["recommendation"]


def test_answering_an_answered_exercise_again_with_a_new_form_records_nothing(client, enrolled, course):
    shown = shown_form(client, course)
    client.post(practice_url(course), {**shown, "response": "4"})

    again = client.post(
        practice_url(course), {**shown, "idempotency_key": str(uuid.uuid4()), "response": "3"}
    )
    assert again.url == practice_url(course)
    assert b"This exercise was already answered." in client.get(again.url).content
    assert [attempt.correct for attempt in Attempt.objects.all()] == [False]


def answer(api, key: str, response: str, recommendation: int):
    body = {
        "course": "arithmetic",
        "exercise": "count-1",
        "response": response,
        "recommendation": recommendation,
    }
    return api.post("/api/v1/attempts/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_api_refuses_a_second_answer_to_a_recommendation(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    recommendation = api.get("/api/v1/courses/arithmetic/next/").json()["recommendation"]
    first = answer(api, "k1", "4", recommendation)
    assert first.status_code == 201

    second = answer(api, "k2", "3", recommendation)
    assert second.status_code == 400
    assert second.json() == {"recommendation": ["This exercise was already answered."]}
    assert Attempt.objects.count() == 1

    retry = answer(api, "k1", "4", recommendation)
    assert retry.status_code == 200
    assert retry.json() == first.json()
