"""A teacher starting a term creates the join codes of several classes at once through the API, as with the
course list's action "Create join codes": each published course named without a code gets one, no code is
replaced, and the answer lists every course's code to hand out; a course the teacher does not teach refuses
the whole request. Their courses' codes are then read in the course list, ``?taught=true``."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from rest_framework.test import APIClient

from config.tests.test_api_contract import SCHEMA, assert_as_documented
from conftest import client_for
from courses.join_codes import join_code_display
from courses.models import Course
from courses.teachers import make_teacher
from courses.tests.factories import CourseFactory, UserFactory
from learners.models import Enrollment

pytestmark = pytest.mark.django_db

CODES = "/api/v1/courses/join-codes/"
COURSES = "/api/v1/courses/"


@pytest.fixture
def api(teacher):
    make_teacher(teacher)
    return client_for(teacher)


def taught_by(teacher, **fields) -> Course:
    course = CourseFactory(**fields)
    course.teachers.add(teacher)
    return course


def codes() -> dict[str, str | None]:
    return dict(Course.objects.values_list("slug", "join_code"))


def join(student, code: str):
    return client_for(student).post("/api/v1/courses/join/", {"code": code}, format="json")


def test_codes_are_created_only_where_missing_and_every_course_is_answered_with_its_code(
    api, teacher, course, student
):
    geometry = taught_by(teacher, slug="geometry", title="Geometry")
    kept = geometry.new_join_code()
    taught_by(teacher, slug="algebra", title="Algebra", published=False)

    named = ["geometry", "arithmetic", "algebra", "arithmetic"]  # a slug named twice counts once
    response = api.post(CODES, {"courses": named}, format="json")

    assert response.status_code == 200
    body = assert_as_documented(response, CODES, "POST")
    now = codes()
    assert now["geometry"] == kept and now["algebra"] is None
    new = now["arithmetic"]
    assert new and new != kept
    assert body["courses"] == [
        {
            "slug": "algebra",
            "title": "Algebra",
            "published": False,
            "join_code": None,
            "join_url": None,
            "created": False,
        },
        {
            "slug": "arithmetic",
            "title": "Arithmetic",
            "published": True,
            "join_code": new,
            "join_url": f"http://testserver/join/{new}/",
            "created": True,
        },
        {
            "slug": "geometry",
            "title": "Geometry",
            "published": True,
            "join_code": kept,
            "join_url": f"http://testserver/join/{kept}/",
            "created": False,
        },
    ]
    assert body["detail"] == (
        "Created 1 join code. 1 course already had one, and keeps it. 1 draft was given no code: a join code "
        "enrolls no one in a draft (publish it, then create its code)."
    )
    logged = LogEntry.objects.get()
    assert (logged.user, logged.action_flag, logged.object_id) == (teacher, CHANGE, str(course.pk))
    assert logged.change_message == f"Created the join code {join_code_display(new)}."
    # The codes answered are those that enroll pupils now.
    assert join(student, join_code_display(new)).status_code == 201
    assert join(student, kept).status_code == 201
    assert set(Enrollment.objects.filter(learner__user=student).values_list("course__slug", flat=True)) == {
        "arithmetic",
        "geometry",
    }


def test_sent_again_it_replaces_no_code(api, teacher, course):
    taught_by(teacher, slug="geometry", title="Geometry")
    first = api.post(CODES, {"courses": ["arithmetic", "geometry"]}, format="json").json()

    again = api.post(CODES, {"courses": ["arithmetic", "geometry"]}, format="json")

    assert again.status_code == 200
    body = again.json()
    assert [row["join_code"] for row in body["courses"]] == [row["join_code"] for row in first["courses"]]
    assert [row["created"] for row in body["courses"]] == [False, False]
    assert body["detail"] == "No join code was created. 2 courses already had one, and keep it."
    assert LogEntry.objects.count() == 2


def test_left_out_the_courses_are_every_course_the_caller_teaches_and_the_list_reads_their_codes(
    api, teacher, other_teacher, course
):
    taught_by(teacher, slug="geometry", title="Geometry")
    taught_by(other_teacher, slug="history", title="History")

    response = api.post(CODES, {}, format="json")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["courses"]] == ["arithmetic", "geometry"]
    now = codes()
    assert now["arithmetic"] and now["geometry"] and now["history"] is None
    mine = api.get(COURSES, {"taught": "true"})
    listed = assert_as_documented(mine, COURSES, "GET")["results"]
    assert [(row["slug"], row["join_code"]) for row in listed] == [
        ("arithmetic", now["arithmetic"]),
        ("geometry", now["geometry"]),
    ]
    others = api.get(COURSES, {"taught": "false"}).json()["results"]
    assert [(row["slug"], row["join_code"]) for row in others] == [("history", None)]


def test_a_course_the_caller_does_not_teach_refuses_the_request_and_nothing_is_created(
    api, teacher, other_teacher, course
):
    taught_by(teacher, slug="geometry", title="Geometry")
    taught_by(other_teacher, slug="history", title="History")
    taught_by(other_teacher, slug="drafts", title="Drafts", published=False)

    named = ["arithmetic", "history", "geometry", "nope", "drafts"]
    response = api.post(CODES, {"courses": named}, format="json")

    assert response.status_code == 400
    assert assert_as_documented(response, CODES, "POST") == {
        "courses": [
            "Not a course you teach (or no such course): history, nope, drafts. No join code was created."
        ]
    }
    assert set(codes().values()) == {None}
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"courses": []}, "This list may not be empty."),
        ({"courses": "arithmetic"}, 'Expected a list of items but got type "str".'),
        ({"courses": [3]}, "Not a valid string."),
    ],
)
def test_a_list_that_names_no_course_is_a_field_error(api, course, body, message):
    response = api.post(CODES, body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()["courses"])
    assert codes() == {"arithmetic": None}


def test_only_teachers_create_codes(course, student):
    anonymous = APIClient().post(CODES, {"courses": ["arithmetic"]}, format="json")
    assert anonymous.status_code == 401
    refused = client_for(student).post(CODES, {"courses": ["arithmetic"]}, format="json")
    assert refused.status_code == 403
    assert assert_as_documented(refused, CODES, "POST") == {"detail": "Only teachers and staff may do this."}
    assert codes() == {"arithmetic": None}


def test_a_superuser_names_any_teachers_course_and_leaving_them_out_names_only_their_own(
    other_teacher, course
):
    root = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    taught_by(other_teacher, slug="history", title="History")

    everyone = root.post(CODES, {}, format="json")  # they teach no course themselves
    assert everyone.status_code == 200 and everyone.json()["courses"] == []
    assert set(codes().values()) == {None}

    named = root.post(CODES, {"courses": ["history", "arithmetic"]}, format="json")
    assert [row["created"] for row in named.json()["courses"]] == [True, True]
    assert None not in codes().values()


def test_the_schema_documents_the_action_and_the_lists_filter():
    operation = SCHEMA.raw_schema["paths"][CODES]["post"]
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    parameters = SCHEMA.raw_schema["paths"][COURSES]["get"]["parameters"]
    assert "taught" in {parameter["name"] for parameter in parameters}
