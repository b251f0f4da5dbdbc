"""What a teacher does in the dashboard, a school's own tools do through the API: re-mark an exercise's past
answers after correcting it (what changes shown first), and enroll a class creating the accounts of new
names, with their temporary passwords."""

import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from config.tests.test_api_contract import assert_as_documented
from conftest import client_for
from courses.teachers import make_teacher
from learners.classroom import TEMPORARY_PASSWORD_LENGTH
from learners.models import Attempt, Enrollment, SkillProgress
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db

REMARK = "/api/v1/courses/arithmetic/exercises/count-2/remark/"
REMARK_PATH = "/api/v1/courses/{slug}/exercises/{exercise}/remark/"
CLASS = "/api/v1/courses/arithmetic/class/"
CLASS_PATH = "/api/v1/courses/{slug}/class/"
CHOOSE_FIRST = "Choose your own password first"


@pytest.fixture
def answered_then_corrected(course, student, other_student, teacher):
    """count-2 ("Which is more?", 4 or 7) was answered while its answer was 7: sam's 7 was right, olga's 4
    wrong, and an answer imported from a log was right; then its teacher corrected the answer to 4."""
    make_teacher(teacher)
    sam, olga = learner_for(student), learner_for(other_student)
    for learner in (sam, olga):
        enroll(learner, course)
    right_then = record_attempt(sam, course, "count-2", "7", source="api", idempotency_key="k1").attempt
    wrong_then = record_attempt(olga, course, "count-2", "4", source="api", idempotency_key="k2").attempt
    imported = Attempt.objects.create(
        learner=olga, course=course, exercise=wrong_then.exercise, response=None, correct=True,
        created_at=wrong_then.created_at, source=Attempt.Source.IMPORT,
    )  # fmt: skip
    untouched = record_attempt(sam, course, "count-1", 3, source="api", idempotency_key="k3").attempt
    course.exercises.filter(key="count-2").update(answer="4")
    return {"right_then": right_then, "wrong_then": wrong_then, "imported": imported, "untouched": untouched}


def marks() -> dict[int, bool]:
    return dict(Attempt.objects.values_list("pk", "correct"))


def admin_preview(teacher, exercise_id: int) -> list[tuple[str, str, str]]:
    """The rows of the dashboard's "Re-mark past answers" page: exercise, now right, now wrong."""
    dashboard = Client()
    dashboard.force_login(teacher)
    page = dashboard.post("/admin/courses/exercise/", {"action": "remark", "_selected_action": [exercise_id]})
    return re.findall(
        r"<tr><th scope=\"row\">(.*?)</th><td>(\d+)</td><td>(\d+)</td></tr>", page.content.decode()
    )


def test_the_preview_lists_the_answers_the_dashboard_would_re_mark_and_changes_nothing(
    teacher, answered_then_corrected
):
    before = marks()
    preview = client_for(teacher).get(REMARK)
    assert preview.status_code == 200
    body = assert_as_documented(preview, REMARK_PATH, "GET")
    right_then, wrong_then = answered_then_corrected["right_then"], answered_then_corrected["wrong_then"]
    assert body["exercise"] == "count-2"
    assert (body["now_right"], body["now_wrong"]) == (1, 1)
    assert [
        (a["attempt"], a["learner"], a["response"], a["was_correct"], a["now_correct"])
        for a in body["answers"]
    ] == [
        (right_then.pk, "sam", "7", True, False),
        (wrong_then.pk, "olga", "4", False, True),
    ]
    assert body["answers"][0]["created_at"]
    # The dashboard's own preview counts the same answers.
    assert admin_preview(teacher, wrong_then.exercise_id) == [("arithmetic/count-2", "1", "1")]
    assert marks() == before and not LogEntry.objects.exists()


def test_posting_re_marks_them_as_the_dashboard_does_and_a_second_post_changes_nothing(
    teacher, other_student, answered_then_corrected, django_capture_on_commit_callbacks
):
    api = client_for(teacher)
    previewed = {answer["attempt"] for answer in api.get(REMARK).json()["answers"]}
    before = marks()
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(REMARK)
    assert done.status_code == 200
    body = assert_as_documented(done, REMARK_PATH, "POST")
    assert (body["now_right"], body["now_wrong"]) == (1, 1)
    after = marks()
    assert (
        {pk for pk in after if after[pk] != before[pk]}
        == previewed
        == {a["attempt"] for a in body["answers"]}
    )
    attempts = answered_then_corrected
    assert after[attempts["right_then"].pk] is False and after[attempts["wrong_then"].pk] is True
    assert after[attempts["imported"].pk] is True  # the mark of its log, kept
    assert after[attempts["untouched"].pk] is True
    # Olga's progress follows: her 4, right now, and the imported answer, right in its log.
    progress = SkillProgress.objects.get(learner__user=other_student, skill__key="counting")
    assert (progress.attempts, progress.correct) == (2, 2)
    # The exercise's history says who re-marked it, as the dashboard's action does.
    entry = LogEntry.objects.get(object_id=str(attempts["wrong_then"].exercise_id))
    assert (entry.user, entry.action_flag) == (teacher, CHANGE)
    assert entry.get_change_message() == "Re-marked its past answers: 1 now right, 1 now wrong."

    again = api.post(REMARK)
    assert again.status_code == 200
    assert again.json() == {"exercise": "count-2", "now_right": 0, "now_wrong": 0, "answers": []}
    assert marks() == after
    assert api.get(REMARK).json()["answers"] == []
    # Nothing changed the second time: nothing more in the exercise's history.
    assert LogEntry.objects.filter(object_id=str(attempts["wrong_then"].exercise_id)).count() == 1


def test_only_the_courses_teachers_preview_or_re_mark(
    course, student, other_teacher, teacher, answered_then_corrected
):
    make_teacher(other_teacher)
    before = marks()
    for user in (student, other_teacher):
        api = client_for(user)
        for method in ("GET", "POST"):
            refused = api.generic(method, REMARK)
            assert refused.status_code == 403
            detail = assert_as_documented(refused, REMARK_PATH, method)["detail"]
            assert detail == "Only the course's teachers may re-mark its answers."
    # A draft course is no course at all to those who do not teach it.
    course.published = False
    course.save(update_fields=["published"])
    assert client_for(student).post(REMARK).status_code == 404
    # An exercise the course does not have.
    missing = client_for(teacher).post("/api/v1/courses/arithmetic/exercises/no-such/remark/")
    assert missing.status_code == 404
    assert_as_documented(missing, REMARK_PATH, "POST")
    assert marks() == before and not LogEntry.objects.exists()


def test_enrolling_a_class_creating_accounts_gives_each_new_name_a_temporary_password(
    course, teacher, student
):
    make_teacher(teacher)
    users_before = get_user_model().objects.count()
    names = ["ana", "sam", "ben", "cleo"]
    response = client_for(teacher).post(CLASS, {"usernames": names, "create_accounts": True}, format="json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = assert_as_documented(response, CLASS_PATH, "POST")
    assert (body["enrolled"], body["already"], body["unknown"]) == (["sam", "ana", "ben", "cleo"], [], [])
    assert [account["username"] for account in body["accounts"]] == ["ana", "ben", "cleo"]
    assert get_user_model().objects.count() == users_before + 3
    assert set(
        Enrollment.objects.filter(course=course).values_list("learner__user__username", flat=True)
    ) == set(names)
    for account in body["accounts"]:
        password = account["temporary_password"]
        assert len(password) == TEMPORARY_PASSWORD_LENGTH
        signed_in = APIClient().post(
            "/api/v1/auth/token/", {"username": account["username"], "password": password}, format="json"
        )
        assert signed_in.status_code == 200
        pupil = APIClient()
        pupil.credentials(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
        refused = pupil.get("/api/v1/courses/")
        assert refused.status_code == 403 and CHOOSE_FIRST in refused.json()["detail"]
    # The existing account keeps its password and is not held back.
    assert client_for(student).get("/api/v1/courses/").status_code == 200
    made = LogEntry.objects.filter(action_flag=ADDITION, user=teacher).order_by("object_repr")
    assert [entry.object_repr for entry in made] == ["ana", "ben", "cleo"]


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (
            ["ana", "bad/name", "cleo"],
            "item 2: “bad/name” cannot be a username: letters, digits and @ . + - _ only",
        ),
        (["ana", "two words"], "item 2: “two words” cannot be a username"),
        (["ana", "ben", "ANA"], "item 3: “ANA” is “ana” of item 1 in other capitals"),
        (
            ["ana", "otto"],
            "item 2: “otto” is taken (whatever its capitals) by an account that cannot be enrolled",
        ),
    ],
    ids=["not a username", "a space", "twice in other capitals", "a staff account's"],
)
def test_a_name_no_account_can_be_made_for_is_named_by_its_item_and_nothing_is_done(
    course, teacher, other_teacher, names, problem
):
    make_teacher(teacher)
    users_before = get_user_model().objects.count()
    response = client_for(teacher).post(CLASS, {"usernames": names, "create_accounts": True}, format="json")
    assert response.status_code == 400
    errors = assert_as_documented(response, CLASS_PATH, "POST")
    assert list(errors) == ["usernames"] and len(errors["usernames"]) == 1
    assert errors["usernames"][0].startswith(problem)
    assert get_user_model().objects.count() == users_before
    assert not Enrollment.objects.exists() and not LogEntry.objects.exists()


def test_without_create_accounts_unknown_names_are_only_reported(course, teacher, student):
    make_teacher(teacher)
    users_before = get_user_model().objects.count()
    api = client_for(teacher)
    first = api.post(CLASS, {"usernames": ["sam", "ana"]}, format="json")
    assert first.status_code == 200 and "no-store" not in first.get("Cache-Control", "")
    assert first.json() == {"enrolled": ["sam"], "already": [], "unknown": ["ana"], "warnings": []}
    second = api.post(CLASS, {"usernames": ["sam", "ana"], "create_accounts": False}, format="json")
    assert second.json() == {"enrolled": [], "already": ["sam"], "unknown": ["ana"], "warnings": []}
    assert get_user_model().objects.count() == users_before and not LogEntry.objects.exists()
