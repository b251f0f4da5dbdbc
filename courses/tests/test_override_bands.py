"""A target band is two shares of right answers between 0 and 1: a teacher who types percentages is told the
share to enter, under the field at fault, in the API and in the admin, for an override and for a course."""

import pytest

from courses.models import Override
from courses.tests.test_overrides import admin_form, override

pytestmark = pytest.mark.django_db

SHARE = "Enter a share between 0 and 1."


@pytest.mark.parametrize(
    ("band", "errors"),
    [((60, 85), {"band_low": ["Enter a share between 0 and 1: 0.6 for 60 %."],
                 "band_high": ["Enter a share between 0 and 1: 0.85 for 85 %."]}),
     ((0.6, 150), {"band_high": [SHARE]}),
     ((-0.1, 0.5), {"band_low": [SHARE]}),
     ((0.9, 0.2), {"band_high": ["Must be above the lowest predicted success (0.9)."]})],
)  # fmt: skip
def test_the_api_says_which_bound_is_wrong_and_what_to_enter(teacher, band, errors):
    response = override(teacher, kind="target_band", band_low=band[0], band_high=band[1], reason="x")
    assert (response.status_code, response.json()) == (400, errors)
    assert not Override.objects.exists()


def test_the_admin_explains_the_unit_and_puts_each_error_under_its_field(admin_client, course):
    page = admin_client.get("/admin/courses/override/add/").content.decode()
    assert "lowest predicted success, a share between 0 and 1 (0.6 = 60 %)." in page
    response = admin_client.post(
        "/admin/courses/override/add/", admin_form(course, kind="target_band", band_low="60", band_high="85")
    )
    assert response.context["adminform"].form.errors == {
        "band_low": ["Enter a share between 0 and 1: 0.6 for 60 %."],
        "band_high": ["Enter a share between 0 and 1: 0.85 for 85 %."],
    }
    assert not Override.objects.exists()


def test_a_courses_own_band_is_held_to_the_same_rule(admin_client, course):
    form = {"slug": course.slug, "title": course.title, "language": "en", "published": "on"}
    response = admin_client.post(
        f"/admin/courses/course/{course.pk}/change/",
        {**form, "target_success_low": "60", "target_success_high": "0.85"},
    )
    assert response.context["adminform"].form.errors == {
        "target_success_low": ["Enter a share between 0 and 1: 0.6 for 60 %."]
    }
    course.refresh_from_db()
    assert course.target_success_low == 0.6
