"""What a learner may answer: with a recommendation, the exercise recommended or one of its three
alternatives; without one, any exercise of the course but those a teacher set aside."""

import pytest
from django.db.models import Max

from conftest import answer_via_api, right_answer, train_on_simulated_learners
from courses.models import Override
from learners.models import Attempt
from learners.services import enroll, learner_for
from metamodel.models import Recommendation
from metamodel.policy import REPEAT_GAP

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(course, student, api):
    train_on_simulated_learners()  # a model, so that recommendations come with alternatives
    enroll(learner_for(student), course)
    return api


def test_an_exercise_not_offered_with_the_recommendation_is_refused(enrolled, course, student):
    offered = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    alternatives = [a["key"] for a in offered["alternatives"]]
    assert alternatives  # the counting exercises besides the recommended one
    other = course.exercises.exclude(key__in=[offered["key"], *alternatives]).first().key
    refused = answer_via_api(
        enrolled, other, right_answer(course, other), "k1", recommendation=offered["recommendation"]
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "exercise": [
            f"'{other}' was not offered with this recommendation: answer the recommended exercise or one of "
            "its alternatives."
        ]
    }
    assert not Attempt.objects.filter(learner__user=student).exists()
    # Each alternative says what the recommended exercise says about itself, but for why it was chosen.
    for alternative in offered["alternatives"]:
        exercise = course.exercises.get(key=alternative["key"])
        assert alternative["case_sensitive"] == exercise.case_sensitive
        assert alternative["skills"] == [skill.key for skill in exercise.skills.all()]
    assert set(offered) - set(offered["alternatives"][0]) == {
        "recommendation", "course", "reasons", "why", "policy", "propensity", "alternatives"
    }  # fmt: skip
    # One of the alternatives is taken, and logged as the learner's choice.
    chosen = alternatives[-1]
    taken = answer_via_api(
        enrolled, chosen, right_answer(course, chosen), "k2", recommendation=offered["recommendation"]
    )
    assert taken.status_code == 201
    assert Recommendation.objects.get(pk=offered["recommendation"]).learner_choice.key == chosen


def test_an_exercise_a_teacher_set_aside_is_refused(enrolled, course, student, other_student):
    aside = course.exercises.get(key="count-1")
    Override.objects.create(course=course, kind="exclude_exercise", exercise=aside, reason="typo in it")
    refused = answer_via_api(enrolled, "count-1", right_answer(course, "count-1"), "k1")
    assert refused.status_code == 400
    assert refused.json()["exercise"] == [
        "Your teacher has set this exercise aside: it is not practised now."
    ]
    # Another exercise, without a recommendation, is free practice.
    free = course.exercises.exclude(pk=aside.pk).first().key
    assert answer_via_api(enrolled, free, right_answer(course, free), "k2").status_code == 201
    # Set aside for another learner only: this one may answer it.
    Override.objects.all().delete()
    olga = learner_for(other_student)
    enroll(olga, course)
    Override.objects.create(course=course, learner=olga, kind="exclude_exercise", exercise=aside, reason="r")
    assert answer_via_api(enrolled, "count-1", right_answer(course, "count-1"), "k3").status_code == 201
    # Set aside for this learner: refused, until it is lifted.
    Override.objects.create(
        course=course, learner=learner_for(student), kind="exclude_exercise", exercise=aside, reason="r"
    )
    assert answer_via_api(enrolled, "count-1", right_answer(course, "count-1"), "k4").status_code == 400
    Override.objects.update(ended_at="2026-01-01T00:00:00Z")  # lifted
    answer_others(enrolled, course, "count-1")  # count-1 was just answered (k3): five others first
    assert answer_via_api(enrolled, "count-1", right_answer(course, "count-1"), "k5").status_code == 201


def answer_others(client, course, key: str, count: int = REPEAT_GAP) -> None:
    """Answer ``count`` other exercises of the course through the API, without recommendations, those
    answered longest ago first (never answered: first of all)."""
    others = sorted(
        course.exercises.exclude(key=key).annotate(last=Max("attempts__created_at")),
        key=lambda exercise: (exercise.last is not None, exercise.last or 0),
    )[:count]
    for n, other in enumerate(others):
        response = answer_via_api(client, other.key, right_answer(course, other.key), f"other-{n}")
        assert response.status_code == 201


def test_an_exercise_just_answered_through_the_api_is_refused_until_others_were(enrolled, course, student):
    assert answer_via_api(enrolled, "count-1", "2", "k1").json()["feedback"]["correct_answer"] == 3
    refused = answer_via_api(enrolled, "count-1", "3", "k2")  # the answer just shown, sent back
    assert refused.status_code == 400
    assert refused.json()["exercise"] == [
        "You answered 'count-1' in your last 5 answers here and saw its answer: answer other exercises "
        "before this one again, or the one the engine offers next (GET …/next/)."
    ]
    assert Attempt.objects.filter(learner=learner_for(student), exercise__key="count-1").count() == 1
    offered = enrolled.get("/api/v1/courses/arithmetic/next/").json()  # the engine's offer is answered
    body = {"course": "arithmetic", "exercise": offered["key"], "recommendation": offered["recommendation"]}
    response = enrolled.post(
        "/api/v1/attempts/", {**body, "response": right_answer(course, offered["key"])}, format="json",
        HTTP_IDEMPOTENCY_KEY="k3",
    )  # fmt: skip
    assert response.status_code == 201
    answer_others(enrolled, course, "count-1", REPEAT_GAP - 1)  # with the one offered, five others
    assert answer_via_api(enrolled, "count-1", "3", "k4").status_code == 201
