"""A course cannot take a slug that the API's course routes use: it could be created and never read back."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import arithmetic_document, client_for
from courses.api import CourseViewSet
from courses.models import RESERVED_SLUGS, Course

pytestmark = pytest.mark.django_db

REFUSED = "'import' is reserved by the API (/api/v1/courses/import/); choose another slug"


def test_importing_a_course_named_import_is_a_field_error_on_its_slug(teacher):
    api = client_for(teacher)
    response = api.post("/api/v1/courses/import/", arithmetic_document("import"), format="json")
    assert response.status_code == 400
    assert response.json() == {"slug": [REFUSED]}
    assert not Course.objects.filter(slug="import").exists()


def test_a_yaml_document_is_told_the_line_of_the_reserved_slug(teacher, tmp_path):
    text = "title: Imports\nslug: import\nskills: [{key: a, name: A}]\n"
    response = client_for(teacher).post("/api/v1/courses/import/", text, content_type="application/yaml")
    assert response.status_code == 400
    assert response.json() == {"slug": [f"line 2: {REFUSED}"]}
    path = tmp_path / "imports.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_course", str(path))
    assert f"line 2: slug: {REFUSED}" in str(caught.value)
    assert not Course.objects.filter(slug="import").exists()


def test_every_word_the_course_routes_use_for_a_slug_is_reserved():
    words = {action.url_path for action in CourseViewSet.get_extra_actions() if not action.detail}
    assert words and words <= RESERVED_SLUGS


def test_the_admin_refuses_the_reserved_slug_too(admin_client):
    page = admin_client.post(
        "/admin/courses/course/add/",
        {
            "slug": "import",
            "title": "Import",
            "language": "en",
            "target_success_low": 0.6,
            "target_success_high": 0.85,
        },
    )
    assert page.status_code == 200  # the form again, with the message
    assert "is reserved by the API (/api/v1/courses/import/)" in page.content.decode()
    assert not Course.objects.filter(slug="import").exists()
