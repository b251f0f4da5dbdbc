"""A teacher imports a course document in the admin as through POST /api/v1/courses/import/: an uploaded
file or the pasted text, a dry run, every problem with its line, no overwriting another teacher's course."""

import json

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from conftest import arithmetic_document, client_for
from courses.models import Course
from courses.teachers import make_teacher

pytestmark = pytest.mark.django_db

IMPORT = "/admin/courses/course/import/"

# Two mistakes, on lines 11 and 13: an answer that is no choice, and a skill that does not exist.
MISTAKEN = """\
slug: numbers
title: Numbers
skills:
  - {key: counting, name: Counting}
exercises:
  - key: count-1
    skills: [counting]
    type: multiple_choice
    prompt: Which is more?
    choices: ["4", "7"]
    answer: "9"
  - key: count-2
    skills: [countin]
    type: numeric
    prompt: 2 + 2?
    answer: 4
"""


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tess(teacher) -> Client:
    """The demo-like teacher: a staff account in the Teachers group, not a superuser, teaching arithmetic."""
    make_teacher(teacher)
    return signed_in(teacher)


@pytest.fixture
def otto(other_teacher) -> Client:
    """A teacher of no course yet."""
    make_teacher(other_teacher)
    return signed_in(other_teacher)


def as_yaml(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def test_the_course_list_offers_the_import(tess):
    page = tess.get("/admin/courses/course/").content.decode()
    assert f'<a href="{IMPORT}" class="addlink">Import a course</a>' in page


def test_an_uploaded_file_creates_the_course_and_its_importer_teaches_it(otto, other_teacher):
    upload = SimpleUploadedFile("numbers.yaml", as_yaml(arithmetic_document("numbers")).encode())
    response = otto.post(IMPORT, {"file": upload}, follow=True)
    course = Course.objects.get(slug="numbers")
    assert response.redirect_chain == [(f"/admin/courses/course/{course.pk}/change/", 302)]
    assert list(course.teachers.all()) == [other_teacher]
    assert [str(message) for message in response.context["messages"]] == [
        "Created course 'numbers' (published): 3 skills, 6 exercises. Skills created: counting, addition, "
        "multiplication; exercises created: count-1, count-2, count-3, add-1, add-2, mul-1."
    ]


def test_a_json_file_is_read_as_json(otto):
    document = json.dumps(arithmetic_document("numbers"), indent=2).encode()
    response = otto.post(IMPORT, {"file": SimpleUploadedFile("numbers.json", document)})
    assert response.status_code == 302
    assert Course.objects.filter(slug="numbers").exists()


def test_a_dry_run_shows_what_would_change_and_stores_nothing(tess, course):
    document = arithmetic_document()
    document["exercises"][3]["answer"] = 6  # add-1
    del document["exercises"][2]  # count-3
    response = tess.post(IMPORT, {"text": as_yaml(document), "dry_run": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dry run: nothing was changed" in page
    assert "Would update course &#x27;arithmetic&#x27; (published): 3 skills, 5 exercises" in page
    assert "answer changed (attempts keep the result they were given): add-1 (0 attempts)" in page
    assert "deactivated (not in the document; attempts are kept): count-3 (0 attempts)" in page
    assert course.exercises.get(key="add-1").answer == 5
    assert course.exercises.get(key="count-3").active


def test_a_dry_run_of_a_new_course_creates_nothing(otto):
    response = otto.post(IMPORT, {"text": as_yaml(arithmetic_document("numbers")), "dry_run": "on"})
    assert response.status_code == 200
    assert "Would create course &#x27;numbers&#x27;" in response.content.decode()
    assert not Course.objects.filter(slug="numbers").exists()


def test_mistakes_are_listed_with_their_lines_tied_to_the_pasted_text_which_is_kept(otto):
    response = otto.post(IMPORT, {"text": MISTAKEN})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "text": [
            "line 11: exercises[0] (count-1).answer: not one of the choices ('4', '7')",
            "line 13: exercises[1] (count-2).skills[0]: unknown skill 'countin' (did you mean 'counting'?)",
        ]
    }
    page = response.content.decode()
    assert "Nothing imported: 2 problems" in page
    assert '<ul class="errorlist" id="id_text_error">' in page
    assert 'aria-invalid="true" aria-describedby="id_text_helptext id_text_error"' in page
    assert MISTAKEN.replace('"', "&quot;") in page  # as pasted, to be corrected in place
    assert not Course.objects.exists()


def test_pasted_json_is_read_as_json_and_its_problems_named_as_the_api_names_them(otto, other_teacher):
    text = json.dumps(arithmetic_document("numbers"), indent=2)
    text = text.replace('"title"', '"slug": "x", "title"', 1)
    api = client_for(other_teacher).post("/api/v1/courses/import/", text, content_type="application/json")
    said = "line 3: not valid JSON: duplicate key 'slug', first on line 2 (column 11)"
    assert api.json() == {"document": [said]}
    response = otto.post(IMPORT, {"text": text})
    assert response.context["form"].errors == {"text": [said]}


def test_a_problem_of_an_uploaded_file_is_shown_with_the_file_field(otto):
    response = otto.post(IMPORT, {"file": SimpleUploadedFile("numbers.yaml", MISTAKEN.encode())})
    assert response.status_code == 400
    assert len(response.context["form"].errors["file"]) == 2
    assert not Course.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_file_over_the_apis_limit_is_refused_with_the_limit(otto):
    upload = SimpleUploadedFile("numbers.yaml", as_yaml(arithmetic_document("numbers")).encode())
    response = otto.post(IMPORT, {"file": upload})
    assert response.status_code == 400
    assert "over this server's limit of 1000 bytes" in response.context["form"].errors["file"][0]
    assert not Course.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_pasted_text_over_the_limit_gets_a_page_that_says_the_limit(otto):
    # Django refuses such a form before the view runs (before its CSRF check, even): handler400 answers.
    response = otto.post(IMPORT, {"text": as_yaml(arithmetic_document("numbers"))})
    assert response.status_code == 413
    page = " ".join(response.content.decode().replace("\xa0", " ").split())
    assert "What you sent is over this server's limit of 1000 bytes (1000 bytes," in page
    assert "import it with the <code>import_course</code> command" in page
    assert not Course.objects.exists()


def test_a_teacher_cannot_overwrite_a_course_they_do_not_teach(otto, other_teacher, course):
    document = {**arithmetic_document(), "title": "Taken over"}
    for dry_run in ({}, {"dry_run": "on"}):
        response = otto.post(IMPORT, {"text": as_yaml(document), **dry_run})
        assert response.status_code == 403
        assert response.context["form"].non_field_errors() == [
            "A course with the slug 'arithmetic' exists and you do not teach it: nothing imported. Ask one "
            "of its teachers or an administrator to import it, or give your course another slug."
        ]
    course.refresh_from_db()
    assert course.title == "Arithmetic"
    assert other_teacher not in course.teachers.all()


def test_a_teacher_reimports_a_course_they_teach(tess, course):
    document = arithmetic_document()
    document["exercises"][3]["answer"] = 6
    response = tess.post(IMPORT, {"text": as_yaml(document)})
    assert response.status_code == 302
    assert course.exercises.get(key="add-1").answer == 6


def test_a_document_is_required(otto):
    response = otto.post(IMPORT, {})
    assert response.context["form"].errors == {
        "file": ["Choose a course document file, or paste the document below."]
    }


@pytest.mark.parametrize("who", ["anonymous", "student"])
def test_only_staff_reach_the_page(who, student):
    client = Client() if who == "anonymous" else signed_in(student)
    for response in (
        client.get(IMPORT),
        client.post(IMPORT, {"text": as_yaml(arithmetic_document("numbers"))}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert not Course.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(other_teacher):
    make_teacher(other_teacher)
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_teacher)
    response = client.post(IMPORT, {"text": as_yaml(arithmetic_document("numbers"))})
    assert response.status_code == 403
    assert not Course.objects.exists()
