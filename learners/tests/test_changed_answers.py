"""A teacher corrects an exercise's answer after learners answered it: their attempts keep the result
they were given, and their result pages say that the answer changed instead of contradicting it, until the
teacher has them marked again against the corrected answer."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from conftest import client_for
from courses.teachers import make_teacher
from learners.models import Attempt, SkillProgress
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_then_changed(client, student, course):
    """sam answered count-2 ("Which is more?") with 7, which was right; then its answer became 4."""
    learner = learner_for(student)
    enroll(learner, course)
    result = record_attempt(learner, course, "count-2", "7", source="web", idempotency_key="k1")
    course.exercises.filter(key="count-2").update(answer="4")
    client.force_login(student)
    return result.attempt


def test_the_result_page_keeps_the_result_and_says_the_answer_changed(client, course, answered_then_changed):
    html = client.get(
        reverse("learners:attempt", args=[course.slug, answered_then_changed.pk])
    ).content.decode()
    assert "Correct!" in html
    assert '<dd class="your-answer">7</dd>' in html
    assert "Correct answer" not in html
    assert "The answer of this exercise was changed after you answered." in html


def test_a_result_page_shows_the_correct_answer_while_it_is_unchanged(client, student, course):
    learner = learner_for(student)
    enroll(learner, course)
    attempt = record_attempt(learner, course, "count-2", "4", source="web", idempotency_key="k1").attempt
    client.force_login(student)
    html = client.get(reverse("learners:attempt", args=[course.slug, attempt.pk])).content.decode()
    assert '<dd class="correct-answer">7</dd>' in html
    assert "was changed" not in html


def test_a_retried_api_answer_says_the_answer_changed(student, course, answered_then_changed):
    api = client_for(student)
    body = {"course": "arithmetic", "exercise": "count-2", "response": "7"}
    replay = api.post("/api/v1/attempts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1").json()
    assert replay["correct"] is True
    assert (replay["feedback"]["answer_changed"], replay["feedback"]["correct_answer"]) == (True, None)


def test_a_teacher_re_marks_past_answers_against_the_corrected_answer(
    client, course, student, other_student, teacher, answered_then_changed, django_capture_on_commit_callbacks
):
    """count-2's answer was 7 and became 4: sam's 7 (right then) and olga's 4 (wrong then) are marked again,
    their results and progress follow, and an imported answer keeps the mark of its log."""
    olga = learner_for(other_student)
    enroll(olga, course)
    course.exercises.filter(key="count-2").update(answer="7")
    wrong_then = record_attempt(olga, course, "count-2", "4", source="api", idempotency_key="k2").attempt
    course.exercises.filter(key="count-2").update(answer="4")
    imported = Attempt.objects.create(
        learner=olga, course=course, exercise=wrong_then.exercise, response=None, correct=True,
        created_at=wrong_then.created_at, source=Attempt.Source.IMPORT,
    )  # fmt: skip
    make_teacher(teacher)
    dashboard = Client()
    dashboard.force_login(teacher)
    selected = {"action": "remark", "_selected_action": [wrong_then.exercise_id]}
    asked = dashboard.post("/admin/courses/exercise/", selected)
    rows = re.findall(
        r"<tr><th scope=\"row\">(.*?)</th><td>(\d+)</td><td>(\d+)</td></tr>", asked.content.decode()
    )
    assert rows == [("arithmetic/count-2", "1", "1")]
    assert not Attempt.objects.filter(correct=True, source="api").exists()  # asking changed nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = dashboard.post("/admin/courses/exercise/", {**selected, "remark": "Re-mark them"}, follow=True)
    assert "Past answers re-marked: 1 now right, 1 now wrong." in done.content.decode()
    marks = dict(Attempt.objects.values_list("pk", "correct"))
    assert marks == {answered_then_changed.pk: False, wrong_then.pk: True, imported.pk: True}
    html = client.get(
        reverse("learners:attempt", args=[course.slug, answered_then_changed.pk])
    ).content.decode()
    assert "Not quite." in html and '<dd class="correct-answer">4</dd>' in html
    assert "was changed after you answered" not in html
    progress = SkillProgress.objects.get(learner=olga, skill__key="counting")
    assert (progress.attempts, progress.correct) == (2, 2)
    history = LogEntry.objects.get(object_id=str(wrong_then.exercise_id)).get_change_message()
    assert history == "Re-marked its past answers: 1 now right, 1 now wrong."
