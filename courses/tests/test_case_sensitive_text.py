"""A text exercise an author marks case sensitive (a program's output, code) refuses an answer whose capitals
differ, as Python tells None from none; the others keep ignoring capitals."""

import pytest

from conftest import answer_via_api, arithmetic_document
from courses.models import CASE_HELP, Exercise, Override
from courses.services import export_course, import_course
from courses.tests.test_admin_exercise_form import ADD, form_data
from courses.tests.test_documents import problems_of
from learners.forms import AnswerForm

pytestmark = pytest.mark.django_db


def with_output(**fields) -> dict:
    """The arithmetic course with a text exercise asking what a line of Python prints."""
    document = arithmetic_document()
    document["exercises"].append(
        {"key": "get-default", "skills": ["counting"], "type": "text", "prompt": 'print({}.get("z", "none"))',
         "answer": ["none"], "case_sensitive": True, **fields}
    )  # fmt: skip
    return document


@pytest.fixture
def enrolled(api, course):
    import_course(with_output())
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


@pytest.mark.parametrize(("response", "correct"), [("None", False), ("NONE", False), ("  none ", True)])
def test_capitals_count_in_a_case_sensitive_answer_and_white_space_does_not(enrolled, response, correct):
    assert answer_via_api(enrolled, "get-default", response, "k1").json()["correct"] is correct


def test_other_text_exercises_still_ignore_capitals(enrolled):
    assert answer_via_api(enrolled, "count-3", "TWO", "k1").json()["correct"] is True


def test_the_flag_exports_and_a_change_of_it_is_reported_as_an_answer_change(enrolled, course):
    exported = {item["key"]: item for item in export_course(course)["exercises"]}
    assert exported["get-default"]["case_sensitive"] is True
    assert "case_sensitive" not in exported["count-3"]  # left out when false, as the import reads it
    assert [changed.key for changed in import_course(with_output(case_sensitive=False)).answers_changed] == [
        "get-default"
    ]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [({"case_sensitive": "yes"}, "must be true or false"),
     ({"type": "numeric", "answer": 3}, "only text exercises are case sensitive")],
)  # fmt: skip
def test_a_document_is_refused_a_flag_that_is_no_boolean_or_not_for_a_text(fields, problem):
    assert problems_of(with_output(**fields)) == [f"exercises[6] (get-default).case_sensitive: {problem}"]


def test_teachers_set_it_in_the_admin_on_text_exercises_only(admin_client, course):
    numeric = admin_client.post(ADD, form_data(course, case_sensitive="on"))
    assert numeric.context["adminform"].form.errors == {
        "case_sensitive": ["Only text exercises are case sensitive."]
    }
    text = form_data(course, type="text", answer="False True", case_sensitive="on")
    assert admin_client.post(ADD, text).status_code == 302
    exercise = Exercise.objects.get(key="new-1")
    assert exercise.is_correct("False  True") and not exercise.is_correct("false true")


def test_the_learner_is_told_that_capitals_matter_on_the_page_and_through_the_api(enrolled, course):
    exercise = course.exercises.get(key="get-default")
    assert AnswerForm(exercise=exercise).fields["response"].help_text == CASE_HELP
    assert AnswerForm(exercise=course.exercises.get(key="count-3")).fields["response"].help_text == ""
    detail = {e["key"]: e for e in enrolled.get("/api/v1/courses/arithmetic/").json()["exercises"]}
    assert (detail["get-default"]["case_sensitive"], detail["count-3"]["case_sensitive"]) == (True, False)
    for pin in ("get-default", "count-3"):
        Override.objects.filter(course=course).delete()
        Override.objects.create(course=course, kind="pin_exercise", exercise=course.exercises.get(key=pin),
                                reason="try it")  # fmt: skip
        chosen = enrolled.get("/api/v1/courses/arithmetic/next/").json()
        assert chosen["case_sensitive"] is (pin == "get-default")
