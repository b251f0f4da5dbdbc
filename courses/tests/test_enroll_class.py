"""A teacher enrolls a whole class at once by pasting its usernames, and is told who was enrolled, who was
already, and which names are no student's; another teacher's course is out of reach."""

import pytest
from django.test import Client

from courses.teachers import make_teacher
from courses.tests.factories import UserFactory
from learners.models import Enrollment
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_pasted_class_is_enrolled_and_the_report_names_every_case(course, teacher, student, other_teacher):
    make_teacher(teacher)
    pupils = [UserFactory(username=f"pupil{n}") for n in range(30)]
    enroll(learner_for(student), course)
    url = f"/admin/courses/course/{course.pk}/enroll/"
    pasted = "\n".join(p.username for p in pupils) + "\nsam, nobody-here\tpupil0\n" + other_teacher.username
    page = signed_in(teacher).post(url, {"usernames": pasted})
    text = page.content.decode()
    assert page.status_code == 200
    assert "30 enrolled now" in text and "pupil0, pupil1, pupil2" in text
    assert "Already enrolled: sam." in text
    # A staff account is no student's, and named like any unknown name: nothing tells who the staff are.
    assert (
        "check the spelling, or ask them to sign up first at http://testserver/signup/): "
        f"nobody-here, {other_teacher.username}."
    ) in text
    enrolled = set(Enrollment.objects.filter(course=course).values_list("learner__user__username", flat=True))
    assert enrolled == {"sam", *(p.username for p in pupils)}
    # Sent again, nothing changes, and it says so.
    again = signed_in(teacher).post(url, {"usernames": pasted}).content.decode()
    assert "0 enrolled now" in again and Enrollment.objects.filter(course=course).count() == 31


def test_nothing_pasted_or_too_many_names_is_a_clear_error(course, teacher):
    make_teacher(teacher)
    url = f"/admin/courses/course/{course.pk}/enroll/"
    empty = signed_in(teacher).post(url, {"usernames": "  "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    many = signed_in(teacher).post(url, {"usernames": " ".join(f"u{n}" for n in range(1001))})
    assert many.status_code == 400 and "1001 names: at most 1000 at a time." in many.content.decode()
    assert not Enrollment.objects.exists()


def test_another_teachers_course_cannot_be_enrolled_in(course, other_teacher, student):
    make_teacher(other_teacher)
    url = f"/admin/courses/course/{course.pk}/enroll/"
    assert signed_in(other_teacher).post(url, {"usernames": "sam"}).status_code == 404
    assert not Enrollment.objects.exists()


def test_a_name_typed_with_other_capitals_finds_its_account_when_only_one_matches(course, teacher):
    make_teacher(teacher)
    UserFactory(username="carys.p")
    UserFactory(username="Alex"), UserFactory(username="alex")
    page = signed_in(teacher).post(
        f"/admin/courses/course/{course.pk}/enroll/", {"usernames": "Carys.P ALEX"}
    )
    text = page.content.decode()
    assert "1 enrolled now</strong>: carys.p." in text
    # Two accounts differ only in capitals: which one is meant cannot be told, so neither is enrolled.
    assert "sign up first at http://testserver/signup/): ALEX." in text
    enrolled = Enrollment.objects.filter(course=course).values_list("learner__user__username", flat=True)
    assert list(enrolled) == ["carys.p"]


def test_the_api_enrolls_whatever_the_capitals_and_names_the_account(course, teacher):
    UserFactory(username="carys.p")
    client = signed_in(teacher)
    body = client.post(
        "/api/v1/courses/arithmetic/class/",
        {"usernames": ["Carys.P", "carys.p"]},
        content_type="application/json",
    ).json()
    assert body["enrolled"] == ["carys.p"] and body["already"] == []
