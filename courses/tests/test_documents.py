import copy
import json

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import arithmetic_document, client_for
from courses.documents import CourseDocumentError
from courses.models import Course, Exercise
from courses.services import export_course, import_course
from learners.tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db


def problems_of(document) -> list[str]:
    with pytest.raises(CourseDocumentError) as caught:
        import_course(document)
    return [str(problem) for problem in caught.value.problems]


def test_every_problem_is_reported_with_its_path():
    document = arithmetic_document()
    document["slug"] = "Not A Slug"
    document["skills"].append({"key": "counting", "name": "Again"})
    document["skills"][1]["prerequisites"] = ["ghost"]
    document["exercises"][0]["skills"] = ["nowhere"]
    document["exercises"][1]["answer"] = "9"
    document["exercises"][2]["answer"] = []
    document["exercises"][3]["type"] = "essay"
    document["exercises"][4]["tolerance"] = -1
    document["exercises"][5]["difficulty"] = "hard"
    document["exercises"].append(copy.deepcopy(document["exercises"][0]))
    assert problems_of(document) == [
        "slug: use lowercase letters, digits and single hyphens",
        "skills[3] (counting).key: duplicate skill key 'counting' (first at skills[0])",
        "skills[1] (addition).prerequisites[0]: unknown skill 'ghost'",
        "exercises[0] (count-1).skills[0]: unknown skill 'nowhere'",
        "exercises[1] (count-2).answer: not one of the choices ('4', '7')",
        "exercises[2] (count-3).answer: a text exercise needs a non-empty list of accepted answers",
        "exercises[3] (add-1).type: must be one of multiple_choice, numeric, fraction, text",
        "exercises[4] (add-2).tolerance: must be a non-negative number",
        "exercises[5] (mul-1).difficulty: must be a real number (0 = average)",
        "exercises[6] (count-1).key: duplicate exercise key 'count-1' (first at exercises[0])",
        "exercises[6] (count-1).skills[0]: unknown skill 'nowhere'",
    ]
    assert not Course.objects.exists()


def test_an_authors_usual_mistakes_are_refused_with_what_to_do():
    document = arithmetic_document()
    document["exercises"][0]["skills"] = ["countng"]  # a typo
    document["exercises"][0]["hints"] = ["Point at each dot.", "  "]
    document["exercises"][1]["choices"] = ["4", " 7", "7 "]  # the page shows all but one as "7"
    document["exercises"][3]["answer"] = "6"  # a number in quotes
    document["exercises"][4]["hints"] = ["Two steps:\n\n1. add\n2. check"]  # two paragraphs
    document["exercises"][5]["difficulty"] = 7
    assert problems_of(document) == [
        "exercises[0] (count-1).hints[1]: empty: write the hint or remove it",
        "exercises[0] (count-1).skills[0]: unknown skill 'countng' (did you mean 'counting'?)",
        "exercises[1] (count-2).choices: choices[1] and choices[2] both read '7' on the page: change one",
        "exercises[3] (add-1).answer: a numeric exercise needs a number as its answer: "
        "write 6 without quotes",
        "exercises[4] (add-2).hints[0]: a hint is one paragraph (a list is fine): make the text after the "
        "empty line a hint of its own, or remove the empty line",
        "exercises[5] (mul-1).difficulty: 7 is out of range. A difficulty from -6 (easiest) to 6 (hardest); "
        "0 is average.",
    ]


def test_a_hint_may_be_a_list_on_several_lines():
    document = arithmetic_document()
    document["exercises"][0]["hints"] = ["Two steps:\n1. point at each dot\n2. say a number for each"]
    assert (
        import_course(document).course.exercises.get(key="count-1").hints == document["exercises"][0]["hints"]
    )


def test_a_duplicate_key_names_the_line_of_the_first(tmp_path):
    path = tmp_path / "twice.yaml"
    document = arithmetic_document()
    document["exercises"].append({**document["exercises"][0], "prompt": "Count again"})
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    first = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line == "- key: count-1")
    with pytest.raises(
        CommandError, match=rf"duplicate exercise key 'count-1' \(first at exercises\[0\], line {first}\)"
    ):
        call_command("import_course", str(path))


HUGE = 10**400  # an integer JSON and YAML read exactly, too large for a float


def test_numbers_too_large_for_a_float_are_refused_with_their_path():
    document = arithmetic_document()
    document["exercises"][0]["difficulty"] = HUGE
    document["exercises"][3]["answer"] = HUGE
    document["exercises"][4]["tolerance"] = HUGE
    assert problems_of(document) == [
        "exercises[0] (count-1).difficulty: must be a real number (0 = average)",
        "exercises[3] (add-1).answer: a numeric exercise needs a number as its answer",
        "exercises[4] (add-2).tolerance: must be a non-negative number",
    ]


def test_texts_longer_than_their_columns_are_refused_with_their_path():
    document = arithmetic_document()
    document.update(slug="a" * 51, title="T" * 5000, language="x" * 100)
    document["skills"].append({"key": "k" * 101, "name": "N" * 201})
    document["exercises"][0]["key"] = "e" * 500
    assert problems_of(document) == [
        "slug: at most 50 characters (it has 51)",
        "title: at most 200 characters (it has 5000)",
        "language: at most 16 characters (it has 100)",
        "skills[3].key: at most 100 characters (it has 101)",
        "skills[3].name: at most 200 characters (it has 201)",
        "exercises[0].key: at most 100 characters (it has 500)",
    ]
    assert not Course.objects.exists()


def test_the_import_endpoint_answers_such_documents_with_field_errors(teacher):
    document = arithmetic_document()
    document["slug"] = "s" * 300
    document["exercises"][3]["answer"] = HUGE
    response = client_for(teacher).post("/api/v1/courses/import/", document, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "slug": ["at most 50 characters (it has 300)"],
        "exercises[3] (add-1).answer": ["a numeric exercise needs a number as its answer"],
    }


def test_a_prerequisite_cycle_is_refused():
    document = arithmetic_document()
    document["skills"][0]["prerequisites"] = ["multiplication"]
    assert problems_of(document) == [
        "skills[1] (addition).prerequisites[0]: prerequisites form a cycle: "
        "counting -> multiplication -> addition -> counting"
    ]


def test_a_document_that_is_not_a_mapping_is_refused():
    assert problems_of(["a", "list"]) == ["the document must be a mapping with slug, title, ..."]


def test_unknown_fields_are_refused_so_typos_do_not_vanish():
    document = arithmetic_document()
    document["exercises"][0]["hint"] = ["singular by mistake"]
    assert problems_of(document) == ["exercises[0] (count-1).hint: unknown field"]


def test_a_failed_reimport_leaves_the_course_as_it_was(course):
    document = arithmetic_document()
    document["title"] = "Renamed"
    document["exercises"][0]["answer"] = "three"
    problems_of(document)
    assert Course.objects.get().title == "Arithmetic"
    assert Exercise.objects.get(key="count-1").answer == 3


def test_reimport_updates_by_key_deactivates_missing_exercises_and_keeps_attempts(course):
    attempt = AttemptFactory(exercise=Exercise.objects.get(key="add-2"))
    document = arithmetic_document()
    document["exercises"] = [e for e in document["exercises"] if e["key"] != "add-2"]
    document["exercises"][0]["prompt"] = "Count the dots: ● ● ●"
    summary = import_course(document)
    assert (summary.created, summary.deactivated) == (False, 1)
    assert Exercise.objects.get(key="count-1").prompt == "Count the dots: ● ● ●"
    assert Exercise.objects.get(key="add-2").active is False
    attempt.refresh_from_db()
    assert attempt.exercise.key == "add-2"


def test_export_then_import_round_trips(course):
    exported = export_course(course)
    original = import_course(exported)
    assert original.created is False
    assert export_course(Course.objects.get()) == exported
    assert [e["key"] for e in exported["exercises"]] == [e["key"] for e in arithmetic_document()["exercises"]]
    assert exported["exercises"][4]["tolerance"] == 0.001


def test_the_commands_round_trip_through_files(tmp_path, course):
    out = tmp_path / "arithmetic.json"
    call_command("export_course", "arithmetic", "--format", "json", "--output", str(out))
    document = json.loads(out.read_text())
    document["slug"] = "arithmetic-copy"
    (tmp_path / "copy.yaml").write_text(yaml.safe_dump(document))
    call_command("import_course", str(tmp_path / "copy.yaml"))
    assert export_course(Course.objects.get(slug="arithmetic-copy"))["exercises"] == document["exercises"]


def test_the_import_command_names_the_file_and_each_problem(tmp_path):
    path = tmp_path / "bad.yaml"
    document = arithmetic_document()
    document["exercises"][1]["answer"] = "9"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(CommandError) as caught:
        call_command("import_course", str(path))
    assert str(caught.value) == (
        f"{path}: nothing imported, 1 problem(s):\n"
        "  line 13: exercises[1] (count-2).answer: not one of the choices ('4', '7')"  # the line of "answer:"
    )


def test_the_import_command_names_the_line_of_each_problem_in_a_json_file(tmp_path):
    path = tmp_path / "bad.json"
    document = arithmetic_document()
    document["exercises"][1]["answer"] = "9"
    del document["exercises"][2]["prompt"]
    text = json.dumps(document, indent=2)
    path.write_text(text)
    lines = text.splitlines()
    answer_line = next(n for n, line in enumerate(lines, 1) if '"answer": "9"' in line)
    exercise_line = next(n for n, line in enumerate(lines, 1) if '"key": "count-3"' in line) - 1  # its "{"
    with pytest.raises(CommandError) as caught:
        call_command("import_course", str(path))
    assert str(caught.value) == (
        f"{path}: nothing imported, 2 problem(s):\n"
        f"  line {answer_line}: exercises[1] (count-2).answer: not one of the choices ('4', '7')\n"
        f"  line {exercise_line}: exercises[2] (count-3).prompt: required, a non-empty string"
    )


def test_the_import_command_names_a_number_too_large(tmp_path):
    path = tmp_path / "huge.json"
    document = arithmetic_document()
    document["exercises"][0]["difficulty"] = HUGE
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match=r"exercises\[0\] \(count-1\)\.difficulty: must be a real number"):
        call_command("import_course", str(path))


def test_the_import_command_reports_broken_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("slug: [unclosed\n")
    with pytest.raises(
        CommandError, match=r"broken\.yaml: nothing imported.*\n  line 2: not valid YAML: expected ','"
    ):
        call_command("import_course", str(path))


def test_an_unquoted_text_with_a_colon_is_explained(tmp_path):
    path = tmp_path / "colon.yaml"
    path.write_text("slug: numbers\ntitle: Note: count them\n")
    with pytest.raises(CommandError, match=r"line 2: not valid YAML: mapping values are not allowed here "
                       r"\(column 12\); a text with a colon and a space in it goes in quotes"):  # fmt: skip
        call_command("import_course", str(path))


def test_the_import_command_makes_no_student_a_teacher(tmp_path, student):
    path = tmp_path / "arithmetic.json"
    path.write_text(json.dumps(arithmetic_document()))
    with pytest.raises(CommandError, match=r"'sam' is not a teacher .* tick 'Staff status'"):
        call_command("import_course", str(path), "--teacher", "sam")
    assert not Course.objects.exists()
    student.refresh_from_db()
    assert not student.is_staff


def test_the_import_command_adds_a_staff_account_as_teacher(tmp_path, other_teacher):
    path = tmp_path / "arithmetic.json"
    path.write_text(json.dumps(arithmetic_document()))
    call_command("import_course", str(path), "--teacher", other_teacher.username, stdout=None)
    assert list(Course.objects.get(slug="arithmetic").teachers.all()) == [other_teacher]


@pytest.mark.parametrize("language", ['en"><b>', "", "english language", "e"])
def test_a_language_that_is_no_language_tag_is_refused(language):
    document = {**arithmetic_document(), "language": language}
    assert problems_of(document) == ["language: A language tag such as en, es or fr-CA (BCP 47)."]
