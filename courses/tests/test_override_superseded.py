"""The engine obeys one target band, one pinned skill and one pinned exercise at a time for the whole course
or for a learner: adding another ends the one in force, says so, and keeps it on record."""

import pytest

from courses.models import Override
from courses.teachers import make_teacher
from courses.tests.test_overrides import admin_form, override

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


def band(teacher, low: float, high: float, **body) -> dict:
    response = override(teacher, kind="target_band", band_low=low, band_high=high, reason="pace", **body)
    assert response.status_code == 201
    return response.json()


def test_a_second_band_for_the_course_ends_the_first_and_the_answer_says_so(enrolled, teacher):
    first = band(teacher, 0.5, 0.7)
    second = band(teacher, 0.6, 0.8)
    assert second["supersedes"] == [first["id"]]
    ended = Override.objects.get(pk=first["id"])
    assert ended.ended_reason == f"superseded by override #{second['id']}"
    assert (ended.ended_by, ended.superseded_by_id) == (teacher, second["id"])
    assert Override.objects.filter(ended_at=None).get().pk == second["id"]
    reasons = enrolled.get("/api/v1/courses/arithmetic/next/").json()["reasons"]
    assert "your teacher set the target band to 60%-80%" in reasons


def test_a_learners_band_leaves_the_courses_in_force(enrolled, teacher):
    course_wide = band(teacher, 0.5, 0.7)
    sams = band(teacher, 0.2, 0.4, learner="sam")
    assert sams["supersedes"] == []
    sams_again = band(teacher, 0.3, 0.5, learner="sam")
    assert sams_again["supersedes"] == [sams["id"]]
    assert set(Override.objects.filter(ended_at=None).values_list("pk", flat=True)) == {
        course_wide["id"],
        sams_again["id"],
    }


def test_a_pin_ends_the_pin_of_its_kind_and_exclusions_add_up(enrolled, teacher):
    skill = override(teacher, kind="pin_skill", skill="addition", reason="x").json()
    first = override(teacher, kind="pin_exercise", exercise="add-1", reason="x").json()
    second = override(teacher, kind="pin_exercise", exercise="mul-1", reason="x").json()
    excluded = [
        override(teacher, kind="exclude_exercise", exercise=key, reason="x").json()
        for key in ("count-1", "count-2")
    ]
    assert (first["supersedes"], second["supersedes"]) == ([], [first["id"]])
    assert all(o["supersedes"] == [] for o in excluded)
    active = set(Override.objects.filter(ended_at=None).values_list("pk", flat=True))
    assert active == {skill["id"], second["id"], *(o["id"] for o in excluded)}


def test_the_admin_says_which_override_the_new_one_ended(client, teacher, course):
    make_teacher(teacher)
    client.force_login(teacher)
    values = {"kind": "target_band", "band_low": "0.5", "band_high": "0.7"}
    client.post("/admin/courses/override/add/", admin_form(course, **values))
    first = Override.objects.get()
    page = client.post(
        "/admin/courses/override/add/", admin_form(course, **{**values, "band_low": "0.6"}), follow=True
    ).content.decode()
    assert (
        f"It supersedes override #{first.pk}: Set the target band in arithmetic for everyone, which" in page
    )
    first.refresh_from_db()
    assert first.ended_reason == f"superseded by override #{first.superseded_by_id}"
