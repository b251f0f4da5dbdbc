"""What a learner may answer: with a recommendation, the exercise recommended or one of its three
alternatives; without one, any exercise of the course but those a teacher set aside."""

import pytest

from conftest import answer_via_api, right_answer, train_on_simulated_learners
from courses.models import Override
from learners.models import Attempt
from learners.services import enroll, learner_for
from metamodel.models import Recommendation

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
    assert answer_via_api(enrolled, "count-1", right_answer(course, "count-1"), "k5").status_code == 201
