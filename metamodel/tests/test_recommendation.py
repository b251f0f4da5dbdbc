"""With an active model the next exercise is chosen on its predictions; without one, by the mastery rule."""

from pathlib import Path

import pytest

from conftest import train_on_simulated_learners
from metamodel.models import LearnerState, Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


def test_without_a_model_the_rule_decides(enrolled):
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert (body["policy"], body["predicted_correct"]) == ("rule", None)


def test_with_an_active_model_the_choice_carries_its_prediction_and_version(enrolled, student):
    version = train_on_simulated_learners().model_version
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert body["policy"] == "model"
    assert 0 < body["predicted_correct"] < 1
    assert body["reasons"][-1].startswith("stretch: ") and "predicted success" in body["reasons"][-1]
    assert Recommendation.objects.get(pk=body["recommendation"]).model_version == version
    # Asking caught the learner's state up inline: it is stored, stamped with the version.
    assert LearnerState.objects.get(learner__user=student).model_version == version


def test_an_answer_updates_the_learner_state_before_the_next_choice(enrolled, student):
    train_on_simulated_learners()
    body = enrolled.post(
        "/api/v1/attempts/",
        {"course": "arithmetic", "exercise": "count-1", "response": "3"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    ).json()
    state = LearnerState.objects.get(learner__user=student)
    assert state.last_attempt_id == body["attempt"] and state.attempts_seen == 1
    assert body["next"]["policy"] == "model"


def test_a_corrupt_artifact_falls_back_to_the_rule(enrolled):
    version = train_on_simulated_learners().model_version
    Path(version.artifact).write_bytes(b"not a model")
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert (body["policy"], body["predicted_correct"]) == ("rule", None)
