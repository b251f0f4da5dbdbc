"""A teacher previews an exercise as a learner meets it: the practice page's exercise, hints one at a time,
and an answer marked as a learner's is, with the feedback a learner gets; nothing is recorded."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from conftest import arithmetic_document
from courses.models import Course
from courses.services import import_course
from courses.teachers import make_teacher
from learners.models import Attempt, SkillProgress
from metamodel.models import LearnerState, Recommendation

pytestmark = pytest.mark.django_db


def preview_url(exercise) -> str:
    return reverse("admin:courses_exercise_preview", args=[exercise.pk])


def stored() -> dict:
    """What an answer would leave behind, counted."""
    return {
        model.__name__: model.objects.count()
        for model in (Attempt, Recommendation, SkillProgress, LearnerState, LogEntry)
    }


@pytest.fixture
def choice(course):
    """A multiple-choice exercise with Markdown, two hints, in a course written in French."""
    Course.objects.filter(pk=course.pk).update(language="fr")
    exercise = course.exercises.get(key="count-2")
    exercise.prompt = "Which is **more**?"
    exercise.hints = ["Count on from *four*.", "Seven is after four."]
    exercise.save()
    return exercise


def test_the_exercise_is_shown_as_on_the_practice_page(teacher_client, choice):
    page = teacher_client.get(preview_url(choice))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="prompt" lang="fr"><p>Which is <strong>more</strong>?</p>' in html
    assert 'value="4"' in html and 'value="7"' in html and '<span lang="fr">7</span>' in html
    assert "nothing is recorded" in html
    assert "Count on from" not in html
    assert "Show a hint (1 of 2)" in html
    assert "inactive" not in html


def test_hints_are_revealed_one_at_a_time_keeping_the_answer_chosen(teacher_client, choice):
    first = teacher_client.post(preview_url(choice), {"hints_used": 0, "response": "7", "action": "hint"})
    html = first.content.decode()
    assert first.status_code == 200
    assert "Count on from <em>four</em>." in html and "Seven is after four." not in html
    assert "Show another hint (2 of 2)" in html
    assert 'value="7" required id="id_response_1" checked>' in html
    second = teacher_client.post(preview_url(choice), {"hints_used": 1, "action": "hint"})
    assert "Seven is after four." in second.content.decode()
    assert "Show another hint" not in second.content.decode()


def test_a_right_answer_is_marked_right_with_a_decimal_comma_and_nothing_is_stored(teacher_client, course):
    Course.objects.filter(pk=course.pk).update(language="es")
    exercise = course.exercises.get(key="add-2")  # 0.3, within 0.001
    before = stored()
    page = teacher_client.post(preview_url(exercise), {"hints_used": 0, "response": "0,30"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Correct!" in html
    assert '<dd class="your-answer">0,30</dd>' in html
    assert '<dd class="correct-answer" lang="es">0,3</dd>' in html
    assert "0.1 + 0.2 = 0.3." in html  # the worked explanation
    assert "Try it again" in html
    assert stored() == before


def test_a_wrong_fraction_is_marked_wrong_as_a_learners_would_be(teacher_client):
    document = arithmetic_document()
    document["exercises"].append(
        {"key": "simplify", "skills": ["addition"], "type": "fraction", "prompt": "6/8 in lowest terms?",
         "answer": "3/4", "hints": ["Divide both by 2."], "explanation": "6/8 = 3/4."}
    )  # fmt: skip
    exercise = import_course(document).course.exercises.get(key="simplify")
    before = stored()
    page = teacher_client.post(preview_url(exercise), {"hints_used": 1, "response": "6/8"})
    html = page.content.decode()
    assert "Not quite." in html and '<dd class="correct-answer">3/4</dd>' in html
    assert "You used 1 of 1." in html
    right = teacher_client.post(preview_url(exercise), {"hints_used": 0, "response": "3 / 4"})
    assert "Correct!" in right.content.decode()
    assert stored() == before


@pytest.mark.parametrize("response", ["", "three", "1/0/2"])
def test_malformed_answers_get_the_learners_message_and_nothing_is_stored(teacher_client, course, response):
    exercise = course.exercises.get(key="count-1")
    before = stored()
    page = teacher_client.post(preview_url(exercise), {"hints_used": 0, "response": response})
    assert page.status_code == 400
    assert 'class="errorlist' in page.content.decode()
    assert "Correct!" not in page.content.decode() and "Not quite." not in page.content.decode()
    assert stored() == before


def test_an_altered_hint_count_is_refused_with_a_message(teacher_client, course):
    exercise = course.exercises.get(key="count-1")
    page = teacher_client.post(preview_url(exercise), {"hints_used": "-1", "response": "3"})
    assert page.status_code == 400
    assert "This page was changed before it was sent" in page.content.decode()
    assert f'<a href="{preview_url(exercise)}">Open the exercise again</a>' in page.content.decode()


def test_an_inactive_exercise_can_be_previewed_and_says_so(teacher_client, course):
    exercise = course.exercises.get(key="count-1")
    course.exercises.filter(pk=exercise.pk).update(active=False)
    page = teacher_client.get(preview_url(exercise))
    assert page.status_code == 200
    assert "This exercise is inactive:" in page.content.decode()


def test_the_change_page_and_the_exercise_list_link_to_the_preview(teacher_client, course):
    exercise = course.exercises.get(key="count-1")
    change = teacher_client.get(reverse("admin:courses_exercise_change", args=[exercise.pk]))
    assert f'<a href="{preview_url(exercise)}">Preview</a>' in change.content.decode()
    listing = teacher_client.get(reverse("admin:courses_exercise_changelist"))
    assert f'<a href="{preview_url(exercise)}">Preview</a>' in listing.content.decode()


def test_another_teachers_exercise_is_not_found(course, other_teacher):
    make_teacher(other_teacher)
    client = Client()
    client.force_login(other_teacher)
    exercise = course.exercises.get(key="count-1")
    assert client.get(preview_url(exercise)).status_code == 404
    assert client.post(preview_url(exercise), {"hints_used": 0, "response": "3"}).status_code == 404
    assert not Attempt.objects.exists()


def test_a_student_is_sent_to_the_admin_login(client, student, course):
    client.force_login(student)
    response = client.get(preview_url(course.exercises.get(key="count-1")))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_exercise_imported_from_a_log_has_nothing_to_preview(teacher_client, course):
    exercise = course.exercises.get(key="count-1")
    course.exercises.filter(pk=exercise.pk).update(imported=True, active=False)
    assert teacher_client.get(preview_url(exercise)).status_code == 404
    change = teacher_client.get(reverse("admin:courses_exercise_change", args=[exercise.pk]))
    assert preview_url(exercise) not in change.content.decode()
