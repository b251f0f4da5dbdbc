"""In the admin's exercise form a teacher types plain text: choices, hints and accepted answers one per line,
a number as a learner would type it. The form stores the course document's shape and shows it back as typed.
"""

import html
import re

import pytest

from courses.models import Exercise
from courses.tests.test_admin_exercise_form import ADD, form_data
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


def shown(page, field: str) -> str:
    """The text a field's box shows."""
    box = re.search(rf'<textarea name="{field}"[^>]*>\n?(.*?)</textarea>', page.content.decode(), re.S)
    return html.unescape(box.group(1))


@pytest.mark.parametrize(
    "fields, stored",
    [
        (
            {"type": "multiple_choice", "choices": "Berlin\r\n\r\n  Bonn \r\n", "answer": " Bonn"},
            {"choices": ["Berlin", "Bonn"], "answer": "Bonn", "tolerance": None},
        ),
        ({"answer": "8"}, {"choices": [], "answer": 8, "tolerance": None}),
        ({"answer": "3/4", "tolerance": "0.01"}, {"answer": 0.75, "tolerance": 0.01}),
        ({"answer": "5 3/4"}, {"answer": 5.75}),
        ({"answer": "-0,5"}, {"answer": -0.5}),
        ({"type": "text", "answer": "Paris\n\nparis city\n"}, {"answer": ["Paris", "paris city"]}),
        ({"hints": "Double it.\n\n  Or add 4 to 4.  "}, {"hints": ["Double it.", "Or add 4 to 4."]}),
    ],
)
def test_each_kind_of_exercise_typed_as_plain_text_is_stored_in_its_shape(
    admin_client, course, fields, stored
):
    response = admin_client.post(ADD, form_data(course, **fields))
    assert response.status_code == 302
    exercise = Exercise.objects.get(key="new-1")
    assert {name: getattr(exercise, name) for name in stored} == stored


def test_editing_shows_the_stored_values_one_per_line_and_hints_a_paragraph_each(admin_client, course):
    course.exercises.filter(key="count-1").update(hints=["Point at each dot.", "Count aloud."])
    pages = {key: admin_client.get(f"/admin/courses/exercise/{course.exercises.get(key=key).pk}/change/")
             for key in ("count-1", "count-2", "count-3", "add-2")}  # fmt: skip
    assert (shown(pages["count-2"], "choices"), shown(pages["count-2"], "answer")) == ("4\n7", "7")
    assert shown(pages["count-1"], "answer") == "3"
    assert shown(pages["count-1"], "hints") == "Point at each dot.\n\nCount aloud."
    assert shown(pages["count-3"], "answer") == "two"
    assert shown(pages["add-2"], "answer") == "0.3"


def test_the_form_never_asks_for_json(admin_client, course):
    page = admin_client.get(ADD).content.decode()
    assert "JSON" not in page and "as strings" not in page
    assert "one choice per line" in page and "a fraction such as 3/4" in page


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"answer": "1,000"}, "answer", "Write 1,000 without the comma: 1000"),
        ({"answer": "three quarters"}, "answer", "Enter a number: a whole number, a decimal such as 0.75"),
        ({"type": "multiple_choice", "choices": "Berlin\nBonn", "answer": "Berlin, Bonn"}, "answer",
         "Not one of the choices ('Berlin', 'Bonn')."),
    ],
)  # fmt: skip
def test_what_cannot_be_read_is_an_error_on_its_field_as_typed(admin_client, course, fields, field, message):
    page = admin_client.post(ADD, form_data(course, **fields))
    errors = page.context["adminform"].form.errors
    assert list(errors) == [field] and errors[field][0].startswith(message)
    assert shown(page, field) == fields[field]  # kept as typed, to correct it


def test_saving_the_answer_as_shown_or_as_the_same_number_is_no_change(admin_client, course, student):
    learner = learner_for(student)
    enroll(learner, course)
    record_attempt(learner, course, "add-1", "5", source="web", idempotency_key="k1")
    exercise = course.exercises.get(key="add-1")
    url = f"/admin/courses/exercise/{exercise.pk}/change/"
    for typed in ("5", "5.0", "10/2"):
        data = form_data(course, key="add-1", prompt=exercise.prompt, answer=typed, hints="Start at 2.")
        page = admin_client.post(url, data, follow=True).content.decode()
        assert "You changed the answer" not in page
    exercise.refresh_from_db()
    assert exercise.answer == 5
