"""Teachers steer the engine per course or per learner; every override is kept with who, when and why."""

import pytest
from django.test import Client

from conftest import client_for, train_on_simulated_learners
from courses.models import Override
from courses.teachers import make_teacher
from metamodel.models import LearnerState, Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


def override(teacher, **body):
    return client_for(teacher).post("/api/v1/overrides/", {"course": "arithmetic", **body}, format="json")


def test_a_pinned_exercise_is_what_the_learner_gets_next_and_says_so(enrolled, teacher):
    response = override(teacher, kind="pin_exercise", exercise="mul-1", learner="sam", reason="exam tomorrow")
    assert response.status_code == 201
    assert response.json()["created_by"] == "tess" and response.json()["created_at"]
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert body["key"] == "mul-1"
    assert "your teacher: pin an exercise (exam tomorrow)" in body["reasons"]


def test_excluded_exercises_are_never_recommended_and_ending_lifts_it(enrolled, teacher):
    created = override(
        teacher, kind="exclude_exercise", exercise="count-1", reason="typo in the prompt"
    ).json()
    assert enrolled.get("/api/v1/courses/arithmetic/next/").json()["key"] != "count-1"
    ended = client_for(teacher).post(f"/api/v1/overrides/{created['id']}/end/").json()
    assert ended["ended_at"] is not None
    assert enrolled.get("/api/v1/courses/arithmetic/next/").json()["key"] == "count-1"
    assert Override.objects.count() == 1  # lifted, still on record


def test_a_pinned_skill_holds_the_learner_there_with_the_model_too(enrolled, teacher):
    train_on_simulated_learners()
    override(teacher, kind="pin_skill", skill="multiplication", reason="revision week")
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert (body["key"], body["policy"]) == ("mul-1", "model")


def test_a_learners_band_replaces_the_courses(enrolled, teacher, course):
    train_on_simulated_learners()
    override(
        teacher, kind="target_band", learner="sam", band_low=0.1, band_high=0.3, reason="ready for hard ones"
    )
    reasons = enrolled.get("/api/v1/courses/arithmetic/next/").json()["reasons"]
    assert "your teacher: set the target band (ready for hard ones)" in reasons
    assert any("10%-30%" in reason or reason.startswith("warm-up") for reason in reasons)


def test_resetting_a_learner_drops_their_adapted_state(enrolled, teacher):
    train_on_simulated_learners()
    enrolled.post(
        "/api/v1/attempts/",
        {"course": "arithmetic", "exercise": "count-1", "response": "3"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert LearnerState.objects.get().attempts_seen == 1
    assert (
        override(teacher, kind="reset_state", learner="sam", reason="shared the account").status_code == 201
    )
    assert not LearnerState.objects.exists()
    enrolled.get("/api/v1/courses/arithmetic/next/")
    assert LearnerState.objects.get().attempts_seen == 0  # attempts before the reset no longer count


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "pin_skill", "reason": "x"}, "skill"),
        ({"kind": "pin_exercise", "exercise": "nope", "reason": "x"}, "exercise"),
        ({"kind": "target_band", "band_low": 0.9, "band_high": 0.2, "reason": "x"}, "band_high"),
        ({"kind": "reset_state", "reason": "x"}, "learner"),
        ({"kind": "pin_skill", "skill": "addition", "learner": "ghost", "reason": "x"}, "learner"),
        ({"kind": "pin_skill", "skill": "addition"}, "reason"),
        ({"kind": "shout", "reason": "x"}, "kind"),
    ],
)
def test_bad_overrides_get_field_errors_and_store_nothing(teacher, course, body, field):
    response = override(teacher, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Override.objects.exists()


def test_only_the_courses_teachers_steer_it(course, other_teacher, api):
    response = override(other_teacher, kind="pin_skill", skill="addition", reason="x")
    assert response.status_code == 400
    assert response.json()["course"] == ["You do not teach this course."]
    body = {"course": "arithmetic", "kind": "pin_skill", "skill": "addition", "reason": "x"}
    assert api.post("/api/v1/overrides/", body, format="json").status_code == 403
    assert not Override.objects.exists()


def test_teachers_add_overrides_in_the_admin(teacher, course, enrolled):
    make_teacher(teacher)
    client = Client()
    client.force_login(teacher)
    skill = course.skills.get(key="addition")
    response = client.post(
        "/admin/courses/override/add/",
        {"course": course.pk, "kind": "pin_skill", "skill": skill.pk, "reason": "focus"},
    )
    assert response.status_code == 302
    assert Override.objects.get().created_by == teacher
    assert enrolled.get("/api/v1/courses/arithmetic/next/").json()["key"].startswith("add-")


def test_a_learner_may_take_an_alternative_and_the_choice_is_logged(enrolled):
    train_on_simulated_learners()
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert body["alternatives"], "the top alternatives come with the recommendation"
    alternative = body["alternatives"][0]
    assert "answer" not in alternative and 0 < alternative["predicted_correct"] < 1
    enrolled.post(
        "/api/v1/attempts/",
        {
            "course": "arithmetic",
            "exercise": alternative["key"],
            "response": "1",
            "recommendation": body["recommendation"],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert Recommendation.objects.get(pk=body["recommendation"]).learner_choice.key == alternative["key"]
