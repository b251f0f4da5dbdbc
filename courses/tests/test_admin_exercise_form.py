"""The admin's exercise form holds an exercise to the course document's rules: whatever a teacher saves
there is something learners can practise, and the course still exports and imports again."""

import html
import re

import pytest

from courses.documents import validate_course_document
from courses.models import NUMBER_HELP, Course, Exercise
from courses.services import export_course, import_course
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db

ADD = "/admin/courses/exercise/add/"


def form_data(course: Course, **fields: str) -> dict:
    """A valid numeric exercise as the admin's add form sends it, every optional field left empty."""
    return {
        "course": course.pk, "key": "new-1", "skills": [course.skills.get(key="addition").pk],
        "type": "numeric", "prompt": "4 + 4 = ?", "choices": "", "answer": "8", "tolerance": "",
        "hints": "", "explanation": "", "difficulty": "0", "active": "on", **fields,
    }  # fmt: skip


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"choices": "8\n9"}, "choices", "Only multiple-choice exercises have choices."),
        ({"prompt": ""}, "prompt", "Required, a non-empty string."),
        ({"answer": ""}, "answer", "Required."),
        ({"answer": "eight"}, "answer", f"Enter a number: {NUMBER_HELP}."),
        ({"answer": "3/0"}, "answer", f"Enter a number: {NUMBER_HELP}."),
        ({"tolerance": "-1"}, "tolerance", "Must be a non-negative number."),
        (
            {"difficulty": "1e300"},
            "difficulty",
            "1e+300 is out of range. A difficulty from -6 (easiest) to 6 (hardest); 0 is average.",
        ),
        (
            {"difficulty": "-7"},
            "difficulty",
            "-7 is out of range. A difficulty from -6 (easiest) to 6 (hardest); 0 is average.",
        ),
        (
            {"type": "multiple_choice", "choices": "8\n9", "answer": "8", "tolerance": "0.5"},
            "tolerance",
            "Only numeric exercises have a tolerance.",
        ),
        (
            {"type": "multiple_choice", "choices": "", "answer": "8"},
            "choices",
            "A multiple-choice exercise needs at least two choices.",
        ),
        (
            {"type": "multiple_choice", "choices": "Berlin, Bonn", "answer": "Berlin"},
            "choices",
            "A multiple-choice exercise needs at least two choices.",
        ),
        (
            {"type": "multiple_choice", "choices": "Berlin\nBerlin", "answer": "Berlin"},
            "choices",
            "Choices[0] and choices[1] both read 'Berlin' on the page: change one.",
        ),
        (
            {"type": "multiple_choice", "choices": "Berlin\nBonn", "answer": "Paris"},
            "answer",
            "Not one of the choices ('Berlin', 'Bonn').",
        ),
        ({"type": "text", "answer": "\n  \n"}, "answer", "Required."),
    ],
)
def test_a_value_a_course_document_refuses_is_a_field_error_and_nothing_is_stored(
    admin_client, course, fields, field, message
):
    response = admin_client.post(ADD, form_data(course, **fields))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    assert not Exercise.objects.filter(key="new-1").exists()


@pytest.mark.parametrize("empty", ["", "\n  \n"])
def test_hints_and_choices_left_empty_are_stored_as_empty_lists(admin_client, course, empty):
    response = admin_client.post(ADD, form_data(course, hints=empty, choices=empty))
    assert response.status_code == 302
    exercise = Exercise.objects.get(key="new-1")
    assert (exercise.hints, exercise.choices) == ([], [])


def test_the_next_exercise_serves_an_exercise_saved_in_the_admin(admin_client, course, api):
    course.exercises.exclude(key="count-1").update(active=False)
    admin_client.post(ADD, form_data(course, skills=[course.skills.get(key="counting").pk]))
    course.exercises.filter(key="count-1").update(active=False)
    api.post("/api/v1/courses/arithmetic/enroll/")
    body = api.get("/api/v1/courses/arithmetic/next/").json()
    assert (body["key"], body["hints"], body["choices"]) == ("new-1", [], [])


def test_a_course_with_exercises_saved_in_the_admin_exports_and_imports_again(admin_client, course):
    numeric = form_data(course, hints="Double 4.", tolerance="0.5")
    choice = form_data(course, key="new-2", type="multiple_choice", choices="7\n8", answer="8")
    text = form_data(course, key="new-3", type="text", answer="eight\n8")
    for data in (numeric, choice, text):
        assert admin_client.post(ADD, data).status_code == 302
    document = export_course(course)
    assert validate_course_document(document)
    summary = import_course(document)
    assert (summary.created, summary.exercises, summary.deactivated) == (False, 9, 0)
    assert course.exercises.get(key="new-2").choices == ["7", "8"]


def test_saving_an_exercise_unchanged_keeps_hints_of_several_lines(admin_client, course):
    hints = ["Two steps:\n1. point at each dot\n2. say a number for each", "Count them again."]
    course.exercises.filter(key="count-1").update(hints=hints)
    exercise = course.exercises.get(key="count-1")
    page = admin_client.get(f"/admin/courses/exercise/{exercise.pk}/change/").content.decode()
    shown = html.unescape(re.search(r'<textarea name="hints"[^>]*>\n?(.*?)</textarea>', page, re.S)[1])
    assert shown == "Two steps:\n1. point at each dot\n2. say a number for each\n\nCount them again."
    data = form_data(
        course, key="count-1", skills=[course.skills.get(key="counting").pk], prompt=exercise.prompt,
        answer="3", difficulty="-1", explanation=exercise.explanation,
        hints=shown.replace("\n", "\r\n"),  # as a browser sends a text area
    )  # fmt: skip
    assert admin_client.post(f"/admin/courses/exercise/{exercise.pk}/change/", data).status_code == 302
    exercise.refresh_from_db()
    assert exercise.hints == hints


def test_changing_an_answer_that_learners_were_marked_against_warns_the_teacher(
    admin_client, course, student
):
    learner = learner_for(student)
    enroll(learner, course)
    record_attempt(learner, course, "add-1", "5", source="web", idempotency_key="k1")
    exercise = course.exercises.get(key="add-1")
    data = form_data(course, key="add-1", prompt=exercise.prompt, answer="6")
    page = admin_client.post(f"/admin/courses/exercise/{exercise.pk}/change/", data, follow=True)
    assert "You changed the answer of add-1, which was answered 1 time before" in page.content.decode()
    unchanged = admin_client.post(f"/admin/courses/exercise/{exercise.pk}/change/", data, follow=True)
    assert "You changed the answer" not in unchanged.content.decode()


@pytest.mark.parametrize("count, message", [(1, "1 exercise deactivated."), (2, "2 exercises deactivated.")])
def test_deactivating_exercises_counts_them_in_proper_english(admin_client, course, count, message):
    selected = [e.pk for e in course.exercises.order_by("key")[:count]]
    page = admin_client.post(
        "/admin/courses/exercise/", {"action": "deactivate", "_selected_action": selected}, follow=True
    )
    assert message in page.content.decode()
