"""A teacher gives an override an end time: until then the engine obeys it, from then on it has lapsed, with
no teacher doing anything. A lapsed override stays on record, is no longer listed among those in force, and
what the engine chose under it is chosen afresh."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from conftest import client_for
from courses.models import Override
from courses.services import add_override
from courses.tests.test_admin_learner_page import page_of, rows, section
from courses.tests.test_overrides import admin_form, override
from learners.services import STEERED_FOR_LEARNER, enroll, learner_for
from learners.tests.test_pages import practice_url
from metamodel.services import recommend_next

pytestmark = pytest.mark.django_db

PAST = "A time still to come: an override ending then would have lifted itself already."
RESET_HAS_NO_END = (
    "A reset has no duration: leave it empty. Ending the reset later brings back the answers before it."
)


@pytest.fixture
def enrolled(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


@pytest.fixture
def sam(student, course):
    learner = learner_for(student)
    enroll(learner, course)
    return learner


def pin_until(teacher, course, learner, ends_at, key: str = "mul-1") -> Override:
    pinned = Override(
        course=course, learner=learner, kind="pin_exercise", exercise=course.exercises.get(key=key),
        reason="exam on Friday", ends_at=ends_at,
    )  # fmt: skip
    return add_override(pinned, teacher)


def lapse(pinned: Override) -> None:
    """Its end time comes: moved to the present, after everything the test did under it."""
    Override.objects.filter(pk=pinned.pk).update(ends_at=timezone.now())
    pinned.refresh_from_db()


def local(moment) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y, %H:%M}"


def test_a_pin_is_obeyed_until_its_end_and_then_the_engine_chooses_freely(enrolled, teacher):
    ends_at = timezone.now() + timedelta(hours=1)
    created = override(
        teacher,
        kind="pin_exercise",
        exercise="mul-1",
        learner="sam",
        reason="exam",
        ends_at=ends_at.isoformat(),
    )
    assert created.status_code == 201
    assert created.json()["status"] == "in_force" and parse_datetime(created.json()["ends_at"]) == ends_at
    pinned = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert pinned["key"] == "mul-1" and "pinned: your teacher chose this exercise" in pinned["reasons"]

    lapse(Override.objects.get(pk=created.json()["id"]))
    free = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert free["key"] != "mul-1" and "pinned: your teacher chose this exercise" not in free["reasons"]
    # It stays on record, lapsed, not ended by anyone.
    teachers = client_for(teacher)
    record = teachers.get(created["Location"]).json()
    assert (record["status"], record["ended_at"], record["ended_by"]) == ("lapsed", None, None)
    in_force = teachers.get("/api/v1/overrides/", {"active": "true"}).json()["results"]
    lapsed = teachers.get("/api/v1/overrides/", {"status": "lapsed"}).json()["results"]
    no_longer = teachers.get("/api/v1/overrides/", {"active": "false"}).json()["results"]
    assert (in_force, [o["id"] for o in lapsed], [o["id"] for o in no_longer]) == (
        [],
        [record["id"]],
        [record["id"]],
    )
    # Ending it changes nothing: it had lifted itself already.
    ended = teachers.post(f"/api/v1/overrides/{record['id']}/end/", {"reason": "late"}, format="json").json()
    assert (ended["status"], ended["ended_at"], ended["ended_reason"]) == ("lapsed", None, "")


def test_the_end_is_read_against_the_moment_the_engine_chooses_for(sam, course, teacher):
    ends_at = timezone.now() + timedelta(days=2)
    pin_until(teacher, course, sam, ends_at)
    assert recommend_next(sam, course).exercise.key == "mul-1"
    # The simulator chooses at simulated moments: one after the end no longer obeys the pin.
    assert recommend_next(sam, course, now=ends_at + timedelta(seconds=1)).exercise.key != "mul-1"


def test_the_practice_page_no_longer_offers_the_pinned_exercise_once_it_has_lapsed(
    client, student, sam, course, teacher
):
    pinned = pin_until(teacher, course, sam, timezone.now() + timedelta(hours=1))
    client.force_login(student)
    offered = client.get(practice_url(course)).context["recommendation"]
    assert offered.exercise.key == "mul-1"

    lapse(pinned)
    page = client.get(practice_url(course), {"recommendation": offered.pk}, follow=True)
    assert page.redirect_chain == [(practice_url(course), 302)]
    assert f"{STEERED_FOR_LEARNER} Here is another exercise." in page.content.decode()
    assert page.context["recommendation"].exercise.key != "mul-1"


def test_a_new_pin_leaves_a_lapsed_one_as_it_lapsed(sam, course, teacher):
    lapsed = pin_until(teacher, course, sam, timezone.now() + timedelta(hours=1))
    lapse(lapsed)
    newer = pin_until(teacher, course, sam, None, key="add-1")
    assert list(newer.supersedes.all()) == []
    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.ended_at, lapsed.superseded_by) == (Override.Status.LAPSED, None, None)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"kind": "pin_exercise", "exercise": "mul-1"}, PAST),
        ({"kind": "reset_state"}, RESET_HAS_NO_END),
    ],
)
def test_the_api_refuses_an_end_already_past_or_for_a_reset(enrolled, teacher, body, error):
    ends_at = timezone.now() + (timedelta(days=1) if body["kind"] == "reset_state" else -timedelta(minutes=1))
    response = override(teacher, learner="sam", reason="x", ends_at=ends_at.isoformat(), **body)
    assert response.status_code == 400
    assert response.json() == {"ends_at": [error]}
    assert not Override.objects.exists()


def the_end_as_the_admin_form_sends_it(moment) -> dict:
    local_moment = timezone.localtime(moment)
    return {"ends_at_0": f"{local_moment:%Y-%m-%d}", "ends_at_1": f"{local_moment:%H:%M}"}


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"kind": "pin_exercise", "exercise": "mul-1"}, PAST),
        ({"kind": "reset_state", "learner": "sam"}, RESET_HAS_NO_END),
    ],
)
def test_the_admin_form_refuses_an_end_already_past_or_for_a_reset(
    teacher_client, course, sam, values, error
):
    past = values["kind"] != "reset_state"
    ends_at = timezone.now() + (-timedelta(minutes=5) if past else timedelta(days=1))
    values = {**values, "learner": sam.pk, **the_end_as_the_admin_form_sends_it(ends_at)}
    response = teacher_client.post("/admin/courses/override/add/", admin_form(course, **values))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"ends_at": [error]}
    assert error in response.content.decode().replace("&#x27;", "'")
    assert not Override.objects.exists()


def test_the_admin_takes_an_end_and_its_list_tells_in_force_until_and_lapsed(teacher_client, course, sam):
    ends_at = (timezone.now() + timedelta(days=30)).replace(second=0, microsecond=0)
    values = {"kind": "pin_exercise", "exercise": "mul-1", "learner": sam.pk}
    form = admin_form(course, **values, **the_end_as_the_admin_form_sends_it(ends_at))
    assert teacher_client.post("/admin/courses/override/add/", form).status_code == 302
    pinned = Override.objects.get()
    assert pinned.ends_at == ends_at
    listing = teacher_client.get("/admin/courses/override/").content.decode()
    assert f"in force until {local(ends_at)}" in listing

    lapse(pinned)
    listing = teacher_client.get("/admin/courses/override/").content.decode()
    assert f"lapsed at {local(pinned.ends_at)}" in listing and "Lapsed at its end time" in listing
    lapsed = teacher_client.get("/admin/courses/override/", {"status": "lapsed"}).context["cl"].result_list
    in_force = (
        teacher_client.get("/admin/courses/override/", {"status": "in_force"}).context["cl"].result_list
    )
    assert (list(lapsed), list(in_force)) == ([pinned], [])


def test_ending_a_lapsed_override_in_the_admin_leaves_it_and_says_there_was_nothing_to_end(
    teacher_client, course, sam, teacher
):
    pinned = pin_until(teacher, course, sam, timezone.now() + timedelta(hours=1))
    lapse(pinned)
    selected = {"action": "end_overrides", "_selected_action": [pinned.pk]}
    asked = teacher_client.post("/admin/courses/override/", selected).content.decode()
    assert f"(lapsed at {local(pinned.ends_at)}: nothing to end)" in asked
    done = teacher_client.post(
        "/admin/courses/override/", {**selected, "end": "End them", "reason": "over"}, follow=True
    )
    assert [str(message) for message in done.context["messages"]] == [
        "Nothing to end. 1 was no longer in force (ended already, or lapsed at its end time): left as it was."
    ]
    assert Override.objects.values_list("ended_at", "ended_by", "ended_reason").get() == (None, None, "")


def test_the_learner_page_lists_an_override_until_its_end_and_not_after(teacher_client, course, sam, teacher):
    ends_at = timezone.now() + timedelta(hours=1)
    pinned = pin_until(teacher, course, sam, ends_at)
    listed = rows(section(page_of(teacher_client, course, sam), "overrides-heading"))
    assert [" ".join(row.split()) for row in listed] == [
        f"Pin an exercise sam mul-1 exam on Friday tess {local(pinned.created_at)} {local(ends_at)}"
    ]

    lapse(pinned)
    listed = rows(section(page_of(teacher_client, course, sam), "overrides-heading"))
    assert [" ".join(row.split()) for row in listed] == ["None: the engine chooses for sam on its own."]


def test_the_learners_own_data_and_the_api_schema_carry_the_end(enrolled, api, teacher):
    ends_at = timezone.now() + timedelta(hours=1)
    override(
        teacher, kind="pin_exercise", exercise="mul-1", learner="sam", reason="x", ends_at=ends_at.isoformat()
    )
    exported = api.get("/api/v1/account/").json()["overrides"]
    assert [parse_datetime(o["ends_at"]) for o in exported] == [ends_at]
    schema = client_for(teacher).get("/api/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["Override"]["properties"]
    assert (fields["ends_at"]["format"], fields["ends_at"].get("nullable")) == ("date-time", True)
    assert fields["status"]["readOnly"] is True
    parameters = {p["name"] for p in schema["paths"]["/api/v1/overrides/"]["get"]["parameters"]}
    assert {"active", "status"} <= parameters
