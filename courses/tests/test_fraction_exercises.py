"""A fraction exercise is right with the answer's value written over the answer's denominator, however the
learner spaces it; authors are told, with the file and line, when the answer they wrote is no fraction."""

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import answer_via_api, arithmetic_document, client_for
from courses.models import FRACTION_HELP, Exercise
from courses.services import export_course, import_course
from courses.tests.test_admin_exercise_form import ADD, form_data

pytestmark = pytest.mark.django_db

NOT_A_FRACTION = f"a fraction exercise needs one fraction as its answer: {FRACTION_HELP}"


def with_fractions(**answers: str) -> dict:
    """The arithmetic course with a fraction exercise per key, each of the answer given."""
    document = arithmetic_document()
    document["exercises"] += [
        {"key": key, "skills": ["addition"], "type": "fraction", "prompt": "Compute.", "answer": answer}
        for key, answer in answers.items()
    ]
    return document


@pytest.fixture
def enrolled(api, course):
    import_course(with_fractions(**{"sum-3-2": "3/2", "simplify-6-8": "3/4", "over-20": "15/20"}))
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


@pytest.mark.parametrize(
    ("exercise", "response", "correct"),
    [("sum-3-2", "3 /2", True), ("sum-3-2", "3/ 2", True), ("sum-3-2", "1 1/2", True),
     ("sum-3-2", "1\u00bd", True), ("sum-3-2", "6/4", False), ("simplify-6-8", "6/8", False),
     ("simplify-6-8", "3 / 4", True), ("over-20", "3/4", False), ("over-20", "15 / 20", True)],
)  # fmt: skip
def test_learners_are_marked_by_value_and_denominator_through_the_api(enrolled, exercise, response, correct):
    body = answer_via_api(enrolled, exercise, response, "k1").json()
    assert body["correct"] is correct
    assert body["feedback"]["message"] == ("Correct!" if correct else "Not quite.")


def test_the_api_lists_the_fraction_type_and_documents_it(enrolled, teacher):
    detail = enrolled.get("/api/v1/courses/arithmetic/").json()
    assert {e["key"]: e["type"] for e in detail["exercises"]}["sum-3-2"] == "fraction"
    components = client_for(teacher).get("/api/schema/?format=json").json()["components"]["schemas"]
    reference = components["Exercise"]["properties"]["type"]["allOf"][0]["$ref"]  # read-only: wrapped
    assert components[reference.rsplit("/", 1)[1]]["enum"] == [
        "multiple_choice",
        "numeric",
        "fraction",
        "text",
    ]


def test_a_fraction_exercise_exports_and_imports_again(enrolled, course):
    exported = export_course(course)
    over_20 = next(item for item in exported["exercises"] if item["key"] == "over-20")
    assert (over_20["type"], over_20["answer"]) == ("fraction", "15/20")
    assert import_course(exported).answers_changed == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [("0.75", NOT_A_FRACTION), ("three quarters", NOT_A_FRACTION), ("3/0", NOT_A_FRACTION),
     (0.75, f"read as the number 0.75, which is no fraction: {NOT_A_FRACTION}")],
)  # fmt: skip
def test_an_answer_that_is_no_fraction_is_refused_naming_the_file_line_and_exercise(
    tmp_path, answer, message
):
    path = tmp_path / "fractions.yaml"
    path.write_text(yaml.safe_dump(with_fractions(half=answer), sort_keys=False))
    lines = path.read_text().splitlines()
    line = max(n for n, text in enumerate(lines, 1) if text.strip().startswith("answer:"))  # the last one's
    with pytest.raises(CommandError) as caught:
        call_command("import_course", str(path))
    assert str(caught.value) == (
        f"{path}: nothing imported, 1 problem(s):\n  line {line}: exercises[6] (half).answer: {message}"
    )


def test_the_admin_refuses_an_answer_that_is_no_fraction_and_keeps_one_as_written(admin_client, course):
    refused = admin_client.post(ADD, form_data(course, type="fraction", answer="0.75"))
    assert refused.context["adminform"].form.errors == {
        "answer": [f"{NOT_A_FRACTION[0].upper()}{NOT_A_FRACTION[1:]}."]
    }
    assert admin_client.post(ADD, form_data(course, type="fraction", answer=" 15/20 ")).status_code == 302
    exercise = Exercise.objects.get(key="new-1")
    assert exercise.answer == "15/20"
    assert exercise.is_correct("15 /20") and not exercise.is_correct("3/4")


def test_the_api_documents_how_a_course_document_writes_its_exercises(teacher):
    components = client_for(teacher).get("/api/schema/?format=json").json()["components"]["schemas"]
    exercises = components["CourseDocumentRequest"]["properties"]["exercises"]["items"]["$ref"]
    exercise = components[exercises.rsplit("/", 1)[1]]["properties"]
    assert {"key", "skills", "type", "answer", "tolerance", "case_sensitive", "difficulty"} <= set(exercise)
    assert "Fraction: one fraction as learners must write it" in exercise["answer"]["description"]
    assert "capitals matter" in exercise["case_sensitive"]["description"]


def test_the_documented_course_document_has_the_fields_the_importer_reads():
    from courses.documents import COURSE_FIELDS, EXERCISE_FIELDS, SKILL_FIELDS
    from courses.serializers import (
        CourseDocumentSerializer,
        DocumentExerciseSerializer,
        DocumentSkillSerializer,
    )

    assert set(CourseDocumentSerializer().fields) == COURSE_FIELDS
    assert set(DocumentSkillSerializer().fields) == SKILL_FIELDS
    assert set(DocumentExerciseSerializer().fields) == EXERCISE_FIELDS
