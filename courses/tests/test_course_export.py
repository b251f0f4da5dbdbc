"""A teacher takes a course out as a course document, from the admin or the API, to keep or edit it and
import it again: what they changed in the admin comes with it, and a re-import of the export changes
nothing."""

import pytest
import yaml

from config.tests.test_api_contract import assert_as_documented
from conftest import client_for
from courses.models import Course
from courses.services import export_course, import_course
from courses.teachers import make_teacher

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/courses/arithmetic/export/"


def test_the_admin_exports_the_course_as_edited_there_and_it_imports_again_unchanged(teacher_client, course):
    course.exercises.filter(key="count-1").update(hints=["Point at each dot.\n1. one\n2. two"])
    change_page = teacher_client.get(f"/admin/courses/course/{course.pk}/change/").content.decode()
    link = f'/admin/courses/course/{course.pk}/export.yaml" download>Export (YAML)</a>'
    assert link in change_page
    response = teacher_client.get(f"/admin/courses/course/{course.pk}/export.yaml")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="arithmetic.yaml"'
    document = yaml.safe_load(response.content.decode())
    count_1 = next(item for item in document["exercises"] if item["key"] == "count-1")
    assert count_1["hints"] == ["Point at each dot.\n1. one\n2. two"]
    summary = import_course(document)
    assert (summary.course_changed, summary.exercises_updated, summary.warnings) == ([], [], [])


def test_the_course_page_links_to_its_skills_exercises_and_class(teacher_client, course):
    page = teacher_client.get(f"/admin/courses/course/{course.pk}/change/").content.decode()
    assert f'href="/admin/courses/skill/?course__id__exact={course.pk}">Skills</a>' in page
    assert f'href="/admin/courses/exercise/?course__id__exact={course.pk}">Exercises</a>' in page
    assert f'href="/admin/courses/course/{course.pk}/mastery/">Class mastery</a>' in page
    skills = teacher_client.get(f"/admin/courses/skill/?course__id__exact={course.pk}")
    assert skills.context["cl"].result_count == course.skills.count()


def test_another_teacher_cannot_export_a_course_they_do_not_teach(course, other_teacher):
    make_teacher(other_teacher)
    client = client_for(other_teacher)
    client.force_login(other_teacher)
    assert client.get(f"/admin/courses/course/{course.pk}/export.yaml").status_code == 404
    refused = client.get(EXPORT)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the course's teachers may export it."}


def test_the_api_exports_the_course_for_its_teachers_only(course, teacher, student):
    make_teacher(teacher)
    response = client_for(teacher).get(EXPORT)
    assert response.status_code == 200
    assert assert_as_documented(response, "/api/v1/courses/{slug}/export/", "GET") == export_course(course)
    assert import_course(response.json()).exercises_updated == []
    assert client_for(student).get(EXPORT).status_code == 403


def test_a_drafts_export_says_so_and_imported_under_another_slug_makes_a_draft(course, teacher, student):
    assert "published" not in client_for(teacher).get(EXPORT).json()  # a re-import keeps what it has
    Course.objects.filter(pk=course.pk).update(published=False)
    document = client_for(teacher).get(EXPORT).json()
    assert document["published"] is False
    copy = client_for(teacher).post("/api/v1/courses/import/", {**document, "slug": "copy"}, format="json")
    assert copy.status_code == 201 and copy.json()["published"] is False
    assert client_for(student).get("/api/v1/courses/copy/").status_code == 404
    assert client_for(teacher).get("/api/v1/courses/copy/").json()["published"] is False
