"""A course's join code through the API, as the dashboard's course page handles it: created, replaced only
when the request names the code it replaces (sent twice, it replaces once), removed; each change in the
admin's History; the course's teachers only."""

import pytest
from django.contrib.admin.models import LogEntry

from config.tests.test_api_contract import assert_as_documented
from conftest import client_for
from courses.join_codes import join_code_display
from courses.models import Course
from courses.teachers import make_teacher
from learners.models import Enrollment

pytestmark = pytest.mark.django_db

CODE = "/api/v1/courses/arithmetic/join-code/"
DOCUMENTED = "/api/v1/courses/{slug}/join-code/"


@pytest.fixture
def api(teacher):
    make_teacher(teacher)
    return client_for(teacher)


def join(student, code: str):
    return client_for(student).post("/api/v1/courses/join/", {"code": code}, format="json")


def history(course) -> list[str]:
    return list(
        LogEntry.objects.filter(object_id=str(course.pk))
        .order_by("pk")
        .values_list("change_message", flat=True)
    )


def test_a_teacher_creates_the_code_and_a_pupil_joins_with_it(api, course, student):
    created = api.post(CODE, {}, format="json")
    assert created.status_code == 201
    body = assert_as_documented(created, DOCUMENTED, "POST")
    code = Course.objects.get(pk=course.pk).join_code
    assert body["join_code"] == code
    assert body["join_url"] == f"http://testserver/join/{code}/"
    shown = join_code_display(code)
    assert body["detail"] == f"Created the join code {shown}. Pupils join Arithmetic with {shown}."
    assert api.get("/api/v1/courses/arithmetic/").json()["join_code"] == code
    assert join(student, code.lower()).status_code == 201
    assert Enrollment.objects.filter(course=course, learner__user=student).exists()


def test_a_code_is_replaced_only_when_the_request_names_it_and_once_when_sent_twice(api, course, student):
    first = api.post(CODE, {}, format="json").json()["join_code"]
    unnamed = api.post(CODE, {}, format="json")
    assert unnamed.status_code == 409
    assert unnamed.json()["detail"] == (
        f"Arithmetic has the join code {join_code_display(first)}: send it as `replaces` to replace it."
    )
    assert Course.objects.get(pk=course.pk).join_code == first

    as_copied = join_code_display(first).lower()  # "7kqm-3xdf", as a person copies it
    replaced = api.post(CODE, {"replaces": as_copied}, format="json")
    assert replaced.status_code == 200
    second = assert_as_documented(replaced, DOCUMENTED, "POST")["join_code"]
    assert second != first
    assert replaced.json()["detail"].startswith(
        f"Replaced the join code {join_code_display(first)} with {join_code_display(second)}: "
        f"{join_code_display(first)} no longer enrolls anyone."
    )
    again = api.post(CODE, {"replaces": as_copied}, format="json")  # the same request, sent twice
    assert again.status_code == 409
    assert f"Arithmetic's join code is {join_code_display(second)}." in again.json()["detail"]
    assert Course.objects.get(pk=course.pk).join_code == second
    assert join(student, first).status_code == 400  # the replaced code enrolls no one
    assert join(student, second).status_code == 201


def test_a_removed_code_enrolls_no_one_and_removing_again_is_harmless(api, course, student):
    code = api.post(CODE, {}, format="json").json()["join_code"]
    assert api.delete(CODE).status_code == 204
    assert Course.objects.get(pk=course.pk).join_code is None
    assert join(student, code).status_code == 400
    assert api.delete(CODE).status_code == 204
    assert history(course) == [
        f"Created the join code {join_code_display(code)}.",
        f"Removed the join code {join_code_display(code)}: it no longer enrolls anyone.",
    ]


def test_a_drafts_code_says_it_works_once_the_course_is_published(api, course):
    Course.objects.filter(pk=course.pk).update(published=False)
    body = api.post(CODE, {}, format="json").json()
    assert body["detail"].endswith("once it is published (tick Published on the course).")


def test_only_the_courses_teachers_change_its_code(api, course, student, other_teacher):
    code = api.post(CODE, {}, format="json").json()["join_code"]
    make_teacher(other_teacher)
    for outsider in (student, other_teacher):
        client = client_for(outsider)
        refused = client.post(CODE, {"replaces": code}, format="json")
        assert refused.status_code == 403
        assert refused.json() == {"detail": "Only the course's teachers may change its join code."}
        assert client.delete(CODE).status_code == 403
    assert Course.objects.get(pk=course.pk).join_code == code
