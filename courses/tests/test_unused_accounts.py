"""A teacher who typed a name wrong on Enroll a class ("tomm" for "tom") deletes the account it made, from the
pupil's page or through the API, while it has never been used; an account in use, or not theirs alone to
delete, stays, and the page offers nothing."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.test import Client

from config.tests.test_api_contract import assert_as_documented
from conftest import arithmetic_document, client_for
from courses.services import import_course
from courses.teachers import make_teacher
from learners.classroom import enroll_class_creating_accounts
from learners.models import Enrollment, Learner
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db

OFFER = "Delete this account (made by mistake)"
API = "/api/v1/courses/arithmetic/class/tomm/"
API_PATH = "/api/v1/courses/{slug}/class/{learner}/"


@pytest.fixture
def tomm(course, teacher):
    """The slip of an account a teacher of the course made by mistake, enrolling the class."""
    return enroll_class_creating_accounts(course, [(1, "tomm")], teacher).slips[0]


def learner_page(course, username: str = "tomm") -> str:
    return f"/admin/courses/course/{course.pk}/learners/{Learner.objects.get(user__username=username).pk}/"


def exists(username: str = "tomm") -> bool:
    return get_user_model().objects.filter(username=username).exists()


def test_a_teacher_deletes_a_just_made_never_used_account(teacher_client, course, teacher):
    teacher_client.post(
        f"/admin/courses/course/{course.pk}/enroll/", {"usernames": "tomm", "create_accounts": "on"}
    )
    tomm_id = get_user_model().objects.get(username="tomm").pk
    page = learner_page(course)
    assert OFFER in teacher_client.get(page).content.decode()
    confirmation = teacher_client.get(f"{page}delete/")
    assert confirmation.status_code == 200
    text = confirmation.content.decode()
    assert "tomm" in text and "never been used" in text and "This cannot be undone" in text
    assert exists()  # asking deletes nothing

    done = teacher_client.post(f"{page}delete/", follow=True)
    assert done.redirect_chain == [(f"/admin/courses/course/{course.pk}/mastery/", 302)]
    assert "Deleted tomm&#x27;s account: it had never been used." in done.content.decode()
    assert not exists() and not Learner.objects.filter(user_id=tomm_id).exists()
    assert not Enrollment.objects.filter(course=course).exists()
    assert ">tomm<" not in teacher_client.get(f"/admin/courses/course/{course.pk}/mastery/").content.decode()
    logged = LogEntry.objects.get(object_id=str(tomm_id), action_flag=DELETION)
    assert logged.user == teacher and logged.object_repr == "tomm"


def refused(client, course, reason: str) -> None:
    """The page offers no deletion, and asking or sending it anyway deletes nothing and says why."""
    page = learner_page(course)
    assert OFFER not in client.get(page).content.decode()
    for method in (client.get, client.post):
        answer = method(f"{page}delete/", follow=True)
        assert answer.redirect_chain == [(page, 302)]
        assert f"Nothing was deleted: tomm {reason}" in answer.content.decode()
    assert exists()


def test_an_account_signed_in_to_is_kept(teacher_client, course, tomm):
    assert Client().login(username="tomm", password=tomm.temporary_password)  # sets last_login
    refused(teacher_client, course, "has signed in: an account in use is deleted by an administrator.")


def test_an_account_that_has_answered_is_kept(teacher_client, course, tomm):
    learner = Learner.objects.get(user__username="tomm")
    record_attempt(learner, course, "count-2", "7", source="api")
    refused(teacher_client, course, "has answered exercises")


def test_an_account_made_by_signing_up_is_kept(teacher_client, course):
    enroll(learner_for(get_user_model().objects.create_user("tomm", password="a-long-test-password")), course)
    refused(teacher_client, course, "was not made by a teacher enrolling a class")


def test_an_account_also_in_another_teachers_course_is_kept(teacher_client, course, tomm, other_teacher):
    other = import_course(arithmetic_document("geometry")).course
    other.teachers.add(other_teacher)
    enroll(Learner.objects.get(user__username="tomm"), other)
    refused(teacher_client, course, "is also enrolled in")


def test_a_teacher_of_another_course_and_a_student_cannot(course, tomm, other_teacher, student):
    make_teacher(other_teacher)
    page = learner_page(course)
    other = Client()
    other.force_login(other_teacher)
    assert other.get(page).status_code == 404
    assert other.get(f"{page}delete/").status_code == 404
    assert other.post(f"{page}delete/").status_code == 404
    pupil = Client()
    pupil.force_login(student)
    assert pupil.post(f"{page}delete/").status_code == 302  # to the admin's sign-in
    assert client_for(student).delete(API).status_code == 403
    assert client_for(other_teacher).delete(API).status_code == 403
    assert exists()


def test_the_api_deletes_a_never_used_account_and_refuses_one_in_use(course, teacher, tomm, student):
    make_teacher(teacher)
    api = client_for(teacher)
    enroll(learner_for(student), course)
    kept = api.delete("/api/v1/courses/arithmetic/class/sam/")
    assert kept.status_code == 403
    assert (
        "sam was not made by a teacher enrolling a class"
        in assert_as_documented(kept, API_PATH, "DELETE")["detail"]
    )
    assert exists("sam")

    assert Client().login(username="tomm", password=tomm.temporary_password)
    in_use = api.delete(API)
    assert in_use.status_code == 403
    assert assert_as_documented(in_use, API_PATH, "DELETE")["detail"] == (
        "tomm has signed in: an account in use is deleted by an administrator."
    )
    get_user_model().objects.filter(username="tomm").update(last_login=None)
    gone = api.delete(API)
    assert gone.status_code == 204 and not exists()
    assert api.delete(API).status_code == 404
