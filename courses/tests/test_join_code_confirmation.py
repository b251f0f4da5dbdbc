"""A join code replaced or removed by a button pressed by mistake would lock the class out in the middle of a
lesson: the dashboard asks first, showing the code that would stop working, and does it once it is confirmed.
A confirmation sent twice (a double click, a reload) changes the code once."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from courses.models import Course

pytestmark = pytest.mark.django_db


def press(client, course: Course, **form) -> object:
    return client.post(reverse("admin:courses_course_join_code", args=[course.pk]), form)


def shown(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@pytest.mark.parametrize(
    ("button", "asked", "yes"), [("new", "Replace", "replace"), ("remove", "Remove", "remove")]
)
def test_replacing_or_removing_the_code_asks_first_and_changes_nothing_until_confirmed(
    teacher_client, course, button, asked, yes
):
    code = course.new_join_code()
    page = press(teacher_client, course, join_code=button, back="enroll")
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    assert f"<h1>{asked} the join code of Arithmetic?</h1>" in text
    assert f'<p class="join-code" id="join-code">{shown(code)}</p>' in text
    assert f"{shown(code)} stops working at once, for everyone" in text
    assert "Pupils already enrolled stay enrolled." in text
    assert f'value="Yes, {yes} {shown(code)}"' in text
    enroll_page = reverse("admin:courses_course_enroll_class", args=[course.pk])
    assert f'<a class="button cancel-link" href="{enroll_page}">No, keep {shown(code)}</a>' in text
    course.refresh_from_db()
    assert course.join_code == code and not LogEntry.objects.exists()

    done = press(teacher_client, course, join_code=button, back="enroll", confirm=code)
    assert done.status_code == 302 and done["Location"] == enroll_page
    course.refresh_from_db()
    assert course.join_code != code and LogEntry.objects.count() == 1


def test_a_confirmation_sent_twice_replaces_the_code_once_and_says_so(teacher_client, course):
    code = course.new_join_code()
    url = reverse("admin:courses_course_join_code", args=[course.pk])
    assert teacher_client.post(url, {"join_code": "new", "confirm": code}, follow=True).status_code == 200
    course.refresh_from_db()
    new = course.join_code
    again = teacher_client.post(url, {"join_code": "new", "confirm": code}, follow=True)
    course.refresh_from_db()
    assert course.join_code == new  # the code written on the board since still works
    assert [str(message) for message in again.context["messages"]] == [
        "Nothing changed: the join code you were sure about had already been replaced or removed. "
        f"Arithmetic's join code is {shown(new)}."
    ]
    assert LogEntry.objects.count() == 1


def test_creating_the_first_code_needs_no_confirmation_and_a_draft_is_said_to_wait_for_publishing(
    teacher_client, course
):
    Course.objects.filter(pk=course.pk).update(published=False)
    done = teacher_client.post(
        reverse("admin:courses_course_join_code", args=[course.pk]), {"join_code": "new"}, follow=True
    )
    course.refresh_from_db()
    assert course.join_code
    assert [str(message) for message in done.context["messages"]] == [
        f"Created the join code {shown(course.join_code)}. Pupils join Arithmetic with "
        f"{shown(course.join_code)} once it is published (tick Published on the course)."
    ]
