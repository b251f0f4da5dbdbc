"""An override's end, as a teacher types it in the dashboard's Date and Time boxes: only the unambiguous forms
the calendar and the clock write are read (a day and a month are never swapped silently), a date without its
time and a mistyped one say what to write, and the two boxes are named for a screen reader."""

from datetime import datetime

import pytest
from django.utils import timezone

from courses.admin import ENDS_AT_DATE, ENDS_AT_TIME
from courses.models import Override
from courses.tests.test_overrides import admin_form
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db

ADD = "/admin/courses/override/add/"


@pytest.fixture
def pin(course, student) -> dict:
    sam = learner_for(student)
    enroll(sam, course)
    return admin_form(course, kind="pin_exercise", exercise="mul-1", learner=sam.pk)


@pytest.mark.parametrize(
    ("date", "time", "errors"),
    [
        ("12/03/2099", "15:00", [ENDS_AT_DATE]),  # the 12th of March, or the 3rd of December?
        ("2099-03-12", "", [ENDS_AT_TIME]),
        ("", "15:00", [ENDS_AT_DATE]),
        ("2099-03-12", "3pm", [ENDS_AT_TIME]),
    ],
    ids=["day and month", "no time", "no date", "not the 24-hour clock"],
)
def test_an_end_the_form_cannot_read_for_sure_says_what_to_write(teacher_client, pin, date, time, errors):
    page = teacher_client.post(ADD, {**pin, "ends_at_0": date, "ends_at_1": time})
    assert page.status_code == 200
    assert page.context["adminform"].form.errors == {"ends_at": errors}
    assert "such as" in ENDS_AT_DATE and "year-month-day" in ENDS_AT_DATE and "24-hour" in ENDS_AT_TIME
    assert not Override.objects.exists()


def test_the_forms_the_calendar_and_the_clock_write_are_taken(teacher_client, pin):
    # The calendar writes 2099-03-12, "Now" and the clock 15:30:00; a teacher typing writes 15:30.
    for time in ("15:30:00", "15:30"):
        done = teacher_client.post(ADD, {**pin, "ends_at_0": "2099-03-12", "ends_at_1": time})
        assert done.status_code == 302
        ends_at = Override.objects.latest("pk").ends_at
        assert ends_at == timezone.make_aware(datetime(2099, 3, 12, 15, 30))


def test_the_date_and_time_boxes_are_named(teacher_client):
    form = teacher_client.get(ADD).content.decode()
    assert 'aria-label="Ends at: date"' in form and 'aria-label="Ends at: time"' in form
