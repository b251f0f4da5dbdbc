"""What the dashboard tells a teacher after a step that cannot be undone: a pupil's new temporary password
(whose slip's page says the old one stopped working, warns against reloading and leads back to the pupil), and
the re-marking of past answers (whose columns say which way each mark changes, not "wrong, right now")."""

import re

import pytest

from learners.models import Attempt
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


def test_the_slip_of_a_new_temporary_password_says_what_changed_and_leads_back_to_the_pupil(
    teacher_client, course, student
):
    sam = learner_for(student)
    enroll(sam, course)
    page = teacher_client.post(f"/admin/courses/course/{course.pk}/learners/{sam.pk}/password/")
    text = " ".join(page.content.decode().split())
    assert (
        "<strong>sam has a new temporary password.</strong> The password they had no longer works, and they "
        "are signed out wherever they were signed in. Sending this page again (reloading it) would give them "
        "yet another password, and this slip would no longer work."
    ) in text
    assert "<strong>Print this slip now</strong>" in text and "and give it to sam." in text
    assert "cut them apart" not in text  # one slip, one pupil
    learner_page = f"/admin/courses/course/{course.pk}/learners/{sam.pk}/"
    assert f'<a href="{learner_page}">sam</a> \u203a New temporary password' in text  # the breadcrumbs


def test_the_re_marking_page_says_which_way_each_mark_changes(teacher_client, course, student):
    sam = learner_for(student)
    enroll(sam, course)
    answered = record_attempt(sam, course, "add-1", "6", source="api", idempotency_key="k").attempt
    course.exercises.filter(key="add-1").update(answer=6)
    asked = teacher_client.post(
        "/admin/courses/exercise/", {"action": "remark", "_selected_action": [answered.exercise_id]}
    )
    table = re.search(r'<table id="remarking">.*?</table>', asked.content.decode(), re.S)[0]
    headings = re.findall(r'<th scope="col">(.*?)</th>', table)
    assert headings == ["Exercise", "Now right (marked wrong before)", "Now wrong (marked right before)"]
    assert not Attempt.objects.get().correct  # asking changed nothing
