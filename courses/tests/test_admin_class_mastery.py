"""The class mastery page lists the skills learners can practise, as many as the learners' totals count;
a skill left without an active exercise is named under the table, not shown as 0 % mastered."""

import pytest
from django.test import Client

from courses.teachers import make_teacher
from learners.progress import rebuild_skill_progress
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


def test_a_skill_with_history_but_no_active_exercise_is_named_not_listed(teacher, course, student):
    make_teacher(teacher)
    sam = learner_for(student)
    enroll(sam, course)
    for n in range(3):
        record_attempt(sam, course, "count-1", "3", source="web", idempotency_key=f"c{n}")
    course.exercises.filter(key__startswith="count-").update(active=False)
    rebuild_skill_progress(sam.pk, course.pk)
    client = Client()
    client.force_login(teacher)
    page = client.get(f"/admin/courses/course/{course.pk}/mastery/")
    rows = [row["key"] for row in page.context["skills"]]
    assert rows == ["addition", "multiplication"]
    text = page.content.decode()
    assert f"Skills mastered (of {len(rows)})" in text
    assert '<th scope="row">Addition [addition]</th>' in text
    assert "Counting [counting]</th>" not in text
    assert "no active exercise practises them" in text and ": Counting [counting]." in text
