import pytest
from django.utils import timezone

from conftest import answer_via_api as answer
from conftest import client_for, right_answer
from learners.models import Attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


def test_a_right_answer_is_recorded_with_feedback_and_the_next_exercise(enrolled):
    recommendation = enrolled.get("/api/v1/courses/arithmetic/next/").json()["recommendation"]
    response = answer(enrolled, "count-1", "3", "k1", recommendation=recommendation)
    assert response.status_code == 201
    body = response.json()
    assert body["correct"] is True
    assert body["feedback"]["message"] == "Correct!"
    assert body["feedback"]["explanation_html"] == "<p>There are <strong>3</strong> dots.</p>"
    assert body["next"]["key"] == "count-2"  # never the exercise just answered
    assert Attempt.objects.get().recommendation_id == recommendation


def test_a_wrong_answer_shows_the_correct_one_and_the_hints(enrolled):
    body = answer(enrolled, "count-1", "4", "k1").json()
    assert body["correct"] is False
    assert body["feedback"]["correct_answer"] == 3
    assert body["feedback"]["hints"] == ["Point at each dot."]


def test_any_active_exercise_of_an_enrolled_course_is_accepted(enrolled):
    assert answer(enrolled, "mul-1", "12", "k1").json()["correct"] is True


def test_the_same_key_and_body_returns_the_stored_result_without_a_second_row(enrolled):
    first = answer(enrolled, "add-1", "5", "same")
    again = answer(enrolled, "add-1", "5", "same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Attempt.objects.count() == 1
    # The attempt recorded is where the 201 says it is; the replay created nothing to point at.
    stored = enrolled.get(first["Location"])
    assert stored.status_code == 200 and stored.json()["id"] == Attempt.objects.get().pk
    assert "Location" not in again


def test_the_same_key_with_another_body_is_refused(enrolled):
    answer(enrolled, "add-1", "5", "same")
    response = answer(enrolled, "add-1", "6", "same")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()
    assert Attempt.objects.count() == 1


def test_keys_belong_to_one_learner(enrolled, other_student):
    other = client_for(other_student)
    other.post("/api/v1/courses/arithmetic/enroll/")
    answer(enrolled, "add-1", "5", "shared-key")
    assert answer(other, "add-1", "7", "shared-key").status_code == 201
    assert Attempt.objects.count() == 2


def test_the_idempotency_key_header_is_required(enrolled):
    response = enrolled.post(
        "/api/v1/attempts/", {"course": "arithmetic", "exercise": "add-1", "response": "5"}, format="json"
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"exercise": "add-1", "response": "5"}, "course"),
        ({"course": "arithmetic", "response": "5"}, "exercise"),
        ({"course": "arithmetic", "exercise": "add-1"}, "response"),
        ({"course": "arithmetic", "exercise": "add-1", "response": {"a": 1}}, "response"),
        ({"course": "nowhere", "exercise": "add-1", "response": "5"}, "course"),
        ({"course": "arithmetic", "exercise": "nope", "response": "5"}, "exercise"),
        (
            {"course": "arithmetic", "exercise": "add-1", "response": "5", "recommendation": 999999},
            "recommendation",
        ),
        ({"course": "arithmetic", "exercise": "add-1", "response": "5", "hints_used": -1}, "hints_used"),
    ],
)
def test_bad_requests_get_a_field_level_400_and_store_nothing(enrolled, body, field):
    response = enrolled.post("/api/v1/attempts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert field in response.json()
    assert not Attempt.objects.exists()


def test_an_unenrolled_learner_cannot_answer_as_they_cannot_ask_for_the_next_exercise(api, course):
    response = answer(api, "add-1", "5", "k1")
    assert response.status_code == 403
    assert response.json() == {"detail": "Enroll in this course first."}
    assert api.get("/api/v1/courses/arithmetic/next/").json() == response.json()
    assert not Attempt.objects.exists()


def test_an_inactive_exercise_is_refused(enrolled, course):
    course.exercises.filter(key="add-1").update(active=False)
    assert answer(enrolled, "add-1", "5", "k1").status_code == 400


def test_students_see_only_their_own_attempts(enrolled, other_student):
    other = client_for(other_student)
    other.post("/api/v1/courses/arithmetic/enroll/")
    answer(enrolled, "add-1", "5", "k1")
    theirs = answer(other, "add-1", "2", "k2").json()["attempt"]
    listed = enrolled.get("/api/v1/attempts/").json()["results"]
    assert [a["learner"] for a in listed] == ["sam"]
    assert enrolled.get(f"/api/v1/attempts/{theirs}/").status_code == 404


def test_teachers_see_attempts_in_their_courses_only(enrolled, teacher, other_teacher):
    answer(enrolled, "add-1", "5", "k1")
    assert len(client_for(teacher).get("/api/v1/attempts/?course=arithmetic").json()["results"]) == 1
    assert client_for(other_teacher).get("/api/v1/attempts/").json()["results"] == []


def test_attempts_filter_by_correctness(enrolled):
    answer(enrolled, "add-1", "5", "k1")  # right
    answer(enrolled, "count-1", "2", "k2")  # wrong
    assert len(enrolled.get("/api/v1/attempts/?correct=false").json()["results"]) == 1


def test_progress_changes_after_answers(enrolled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer(enrolled, "count-1", "3", "k1")
        answer(enrolled, "count-2", "4", "k2")
    skills = {s["skill"]: s for s in enrolled.get("/api/v1/courses/arithmetic/progress/").json()["skills"]}
    assert skills["counting"]["attempts"] == 2
    assert skills["counting"]["correct"] == 1
    assert skills["counting"]["accuracy"] == 0.5
    assert skills["addition"]["attempts"] == 0


def test_attempts_come_newest_first_or_oldest_first_on_request(enrolled):
    for n, exercise in enumerate(["count-1", "add-1", "mul-1"]):
        answer(enrolled, exercise, "0", f"k{n}")
    keys = {
        ordering: [
            a["exercise"] for a in enrolled.get("/api/v1/attempts/", {"ordering": ordering}).json()["results"]
        ]
        for ordering in ("", "created_at", "-created_at")
    }
    assert keys[""] == keys["-created_at"] == ["mul-1", "add-1", "count-1"]
    assert keys["created_at"] == ["count-1", "add-1", "mul-1"]
    refused = enrolled.get("/api/v1/attempts/", {"ordering": "correct"})
    assert refused.status_code == 400 and list(refused.json()) == ["ordering"]


def test_since_accepts_any_iso_offset(enrolled):
    answer(enrolled, "add-1", "5", "k1")
    response = enrolled.get("/api/v1/attempts/", {"since": "2000-01-01T00:00:00-17:22"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    assert enrolled.get("/api/v1/attempts/", {"since": "2999-01-01T00:00:00Z"}).json()["results"] == []


def test_clients_cannot_backdate_an_attempt(enrolled):
    before = timezone.now()
    backdated = {"at": "2001-01-01T00:00:00Z", "created_at": "2001-01-01T00:00:00Z"}
    assert answer(enrolled, "count-1", "3", "k1", **backdated).status_code == 201
    assert Attempt.objects.get().created_at >= before


@pytest.mark.parametrize(
    ("exercise", "response"),
    [
        ("add-1", "abc"),
        ("add-1", "nan"),
        ("add-1", "inf"),
        ("add-1", "1/0"),
        ("add-1", "1e999"),
        ("add-1", "1" + "0" * 400 + "/1"),  # a fraction too large for a float: was a 500
        ("add-1", True),
        ("count-2", True),
        ("count-2", 7),
        ("count-2", "9"),
        ("count-3", 2),
    ],
)
def test_an_answer_that_cannot_be_read_is_refused_like_on_the_page(enrolled, exercise, response):
    result = answer(enrolled, exercise, response, "k1")
    assert result.status_code == 400
    assert list(result.json()) == ["response"]
    assert not Attempt.objects.exists()


def test_an_unreadable_number_gets_the_pages_message(enrolled):
    result = answer(enrolled, "add-1", "abc", "k1")
    assert result.json() == {
        "response": [
            "Enter a number: a whole number, a decimal such as 0.75, a fraction such as 3/4 or a mixed "
            "number such as 5 3/4."
        ]
    }


def test_a_number_with_a_thousands_comma_is_refused_not_misread(enrolled):
    result = answer(enrolled, "add-1", "5,000", "k1")
    assert result.status_code == 400
    assert "Write 5,000 without the comma: 5000" in result.json()["response"][0]
    assert not Attempt.objects.exists()


def test_numbers_may_be_json_numbers_or_fractions(enrolled):
    assert answer(enrolled, "add-1", 5, "k1").json()["correct"] is True
    assert answer(enrolled, "add-2", "3/10", "k2").json()["correct"] is True


def test_an_unknown_filter_value_is_a_field_error(enrolled):
    answer(enrolled, "add-1", "5", "k1")
    response = enrolled.get("/api/v1/attempts/?correct=maybe")
    assert response.status_code == 400
    assert list(response.json()) == ["correct"]
    assert enrolled.get("/api/v1/attempts/?correct=true").json()["count"] == 1


def test_an_answer_is_recorded_and_reported_when_the_task_broker_is_down(
    enrolled, broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(enrolled, "count-1", "3", "k1")
    assert response.status_code == 201
    assert response.json()["correct"] is True
    assert Attempt.objects.count() == 1
    assert "the task broker is unreachable" in caplog.text


def test_a_retry_must_send_every_field_of_the_answer_the_same(enrolled):
    assert answer(enrolled, "add-1", "5", "same").status_code == 201
    for changed in ({"hints_used": 1}, {"duration_ms": 1200}):
        response = answer(enrolled, "add-1", "5", "same", **changed)
        assert response.status_code == 422
        assert response.json() == {"Idempotency-Key": ["This key was already used for a different request."]}
    assert Attempt.objects.get().hints_used == 0


def test_an_exercise_set_aside_after_it_was_recommended_is_refused_as_without_a_recommendation(
    enrolled, teacher
):
    offered = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert offered["key"] == "count-1"
    exclusion = {"course": "arithmetic", "kind": "exclude_exercise", "exercise": "count-1", "reason": "typo"}
    assert client_for(teacher).post("/api/v1/overrides/", exclusion, format="json").status_code == 201
    recommended = answer(enrolled, "count-1", "3", "k1", recommendation=offered["recommendation"])
    chosen = answer(enrolled, "count-1", "3", "k2")
    assert recommended.status_code == chosen.status_code == 400
    assert (
        recommended.json()
        == chosen.json()
        == {"exercise": ["Your teacher has set this exercise aside: it is not practised now."]}
    )
    assert not Attempt.objects.exists()


def test_a_recommendation_is_out_of_date_once_the_learner_has_answered_since(enrolled, course):
    offered = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert offered["key"] == "count-1"
    # Answered on the learner's own initiative, wrong: the answer, 3, is shown.
    shown = answer(enrolled, "count-1", "4", "k1").json()
    assert shown["feedback"]["correct_answer"] == 3
    late = answer(enrolled, "count-1", "3", "k2", recommendation=offered["recommendation"])
    assert late.status_code == 400
    assert late.json() == {
        "recommendation": [
            "This recommendation is out of date: you have answered in this course since it was made. Answer "
            "the one the engine offers now (GET …/next/)."
        ]
    }
    assert [attempt.correct for attempt in Attempt.objects.all()] == [False]
    # The one that came back with the answer is current; a retry of the answer returns it again.
    current = shown["next"]
    assert answer(enrolled, "count-1", "4", "k1").json()["next"] == current
    key = current["key"]
    taken = answer(enrolled, key, right_answer(course, key), "k3", recommendation=current["recommendation"])
    assert taken.status_code == 201
