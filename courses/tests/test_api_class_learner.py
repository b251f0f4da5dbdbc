"""A teacher's client reads one learner of a course's class, as their page in the dashboard shows them: their
figures and skills, what the engine offers them now and why, the overrides in force for them."""

import pytest

from config.tests.test_api_contract import assert_as_documented
from conftest import answer_via_api, client_for, right_answer, train_on_simulated_learners
from courses.models import Override
from courses.services import add_override
from courses.teachers import make_teacher
from learners.models import Learner
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db

PATH = "/api/v1/courses/{slug}/class/{learner}/"


@pytest.fixture
def teacher_api(teacher):
    make_teacher(teacher)
    return client_for(teacher)


def test_a_teacher_reads_one_learner_as_their_page_shows_them(
    api, course, student, teacher, teacher_api, django_capture_on_commit_callbacks
):
    api.post("/api/v1/courses/arithmetic/enroll/")
    first = api.get("/api/v1/courses/arithmetic/next/").json()
    with django_capture_on_commit_callbacks(execute=True):  # the progress is computed after the answer
        assert answer_via_api(api, first["key"], right_answer(course, first["key"]), "k1").status_code == 201
    sam = learner_for(student)
    pin = add_override(
        Override(course=course, learner=sam, kind="pin_skill", skill=course.skills.get(key="counting"),
                 reason="revise"),
        teacher,
    )  # fmt: skip
    band = add_override(
        Override(course=course, kind="target_band", band_low=0.5, band_high=0.7, reason="a hard week"),
        teacher,
    )
    offered = api.get("/api/v1/courses/arithmetic/next/").json()  # chosen under the overrides
    response = teacher_api.get("/api/v1/courses/arithmetic/class/sam/")
    assert response.status_code == 200
    body = assert_as_documented(response, PATH, "GET")
    assert (body["learner"], body["reset_at"], body["answers"], body["answers_right"]) == ("sam", None, 1, 1)
    answered_skills = set(course.exercises.get(key=first["key"]).skills.values_list("key", flat=True))
    assert {s["skill"] for s in body["skills"] if s["attempts"]} == answered_skills
    assert [s["skill"] for s in body["skills"]] == ["counting", "addition", "multiplication"]
    assert body["skill_total"] == 3 and body["stuck_on"] == []
    assert body["estimates"] is None  # no model is active: mastery is read from the answers alone
    # What the learner was offered after their answer, with the reasons they read.
    assert body["offered"]["recommendation"] == offered["recommendation"]
    assert body["offered"]["exercise"] == offered["key"]
    assert body["offered"]["reasons"] == offered["reasons"]
    # The learner's own overrides first, then the course's.
    assert [(o["id"], o["learner"], o["reason"]) for o in body["overrides"]] == [
        (pin.pk, "sam", "revise"),
        (band.pk, None, "a hard week"),
    ]
    # Once it is answered, the engine offers the next exercise, chosen with that answer.
    key, recommendation = offered["key"], offered["recommendation"]
    sent = answer_via_api(api, key, right_answer(course, key), "k2", recommendation=recommendation)
    assert sent.status_code == 201
    after = teacher_api.get("/api/v1/courses/arithmetic/class/sam").json()  # without the trailing slash
    assert after["answers"] == 2
    assert after["offered"]["recommendation"] == sent.json()["next"]["recommendation"]


def test_an_imported_learner_is_named_as_the_class_list_names_them(course, teacher_api):
    imported = Learner.objects.create(external_id="arithmetic:7")
    enroll(imported, course)
    listed = teacher_api.get("/api/v1/courses/arithmetic/class/").json()["results"]
    assert [row["learner"] for row in listed] == ["imported:arithmetic:7"]
    # The class list says where to read each learner in full.
    assert listed[0]["url"] == "http://testserver/api/v1/courses/arithmetic/class/imported:arithmetic:7"
    body = teacher_api.get(listed[0]["url"]).json()
    assert body["learner"] == "imported:arithmetic:7" and body["answers"] == 0 and body["offered"] is None


def test_only_an_enrolled_learner_and_only_for_the_courses_teachers(
    api, course, student, other_student, teacher_api, other_teacher
):
    api.post("/api/v1/courses/arithmetic/enroll/")
    learner_for(other_student)  # not enrolled
    missing = teacher_api.get("/api/v1/courses/arithmetic/class/olga/")
    assert missing.status_code == 404
    assert assert_as_documented(missing, PATH, "GET") == {
        "detail": "No learner 'olga' enrolled in this course."
    }
    assert teacher_api.get("/api/v1/courses/arithmetic/class/nobody/").status_code == 404
    make_teacher(other_teacher)
    refused = client_for(other_teacher).get("/api/v1/courses/arithmetic/class/sam/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the course's teachers may see its class."}
    assert api.get("/api/v1/courses/arithmetic/class/sam/").status_code == 403  # sam themself


def test_with_a_model_each_skill_has_the_engines_estimate(
    api, course, student, teacher_api, django_capture_on_commit_callbacks
):
    api.post("/api/v1/courses/arithmetic/enroll/")
    with django_capture_on_commit_callbacks(execute=True):
        for n, key in enumerate(["count-1", "count-2", "count-3"]):
            assert answer_via_api(api, key, right_answer(course, key), f"k{n}").status_code == 201
    train_on_simulated_learners()
    response = teacher_api.get("/api/v1/courses/arithmetic/class/sam/")
    estimates = {e["skill"]: e for e in assert_as_documented(response, PATH, "GET")["estimates"]}
    assert list(estimates) == ["counting", "addition", "multiplication"]
    # Three right answers in a row on counting, just now: known, and not due for review.
    assert estimates["counting"]["known"] >= 0.85 and not estimates["counting"]["due_for_review"]
    assert estimates["addition"]["known"] < estimates["counting"]["known"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/courses/arithmetic/class/sa%00m/",
        "/api/v1/courses/arith%00metic/",
        "/api/v1/courses/a%00/next/",
    ],
)
def test_a_nul_character_in_the_path_is_a_404_not_a_failed_query(teacher_api, path):
    response = teacher_api.get(path)
    assert response.status_code == 404 and "detail" in response.json()
