"""Importing a course document: what authors are told (key by key, with lines), what a re-import changes and
keeps, dry runs, and the API's ways in (JSON, YAML, an uploaded file)."""

import copy
import json
from io import StringIO

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from conftest import arithmetic_document, client_for
from courses.documents import CourseDocumentError
from courses.models import Course, Exercise, Override, Skill
from courses.services import export_course, import_course
from learners.models import SkillProgress
from learners.progress import course_progress, rebuild_skill_progress
from learners.services import enroll, learner_for
from learners.tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/courses/import/"


def problems_of(document) -> list[str]:
    with pytest.raises(CourseDocumentError) as caught:
        import_course(document)
    return [str(problem) for problem in caught.value.problems]


def run_import(path, *args: str) -> str:
    out = StringIO()
    call_command("import_course", str(path), *args, stdout=out)
    return out.getvalue()


def import_error(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_course", str(path), stdout=StringIO())
    assert not Course.objects.exists()
    return str(caught.value).removeprefix(f"{path}: ")


def test_an_exercise_of_no_skill_is_refused():
    document = arithmetic_document()
    document["exercises"][0]["skills"] = []
    assert problems_of(document) == ["exercises[0] (count-1).skills: required, at least one skill key"]


# Texts the database cannot store


UNSTORABLE = r"""slug: odd
title: "Arith\ud800metic"
skills:
  - {key: a, name: A}
exercises:
  - key: e1
    skills: [a]
    type: numeric
    prompt: How many?
    answer: 1
    hints: ["Point\0 at each dot."]
    "expl\ud83d": Two.
"""


def test_texts_the_database_cannot_store_are_refused_with_their_line(tmp_path):
    half = "half of a surrogate pair, which UTF-8 cannot encode: write the character itself"
    assert import_error(tmp_path, "odd.yaml", UNSTORABLE).splitlines() == [
        "nothing imported, 3 problem(s):",
        f"  line 2: title: contains '\\ud800', {half}",
        "  line 11: exercises[0] (e1).hints[0]: contains a NUL character (\\u0000), which cannot be stored",
        f"  line 12: exercises[0] (e1): the field name 'expl\\ud83d' contains '\\ud83d', {half}",
    ]


def test_the_api_refuses_such_texts_with_a_400(other_teacher):
    document = arithmetic_document()
    document["title"] = "Arith\ud800metic"
    document["exercises"][1]["prompt"] = "Which\x00 is more?"
    body = json.dumps(document)  # ASCII, with the escapes \ud800 and \u0000
    response = client_for(other_teacher).post(IMPORT, body, content_type="application/json")
    assert response.status_code == 400
    half = "half of a surrogate pair, which UTF-8 cannot encode: write the character itself"
    assert response.json() == {
        "title": [f"contains '\\ud800', {half}"],
        "exercises[1] (count-2).prompt": ["contains a NUL character (\\u0000), which cannot be stored"],
    }
    assert not Course.objects.exists()


# Keys written twice


def test_a_key_written_twice_in_yaml_is_refused_with_both_lines(tmp_path):
    text = yaml.safe_dump(arithmetic_document(), sort_keys=False)
    text = text.replace("  answer: 5\n", "  answer: 5\n  answer: 6\n")
    assert import_error(tmp_path, "twice.yaml", text) == (
        "nothing imported, 1 problem(s):\n"
        "  line 51: not valid YAML: duplicate key 'answer', first on line 50 (column 3)"
    )


def test_a_key_written_twice_in_json_is_refused_with_its_line(other_teacher):
    body = '{\n  "slug": "arithmetic",\n  "title": "A",\n  "title": "B"\n}'
    response = client_for(other_teacher).post(IMPORT, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "document": ["line 4: not valid JSON: duplicate key 'title', first on line 3 (column 12)"]
    }


# What YAML reads differently from what was meant


YAML_RETYPED = """\
slug: yaml-types
title: YAML types
published: "no"
skills:
  - {key: 2024, name: Year}
  - {key: basics, name: Basics, prerequisites: [2024]}
exercises:
  - key: 01
    skills: [basics]
    type: multiple_choice
    prompt: Is Oslo in Norway?
    choices: [Yes, No]
    answer: Yes
  - key: q2
    skills: [basics]
    type: multiple_choice
    prompt: Pick one
    choices: ["1", "2"]
    answer: 1
  - key: q3
    skills: [basics]
    type: text
    prompt: Country code of Norway?
    answer: [NO, no]
"""


def test_values_yaml_reads_as_numbers_or_booleans_are_named_with_the_remedy(tmp_path):
    boolean = "read as {} (YAML reads yes/no, on/off and true/false as true or false); write it in quotes"
    assert import_error(tmp_path, "types.yaml", YAML_RETYPED).splitlines()[1:] == [
        "  line 3: published: must be true or false",
        "  line 5: skills[0].key: read as the number 2024; write it in quotes",
        "  line 6: skills[1] (basics).prerequisites: prerequisites[0] was read as the number 2024; write it "
        "in quotes",
        "  line 8: exercises[0].key: read as the number 1; write it in quotes",
        "  line 12: exercises[0].choices: choices[0] was " + boolean.format("true"),
        "  line 19: exercises[1] (q2).answer: not one of the choices: it was read as the number 1; write it "
        "in quotes",
        "  line 24: exercises[2] (q3).answer: answer[0] was " + boolean.format("false"),
    ]


# Syntax errors


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    text = "slug: geo\ntitle: Geo\nskills:\n  - {key: a, name: A description: B}\n"
    assert import_error(tmp_path, "broken.yaml", text) == (
        "nothing imported, 1 problem(s):\n"
        "  line 4: not valid YAML: expected ',' or '}', but got ':' (column 33, while parsing a flow mapping "
        "from line 4)"
    )


def test_a_tab_in_yaml_is_named(tmp_path):
    text = "slug: geo\nskills:\n\t- key: a\n"
    assert import_error(tmp_path, "tab.yaml", text).endswith(
        "line 3: not valid YAML: found character '\\t' that cannot start any token (column 1); indent with "
        "spaces: YAML does not allow tabs"
    )


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("slug: geo\ntitle: Géo\n".encode("latin-1"))
    with pytest.raises(CommandError, match=r"line 2: not UTF-8 text \(byte 0xE9\); save it as UTF-8"):
        call_command("import_course", str(path))


# A re-import, key by key


@pytest.fixture
def taught(course):
    """The arithmetic course as learners used it: a division skill whose exercise was answered, an
    estimation skill with no exercise, count-3 deactivated by a teacher, and attempts on three exercises."""
    document = arithmetic_document()
    document["skills"] += [
        {"key": "division", "name": "Division"},
        {"key": "estimation", "name": "Estimation"},
    ]
    document["exercises"].append(
        {"key": "div-1", "skills": ["division"], "type": "numeric", "prompt": "6 / 2", "answer": 3}
    )
    import_course(document)
    Exercise.objects.filter(key="count-3").update(active=False)
    for key, count in (("count-1", 2), ("add-2", 4), ("div-1", 3)):
        for _ in range(count):
            AttemptFactory(exercise=Exercise.objects.get(key=key))
    return course


def second_edition() -> dict:
    """The next edition of the arithmetic document: a new title, a corrected answer, a reworded prompt, add-2
    renamed to add-decimals, mul-1 no longer counted for addition; division and estimation are gone."""
    document = arithmetic_document()
    document["title"] = "Arithmetic, second edition"
    exercises = {exercise["key"]: exercise for exercise in document["exercises"]}
    exercises["count-1"]["answer"] = 4
    exercises["count-1"]["prompt"] = "Count: ● ● ● ●"
    exercises["count-2"]["prompt"] = "Which number is larger?"
    exercises["add-2"]["key"] = "add-decimals"
    exercises["mul-1"]["skills"] = ["multiplication"]
    document["skills"][0]["name"] = "Counting objects"
    return document


REPORT = [
    "Updated course 'arithmetic' (published): 3 skills, 6 exercises",
    "  course changed: title",
    "  skills updated: counting",
    "  exercises created: add-decimals",
    "  exercises updated: count-1 (prompt, answer), count-2 (prompt), mul-1 (skills)",
    "  answer changed (attempts keep the result they were given): count-1 (2 attempts)",
    "  deactivated (not in the document; attempts are kept): add-2 (4 attempts), div-1 (3 attempts)",
    "  reactivated (they had been deactivated, in the admin or by an earlier import): count-3",
    "  skills not in the document, kept: division (1 exercise, 3 attempts)",
    "  skills not in the document, deleted (nothing referred to them): estimation",
    "Warning: exercise add-2 (4 attempts) deactivated while add-decimals was created in the same skill: if "
    "this is a rename, learners' history stays with add-2.",
    "Warning: course 'arithmetic' has no teacher, so only superusers can manage it in the admin (it is "
    "published: students see it in the catalogue). Import it again with --teacher USERNAME, or have a "
    "superuser add one in the admin: the course's Teachers field.",
]


def test_a_reimport_reports_every_change_key_by_key(tmp_path, taught):
    path = tmp_path / "arithmetic.yaml"
    path.write_text(yaml.safe_dump(second_edition()), encoding="utf-8")
    assert run_import(path).splitlines() == REPORT
    assert not Exercise.objects.get(key="add-2").active
    assert Exercise.objects.get(key="count-3").active
    assert Exercise.objects.get(key="count-1").attempts.count() == 2
    assert set(Skill.objects.values_list("key", flat=True)) == {
        "counting",
        "addition",
        "multiplication",
        "division",
    }


def test_a_dry_run_reports_the_same_and_changes_nothing(tmp_path, taught):
    path = tmp_path / "arithmetic.yaml"
    path.write_text(yaml.safe_dump(second_edition()), encoding="utf-8")
    before = export_course(taught), sorted(Skill.objects.values_list("key", flat=True))
    output = run_import(path, "--dry-run").splitlines()
    assert output == [
        REPORT[0].replace("Updated", "Would update"),
        *REPORT[1:],
        "dry run: nothing was changed",
    ]
    assert (
        export_course(Course.objects.get()),
        sorted(Skill.objects.values_list("key", flat=True)),
    ) == before


def test_a_skill_an_override_names_is_kept(taught):
    Override.objects.create(
        course=taught, kind=Override.Kind.PIN_SKILL, skill=Skill.objects.get(key="estimation"), reason="x"
    )
    summary = import_course(second_edition())
    assert [str(left) for left in summary.skills_not_in_document] == [
        "division (1 exercise, 3 attempts)",
        "estimation (0 exercises, 0 attempts)",
    ]
    assert summary.skills_deleted == []


def test_the_api_returns_the_report(taught, teacher):
    response = client_for(teacher).post(IMPORT, second_edition(), format="json")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "arithmetic",
        "created": False,
        "dry_run": False,
        "published": True,
        "course_changed": ["title"],
        "skills": 3,
        "exercises": 6,
        "deactivated": 2,
        "skills_created": [],
        "skills_updated": ["counting"],
        "skills_not_in_document": [{"key": "division", "exercises": 1, "attempts": 3}],
        "skills_deleted": ["estimation"],
        "exercises_created": ["add-decimals"],
        "exercises_updated": ["count-1", "count-2", "mul-1"],
        "fields_changed": {"count-1": ["prompt", "answer"], "count-2": ["prompt"], "mul-1": ["skills"]},
        "answers_changed": [{"key": "count-1", "attempts": 2}],
        "exercises_deactivated": [{"key": "add-2", "attempts": 4}, {"key": "div-1", "attempts": 3}],
        "exercises_reactivated": ["count-3"],
        "warnings": [
            "exercise add-2 (4 attempts) deactivated while add-decimals was created in the same skill: if "
            "this is a rename, learners' history stays with add-2"
        ],
    }


def test_an_api_dry_run_changes_nothing(taught, teacher):
    before = export_course(taught)
    response = client_for(teacher).post(f"{IMPORT}?dry_run=true", second_edition(), format="json")
    assert response.status_code == 200
    assert (response.json()["dry_run"], response.json()["exercises_created"]) == (True, ["add-decimals"])
    assert export_course(Course.objects.get()) == before


def test_an_api_dry_run_of_a_new_course_creates_nothing(other_teacher):
    response = client_for(other_teacher).post(f"{IMPORT}?dry_run=1", arithmetic_document(), format="json")
    assert response.status_code == 200
    assert response.json()["created"] is True
    assert not Course.objects.exists()


def test_dry_run_must_be_a_boolean(other_teacher):
    response = client_for(other_teacher).post(f"{IMPORT}?dry_run=maybe", arithmetic_document(), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["dry_run"]


# Learners' progress after a re-import


def test_a_reimport_that_moves_an_exercise_rebuilds_learners_progress(
    course, student, django_capture_on_commit_callbacks
):
    learner = learner_for(student)
    enroll(learner, course)
    AttemptFactory(learner=learner, exercise=Exercise.objects.get(key="mul-1"))
    rebuild_skill_progress(learner.pk, course.pk)
    document = arithmetic_document()
    document["exercises"][5]["skills"] = ["multiplication"]
    with django_capture_on_commit_callbacks(execute=True):
        import_course(document)
    attempts = {report.skill_key: report.attempts for report in course_progress(learner, course)}
    assert attempts == {"counting": 0, "addition": 0, "multiplication": 1}


def test_progress_is_left_alone_when_nothing_it_reads_changed(
    course, student, django_capture_on_commit_callbacks
):
    enroll(learner_for(student), course)
    document = arithmetic_document()
    document["exercises"][0]["prompt"] = "Count the dots: ● ● ●"
    with django_capture_on_commit_callbacks() as callbacks:
        import_course(document)
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        import_course(document, dry_run=True)
    assert callbacks == []
    assert not SkillProgress.objects.exists()


# Publishing and teachers


def test_published_is_kept_unless_the_document_says(course):
    document = arithmetic_document()
    import_course({**document, "published": False})
    assert Course.objects.get().published is False
    import_course(document)
    assert Course.objects.get().published is False
    assert import_course({**document, "published": True}).published is True
    assert import_course(arithmetic_document("draft") | {"published": False}).published is False


def test_a_course_imported_with_a_teacher_gets_no_warning(tmp_path, other_teacher):
    path = tmp_path / "arithmetic.json"
    path.write_text(json.dumps(arithmetic_document() | {"published": False}), encoding="utf-8")
    assert run_import(path, "--teacher", "otto").splitlines() == [
        "Created course 'arithmetic' (not published): 3 skills, 6 exercises",
        "  skills created: counting, addition, multiplication",
        "  exercises created: count-1, count-2, count-3, add-1, add-2, mul-1",
    ]


# The API's ways in


def yaml_text(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


@pytest.mark.parametrize("content_type", ["application/yaml", "text/yaml", "application/yaml; charset=utf-8"])
def test_the_api_takes_a_yaml_body(other_teacher, content_type):
    response = client_for(other_teacher).post(
        IMPORT, yaml_text(arithmetic_document()), content_type=content_type
    )
    assert response.status_code == 201
    assert response.json()["exercises_created"][0] == "count-1"
    assert Course.objects.get().teachers.get() == other_teacher
    assert client_for(other_teacher).get(response["Location"]).json()["slug"] == "arithmetic"


def test_the_api_answers_broken_yaml_with_its_line(other_teacher):
    text = yaml_text(arithmetic_document()).replace("title: Arithmetic", "title: [Arithmetic")
    response = client_for(other_teacher).post(IMPORT, text, content_type="application/yaml")
    assert response.status_code == 400
    assert response.json() == {
        "document": [
            "line 3: not valid YAML: expected ',' or ']', but got ':' (column 12, while parsing a flow "
            "sequence from line 2)"
        ]
    }


def test_the_api_names_the_line_of_a_problem_in_yaml(other_teacher):
    document = arithmetic_document()
    document["exercises"][1]["answer"] = "9"
    response = client_for(other_teacher).post(IMPORT, yaml_text(document), content_type="text/yaml")
    assert response.status_code == 400
    assert response.json() == {
        "exercises[1] (count-2).answer": ["line 35: not one of the choices ('4', '7')"]
    }


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("arithmetic.yaml", yaml_text(arithmetic_document())),
        ("arithmetic.json", json.dumps(arithmetic_document())),
    ],
)
def test_the_api_takes_an_uploaded_file(other_teacher, name, text):
    upload = SimpleUploadedFile(name, text.encode())
    response = client_for(other_teacher).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 201
    assert Course.objects.get().exercises.count() == 6


def test_an_upload_without_a_file_is_refused(other_teacher):
    response = client_for(other_teacher).post(IMPORT, {"document": "x"}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["Upload the course document as the 'file' part."]}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
@pytest.mark.parametrize("how", ["json", "yaml", "upload"])
def test_a_document_over_the_limit_is_a_json_413_that_states_it(other_teacher, how):
    client, document = client_for(other_teacher), arithmetic_document()
    if how == "json":
        response = client.post(IMPORT, document, format="json")
    elif how == "yaml":
        response = client.post(IMPORT, yaml_text(document), content_type="application/yaml")
    else:
        upload = SimpleUploadedFile("big.yaml", yaml_text(document).encode())
        response = client.post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["detail"].startswith(
        "The course document is over this server's limit of 1000 bytes"
    )
    assert not Course.objects.exists()


def test_the_schema_documents_the_ways_in(other_teacher):
    schema = client_for(other_teacher).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/courses/import/"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "application/yaml",
        "text/yaml",
        "multipart/form-data",
    }
    assert [parameter["name"] for parameter in operation["parameters"]] == ["dry_run"]
    assert {"200", "201", "400", "413"} <= set(operation["responses"])
    result = schema["components"]["schemas"]["ImportResult"]["properties"]
    assert {"answers_changed", "exercises_deactivated", "skills_not_in_document", "warnings"} <= set(result)


def test_a_reimport_of_an_export_changes_nothing(course):
    summary = import_course(copy.deepcopy(export_course(course)))
    assert (summary.exercises_updated, summary.skills_updated, summary.deactivated) == ([], [], 0)
    assert summary.course_changed == []


def test_a_reimport_that_unpublishes_a_course_or_leaves_a_skill_without_exercises_warns(course, student):
    enroll(learner_for(student), course)
    document = arithmetic_document()
    document["published"] = False
    document["exercises"] = [e for e in document["exercises"] if "multiplication" not in e["skills"]]
    for dry_run in (True, False):
        summary = import_course(document, dry_run=dry_run)
        would = "would be" if dry_run else "is now"
        assert summary.warnings[-2:] == [
            f"the course {would} unpublished (the document says published: false): 1 enrolled learner can "
            "no longer open it; publish it in the admin, or write published: true",
            "no active exercise practises multiplication: learners can neither practise nor master it",
        ]
    assert import_course(document).warnings == [  # unpublished already: nothing taken from anyone now
        "no active exercise practises multiplication: learners can neither practise nor master it"
    ]
