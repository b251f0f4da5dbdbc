"""A teacher starting a term with several classes creates their join codes at once, from the course list: each
published course without a code gets one, no code is replaced, and the page lists every class's code to copy
onto the board, with the courses left out and why."""

import html
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from courses.models import Course
from courses.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/courses/course/"


def create_join_codes(client, *courses: Course):
    return client.post(
        CHANGELIST, {"action": "create_join_codes", "_selected_action": [course.pk for course in courses]}
    )


def rows(page) -> list[str]:
    """The codes' table, a row a line, as a screen reader reads it: its cells' text, tags left out."""
    table = re.search(r'<table class="join-code-list">.*?<tbody>(.*?)</tbody>', page.content.decode(), re.S)
    assert table, "the page lists no codes"
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for row in re.findall(r"<tr>(.*?)</tr>", table[1], re.S)
    ]


def text_of(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.content.decode())).split())


def shown(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def link_for(code: str) -> str:
    return f"http://testserver{reverse('learners:join-code', args=[code])}"


def taught_by(teacher, **fields) -> Course:
    course = CourseFactory(**fields)
    course.teachers.add(teacher)
    return course


def test_the_course_list_offers_the_action(teacher_client):
    page = teacher_client.get(CHANGELIST).content.decode()
    assert '<option value="create_join_codes">Create join codes</option>' in page


def test_codes_are_created_where_allowed_and_every_class_code_is_listed(
    teacher_client, teacher, other_teacher, course
):
    geometry = taught_by(teacher, slug="geometry", title="Geometry")
    kept = geometry.new_join_code()
    algebra = taught_by(teacher, slug="algebra", title="Algebra", published=False)
    history = taught_by(other_teacher, slug="history", title="History")

    page = create_join_codes(teacher_client, course, geometry, algebra, history)

    assert page.status_code == 200
    for other in (course, geometry, algebra, history):
        other.refresh_from_db()
    assert course.join_code and geometry.join_code == kept
    assert algebra.join_code is None and history.join_code is None
    assert rows(page) == [
        f"Arithmetic (arithmetic) {shown(course.join_code)} {link_for(course.join_code)} created now",
        f"Geometry (geometry) {shown(kept)} {link_for(kept)} nothing: it had this code already (replace it "
        "on the course's page)",
    ]
    text = text_of(page)
    assert "Created 1 join code. 1 course already had one, and keeps it." in text
    assert (
        "Left out Algebra (algebra): not published, so it was given no code: a join code enrolls no one in a "
        "draft. Publish it (tick Published on the course), then create its code."
    ) in text
    assert "1 selected course you do not teach: left as it was." in text
    assert "History" not in text  # another teacher's course is not named either
    logged = LogEntry.objects.get()
    assert (logged.user, logged.action_flag, logged.object_id) == (teacher, CHANGE, str(course.pk))
    assert logged.change_message == f"Created the join code {shown(course.join_code)}."


def test_pressing_it_again_replaces_no_code(teacher_client, teacher, course):
    geometry = taught_by(teacher, slug="geometry", title="Geometry")
    create_join_codes(teacher_client, course, geometry)
    codes = dict(Course.objects.values_list("slug", "join_code"))

    again = create_join_codes(teacher_client, course, geometry)

    assert dict(Course.objects.values_list("slug", "join_code")) == codes
    assert "No join code was created. 2 courses already had one, and keep it." in text_of(again)
    assert [row.split()[2] for row in rows(again)] == [shown(codes["arithmetic"]), shown(codes["geometry"])]
    assert LogEntry.objects.count() == 2


def test_a_draft_that_has_a_code_keeps_it_and_is_told_it_waits_for_publishing(teacher_client, course):
    code = course.new_join_code()
    Course.objects.filter(pk=course.pk).update(published=False)

    page = create_join_codes(teacher_client, course)

    course.refresh_from_db()
    assert course.join_code == code
    text = text_of(page)
    assert 'class="join-code-list"' not in page.content.decode()  # no code to write on the board
    assert (
        "Arithmetic (arithmetic): not published, so it was given no code: a join code enrolls no one in a "
        f"draft. Its code {shown(code)} works once you publish it (tick Published on the course)."
    ) in text


def test_a_superuser_creates_the_codes_of_any_teachers_courses(admin_client, other_teacher, course):
    history = taught_by(other_teacher, slug="history", title="History")

    page = create_join_codes(admin_client, course, history)

    course.refresh_from_db()
    history.refresh_from_db()
    assert course.join_code and history.join_code
    assert "Created 2 join codes." in text_of(page) and "do not teach" not in text_of(page)
