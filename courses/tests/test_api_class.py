"""A teacher's client reads the class of a course, weakest first, and enrolls students by username; nobody
else reads or changes it."""

import pytest

from config.tests.test_api_contract import assert_as_documented
from conftest import client_for, right_answer
from courses.models import Course
from courses.teachers import make_teacher
from courses.tests.factories import UserFactory
from learners.models import Enrollment
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db

CLASS = "/api/v1/courses/arithmetic/class/"


def test_the_class_weakest_first_and_enrolling_by_username(
    course, teacher, student, other_student, django_capture_on_commit_callbacks
):
    make_teacher(teacher)
    sam, olga = learner_for(student), learner_for(other_student)
    for learner in (sam, olga):
        enroll(learner, course)
    for n, key in enumerate(["count-1", "count-2", "count-3"]):
        with django_capture_on_commit_callbacks(execute=True):
            record_attempt(sam, course, key, right_answer(course, key), source="api", idempotency_key=f"k{n}")
    api = client_for(teacher)
    listed = api.get(CLASS).json()
    assert listed["count"] == 2
    assert [(r["learner"], r["skills_mastered"], r["answers"], r["reset_at"]) for r in listed["results"]] == [
        ("olga", 0, 0, None),
        ("sam", 1, 3, None),
    ]
    UserFactory(username="pupil1")
    done = api.post(CLASS, {"usernames": ["pupil1", "sam", "nobody", teacher.username]}, format="json")
    assert done.status_code == 200
    unknown = ["nobody", teacher.username]  # a staff account is no student's
    assert done.json() == {"enrolled": ["pupil1"], "already": ["sam"], "unknown": unknown, "warnings": []}
    assert Enrollment.objects.filter(course=course).count() == 3
    # No answer yet: among the weakest (ties go by name).
    assert [r["learner"] for r in api.get(CLASS).json()["results"]] == ["olga", "pupil1", "sam"]
    # A course not yet published: the students are enrolled, and the teacher told they cannot open it yet.
    Course.objects.filter(pk=course.pk).update(published=False)
    UserFactory(username="pupil2")
    hidden = api.post(CLASS, {"usernames": ["pupil2"]}, format="json").json()
    assert hidden["enrolled"] == ["pupil2"]
    assert hidden["warnings"] == [
        "The course is not published: its students cannot open it until it is (tick Published on the course "
        "in the admin)."
    ]


def test_bad_lists_are_field_errors(course, teacher):
    make_teacher(teacher)
    api = client_for(teacher)
    empty = api.post(CLASS, {"usernames": []}, format="json")
    assert empty.status_code == 400 and "usernames" in empty.json()
    many = api.post(CLASS, {"usernames": [f"u{n}" for n in range(1001)]}, format="json")
    assert many.status_code == 400 and "usernames" in many.json()
    # An item's error says which item, in the documented shape: {field: [messages]}.
    path = "/api/v1/courses/{slug}/class/"
    blank = assert_as_documented(api.post(CLASS, {"usernames": ["sam", ""]}, format="json"), path, "POST")
    assert blank == {"usernames": ["item 2: This field may not be blank."]}
    number = assert_as_documented(api.post(CLASS, {"usernames": [0, "sam"]}, format="json"), path, "POST")
    assert number == {"usernames": ["item 1: Not a valid string."]}
    assert not Enrollment.objects.exists()


def test_students_and_other_teachers_may_not_read_or_enroll_the_class(course, student, other_teacher):
    make_teacher(other_teacher)
    enroll(learner_for(student), course)
    for user in (student, other_teacher):
        api = client_for(user)
        assert api.get(CLASS).status_code == 403
        assert api.post(CLASS, {"usernames": ["sam"]}, format="json").status_code == 403
