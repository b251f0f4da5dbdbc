"""A course for a class of the teacher's own: with self-enrollment off, students cannot enroll themselves
(from the catalogue, the course page or the API); its teachers enroll them, and those enrolled carry on."""

import pytest
from django.urls import reverse

from conftest import client_for
from learners.models import Enrollment
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(course):
    course.self_enrollment = False
    course.save(update_fields=["self_enrollment"])
    return course


def test_a_student_cannot_enroll_themselves_from_the_pages(client, student, closed):
    client.force_login(student)
    catalogue = client.get(reverse("learners:catalogue")).content.decode()
    assert "Your teacher enrolls you in this course." in catalogue
    assert reverse("learners:enroll", args=[closed.slug]) not in catalogue
    page = client.post(reverse("learners:enroll", args=[closed.slug]), follow=True).content.decode()
    assert "Only this course&#x27;s teachers enroll learners in it: ask your teacher to enroll you." in page
    assert not Enrollment.objects.exists()


def test_the_api_refuses_and_a_learner_enrolled_by_the_teacher_carries_on(student, closed, teacher):
    api = client_for(student)
    refused = api.post("/api/v1/courses/arithmetic/enroll/")
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Only this course's teachers enroll learners in it: ask your teacher to enroll you."
    }
    assert api.get("/api/v1/courses/arithmetic/").json()["self_enrollment"] is False
    teacher_api = client_for(teacher)
    enrolled = teacher_api.post("/api/v1/courses/arithmetic/class/", {"usernames": ["sam"]}, format="json")
    assert enrolled.json()["enrolled"] == ["sam"]
    assert api.post("/api/v1/courses/arithmetic/enroll/").status_code == 200  # enrolled already
    assert api.get("/api/v1/courses/arithmetic/next/").status_code == 200


def test_an_open_course_is_joined_as_before(client, student, course):
    client.force_login(student)
    client.post(reverse("learners:enroll", args=[course.slug]))
    assert learner_for(student).is_enrolled_in(course)
    enroll(learner_for(student), course)  # idempotent
    assert Enrollment.objects.count() == 1
