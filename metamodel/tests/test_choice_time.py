"""A choice is made at the moment it is asked for: a caller's ``now`` reaches the model and the policy."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from conftest import train_on_simulated_learners
from learners.models import Attempt
from learners.services import enroll, learner_for, record_attempt
from metamodel import services
from metamodel.services import recommend_next

pytestmark = pytest.mark.django_db

LEARNT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HALF_LIFE_DAYS = 200


class ForgettingModel:
    """The trained model, except that success on counting halves every HALF_LIFE_DAYS after LEARNT: the
    forgetting a model learns from real data, made certain (a model trained in a test learns too little)."""

    def __init__(self, model):
        self.model = model

    def adapt(self, history, candidates):
        return self.model.adapt(history, candidates)

    def predict(self, params, candidates, now: int) -> np.ndarray:
        days = (now - LEARNT.timestamp()) / 86_400
        counting = np.array([c.exercise.startswith("arithmetic/count") for c in candidates])
        return np.where(
            counting, 0.95 * 0.5 ** (days / HALF_LIFE_DAYS), self.model.predict(params, candidates, now)
        )


@pytest.fixture
def learnt_counting(course, student, monkeypatch):
    """A learner who answered every counting exercise right, twice, on the morning of LEARNT."""
    train_on_simulated_learners()
    load = services.load_version
    monkeypatch.setattr(services, "load_version", lambda version: ForgettingModel(load(version)))
    learner = learner_for(student)
    enroll(learner, course)
    answers = [("count-1", "3"), ("count-2", "7"), ("count-3", "two")] * 2
    for minute, (key, response) in enumerate(answers):
        at = LEARNT + timedelta(minutes=minute)
        record_attempt(learner, course, key, response, source=Attempt.Source.SIMULATION, at=at)
    return learner


def predicted(recommendation) -> dict[str, float]:
    return {c["exercise"]: c["predicted_correct"] for c in recommendation.candidates}


def test_a_skill_just_learnt_is_not_practised_again(course, learnt_counting):
    soon = recommend_next(learnt_counting, course, now=LEARNT + timedelta(hours=1))
    # Addition is next; mul-1 also needs multiplication, which waits for addition.
    assert set(predicted(soon)) == {"add-1", "add-2"}


def test_a_skill_learnt_long_ago_comes_back_for_review(course, learnt_counting):
    course.exercises.exclude(key__startswith="count").update(active=False)  # nothing else to practise
    later = recommend_next(learnt_counting, course, now=LEARNT + timedelta(days=HALF_LIFE_DAYS))
    assert later.reasons[0] == f"review: Counting not practised for {HALF_LIFE_DAYS} days"
    # The model predicts at the later moment; count-3, answered last, is never offered straight again.
    assert predicted(later) == pytest.approx({"count-1": 0.475, "count-2": 0.475})
