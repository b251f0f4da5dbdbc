"""A student downloads everything kept about them and deletes their account with all of it, by page or API;
nobody else's data comes with the download or goes with the deletion."""

import json

import pytest
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from conftest import answer_via_api, client_for, right_answer, train_on_simulated_learners
from courses.models import Override
from learners.models import Attempt, Learner, SkillProgress
from learners.services import enroll, learner_for
from learners.tests.factories import UserFactory
from metamodel.models import LearnerState, Recommendation

pytestmark = pytest.mark.django_db

PASSWORD = "Analytical-engine-1843"


@pytest.fixture
def practised(course, student, other_student, teacher):
    """Sam and Olga have each answered two exercises the engine chose; a model is active; Tess has one
    instruction about Sam and one for the whole course."""
    train_on_simulated_learners()
    for user in (student, other_student):
        user.set_password(PASSWORD)
        user.save()
        enroll(learner_for(user), course)
        client = client_for(user)
        for n in range(2):
            chosen = client.get("/api/v1/courses/arithmetic/next/").json()
            answer = right_answer(course, chosen["key"])
            body = answer_via_api(
                client, chosen["key"], answer, f"k{n}", recommendation=chosen["recommendation"]
            )
            assert body.status_code == 201
    sam = learner_for(student)
    Override.objects.create(course=course, learner=sam, kind="target_band", band_low=0.5, band_high=0.7,
                            reason="Sam is ready for more", created_by=teacher)  # fmt: skip
    Override.objects.create(course=course, kind="target_band", band_low=0.6, band_high=0.8,
                            reason="the whole class", created_by=teacher)  # fmt: skip
    return sam


def test_a_student_downloads_all_that_is_kept_about_them_and_only_that(practised, student):
    data = client_for(student).get("/api/v1/account/").json()
    assert data["format"] == 1 and data["account"]["username"] == "sam"
    assert [e["course"] for e in data["enrollments"]] == ["arithmetic"]
    mine = Attempt.objects.filter(learner=practised)
    assert sorted(a["id"] for a in data["attempts"]) == sorted(mine.values_list("pk", flat=True))
    assert len(data["attempts"]) == 2 and all(a["correct"] for a in data["attempts"])
    recommendations = Recommendation.objects.filter(learner=practised)
    assert sorted(r["id"] for r in data["recommendations"]) == sorted(
        recommendations.values_list("pk", flat=True)
    )
    assert all(r["reasons"] and r["candidates"] for r in data["recommendations"])
    assert {s["skill"] for s in data["skill_progress"]} == set(
        SkillProgress.objects.filter(learner=practised).values_list("skill__key", flat=True)
    )
    [state] = data["engine_states"]
    assert state["course"] == "arithmetic" and state["attempts_seen"] == 2 and state["params"]
    assert [o["reason"] for o in data["overrides"]] == ["Sam is ready for more"]  # not the class's


def test_a_student_who_never_practised_downloads_their_account_and_nothing_else(course, other_student):
    Override.objects.create(course=course, kind="exclude_exercise", exercise=course.exercises.first(),
                            reason="broken")  # fmt: skip
    data = client_for(other_student).get("/api/v1/account/").json()
    assert data["account"]["username"] == "olga"
    assert all(data[part] == [] for part in ("enrollments", "attempts", "recommendations", "overrides"))


def test_deleting_the_account_takes_everything_about_it_and_nothing_else(practised, student, other_student):
    api = client_for(student)
    olga = learner_for(other_student)
    kept = {
        "attempts": Attempt.objects.filter(learner=olga).count(),
        "recommendations": Recommendation.objects.filter(learner=olga).count(),
        "states": LearnerState.objects.filter(learner=olga).count(),
    }
    missing = api.post("/api/v1/account/delete/", {}, format="json")
    assert missing.status_code == 400 and missing.json() == {"password": ["This field is required."]}
    wrong = api.post("/api/v1/account/delete/", {"password": "guess"}, format="json")
    assert wrong.status_code == 400 and wrong.json() == {"password": ["This is not the account's password."]}
    assert get_user_model().objects.filter(username="sam").exists()

    assert api.post("/api/v1/account/delete/", {"password": PASSWORD}, format="json").status_code == 204
    assert not get_user_model().objects.filter(username="sam").exists()
    assert not Learner.objects.filter(pk=practised.pk).exists()
    for model in (Attempt, Recommendation, LearnerState, SkillProgress, Override):
        assert not model.objects.filter(learner_id=practised.pk).exists(), model.__name__
    assert api.get("/api/v1/account/").status_code == 401  # its token went with it
    assert {
        "attempts": Attempt.objects.filter(learner=olga).count(),
        "recommendations": Recommendation.objects.filter(learner=olga).count(),
        "states": LearnerState.objects.filter(learner=olga).count(),
    } == kept
    assert Override.objects.filter(learner=None).count() == 1  # the class's instruction stays


def test_deleting_the_account_takes_the_admin_s_log_entries_that_name_the_student(
    course, practised, student, other_student, teacher
):
    about_olga = Override.objects.create(
        course=course, learner=learner_for(other_student), kind="pin_skill", skill=course.skills.first(),
        reason="Olga first", created_by=teacher,
    )  # fmt: skip
    for record in (*Override.objects.all(), practised, about_olga):
        LogEntry.objects.log_actions(teacher.pk, [record], ADDITION, single_object=True)
    named = LogEntry.objects.filter(object_repr__contains="sam")
    assert named.exists()
    assert (
        client_for(student).post("/api/v1/account/delete/", {"password": PASSWORD}, format="json").status_code
        == 204
    )
    assert not LogEntry.objects.filter(object_repr__contains="sam").exists()
    # The entries about others stay: Olga's instruction and the one for the whole class.
    assert set(LogEntry.objects.values_list("object_id", flat=True)) >= {
        str(about_olga.pk),
        str(Override.objects.get(learner=None).pk),
    }


def test_deleting_the_account_takes_log_entries_about_records_deleted_before(course, student, teacher):
    student.set_password(PASSWORD)
    student.save()
    enrollment, _ = enroll(learner_for(student), course)
    LogEntry.objects.log_actions(teacher.pk, [enrollment], DELETION, single_object=True)  # sam in arithmetic
    enrollment.delete()  # a teacher removed it in the admin
    sammy = UserFactory(username="sammy")
    others, _ = enroll(learner_for(sammy), course)
    LogEntry.objects.log_actions(teacher.pk, [others], ADDITION, single_object=True)  # "sammy in arithmetic"
    assert (
        client_for(student).post("/api/v1/account/delete/", {"password": PASSWORD}, format="json").status_code
        == 204
    )
    assert list(LogEntry.objects.values_list("object_repr", flat=True)) == ["sammy in arithmetic"]


def test_staff_accounts_and_a_platform_that_turned_deletion_off_refuse(teacher, student, settings):
    teacher.set_password(PASSWORD)
    teacher.save()
    refused = client_for(teacher).post("/api/v1/account/delete/", {"password": PASSWORD}, format="json")
    assert refused.status_code == 403 and "deleted by an administrator" in refused.json()["detail"]
    settings.ACCOUNT_DELETION_OPEN = False
    student.set_password(PASSWORD)
    student.save()
    refused = client_for(student).post("/api/v1/account/delete/", {"password": PASSWORD}, format="json")
    assert refused.status_code == 403 and "turned off on this platform" in refused.json()["detail"]
    assert get_user_model().objects.filter(pk__in=[teacher.pk, student.pk]).count() == 2


def test_the_download_holds_what_the_account_was_registered_with():
    client = APIClient()
    body = {"username": "ada", "password": "Analytical-engine-1843", "email": "ada@example.org"}
    token = client.post("/api/v1/auth/register/", body, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    account = client.get("/api/v1/account/").json()["account"]
    # The address waits for the link e-mailed to it (test_email_confirm).
    assert (account["username"], account["email"]) == ("ada", "")
    assert account["pending_email"]["email"] == "ada@example.org"


def test_one_students_guesses_do_not_hold_back_another_at_the_same_address(student, other_student):
    for _ in range(11):
        client_for(student).post("/api/v1/account/delete/", {"password": "guess"}, format="json")
    other_student.set_password(PASSWORD)
    other_student.save()
    olga = client_for(other_student)
    assert olga.post("/api/v1/account/delete/", {"password": "guess"}, format="json").status_code == 400
    assert olga.post("/api/v1/account/delete/", {"password": PASSWORD}, format="json").status_code == 204


def test_guessing_the_password_to_delete_an_account_is_rate_limited(student):
    client = client_for(student)
    answers = [
        client.post("/api/v1/account/delete/", {"password": "guess"}, format="json").status_code
        for _ in range(11)
    ]
    assert answers == [400] * 10 + [429]


def test_the_account_page_downloads_the_data_and_deletes_the_account(client, practised, student):
    client.force_login(student)
    page = client.get("/account/")
    assert page.status_code == 200 and "Delete my account and data" in page.content.decode()
    download = client.get("/account/data.json")
    assert download["Content-Disposition"] == 'attachment; filename="adaptive-learning-sam.json"'
    saved, served = json.loads(download.content), client_for(student).get("/api/v1/account/").json()
    assert saved["attempts"] == served["attempts"] and saved["recommendations"] == served["recommendations"]

    wrong = client.post("/account/", {"password": "guess"})
    assert wrong.status_code == 400 and "This is not your password." in wrong.content.decode()
    assert Learner.objects.filter(pk=practised.pk).exists()
    done = client.post("/account/", {"password": PASSWORD}, follow=True)
    assert "Your account and everything kept about your practice are deleted." in done.content.decode()
    assert done.redirect_chain[-1][0] == "/accounts/login/"
    assert not Learner.objects.filter(pk=practised.pk).exists()
    assert client.get("/account/").status_code == 302  # signed out
