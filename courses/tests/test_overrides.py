"""Teachers steer the engine per course or per learner; every override is kept with who, when and why."""

import pytest
from django.test import Client

from conftest import answer_via_api, client_for, right_answer, train_on_simulated_learners
from courses.models import Exercise, Override
from courses.services import add_override
from courses.teachers import make_teacher
from courses.tests.factories import CourseFactory, ExerciseFactory, SkillFactory
from learners.services import enroll, learner_for
from metamodel.models import LearnerState, Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


def override(teacher, **body):
    return client_for(teacher).post("/api/v1/overrides/", {"course": "arithmetic", **body}, format="json")


def test_a_pinned_exercise_is_what_the_learner_gets_next_and_says_so(enrolled, teacher):
    response = override(teacher, kind="pin_exercise", exercise="mul-1", learner="sam", reason="exam tomorrow")
    assert response.status_code == 201
    assert response.json()["created_by"] == "tess" and response.json()["created_at"]
    assert client_for(teacher).get(response["Location"]).json() == response.json()
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert body["key"] == "mul-1"
    assert "pinned: your teacher chose this exercise" in body["reasons"]
    assert not any("exam tomorrow" in reason for reason in body["reasons"])  # the reason is for teachers


def test_excluded_exercises_are_never_recommended_and_ending_lifts_it(enrolled, teacher):
    created = override(
        teacher, kind="exclude_exercise", exercise="count-1", reason="typo in the prompt"
    ).json()
    assert enrolled.get("/api/v1/courses/arithmetic/next/").json()["key"] != "count-1"
    assert created["ended_by"] is None
    ended = client_for(teacher).post(f"/api/v1/overrides/{created['id']}/end/").json()
    assert ended["ended_at"] is not None and ended["ended_by"] == teacher.username  # who lifted it
    assert enrolled.get("/api/v1/courses/arithmetic/next/").json()["key"] == "count-1"
    assert Override.objects.count() == 1  # lifted, still on record
    assert ended["ended_reason"] == ""  # saying why is optional


def test_a_teacher_may_say_why_an_override_is_lifted_and_too_long_a_reason_lifts_nothing(enrolled, teacher):
    created = override(teacher, kind="exclude_exercise", exercise="count-1", reason="typo").json()
    not_text = client_for(teacher).post(
        f"/api/v1/overrides/{created['id']}/end/", {"reason": 0}, format="json"
    )
    assert not_text.status_code == 400 and not_text.json() == {"reason": ["Not a valid string."]}
    end = f"/api/v1/overrides/{created['id']}/end/"
    refused = client_for(teacher).post(end, {"reason": "x" * 501}, content_type="application/json")
    assert refused.status_code == 400 and list(refused.json()) == ["reason"]
    assert enrolled.get("/api/v1/courses/arithmetic/next/").json()["key"] != "count-1"  # still in force
    ended = client_for(teacher).post(end, {"reason": "typo fixed"}, content_type="application/json").json()
    assert ended["ended_reason"] == "typo fixed" and ended["ended_at"] is not None
    # Lifting it again changes nothing: the first lifting's who, when and why stay.
    again = client_for(teacher).post(end, {"reason": "something else"}, content_type="application/json")
    assert again.json()["ended_reason"] == "typo fixed" and again.json()["ended_at"] == ended["ended_at"]


def test_a_pinned_skill_holds_the_learner_there_with_the_model_too(enrolled, teacher):
    train_on_simulated_learners()
    override(teacher, kind="pin_skill", skill="multiplication", reason="revision week")
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert (body["key"], body["policy"]) == ("mul-1", "model")


def test_a_learners_band_replaces_the_courses(enrolled, teacher, course):
    train_on_simulated_learners()
    override(
        teacher, kind="target_band", learner="sam", band_low=0.1, band_high=0.3, reason="ready for hard ones"
    )
    reasons = enrolled.get("/api/v1/courses/arithmetic/next/").json()["reasons"]
    assert "your teacher set the target band to 10%-30%" in reasons
    assert any("10%-30%" in reason or reason.startswith("warm-up") for reason in reasons)


def test_resetting_a_learner_drops_their_adapted_state(enrolled, teacher):
    train_on_simulated_learners()
    answer_via_api(enrolled, "count-1", "3", "k1")
    assert LearnerState.objects.get().attempts_seen == 1
    assert (
        override(teacher, kind="reset_state", learner="sam", reason="shared the account").status_code == 201
    )
    assert not LearnerState.objects.exists()
    enrolled.get("/api/v1/courses/arithmetic/next/")
    assert LearnerState.objects.get().attempts_seen == 0  # attempts before the reset no longer count


def test_an_exercise_already_excluded_is_not_excluded_twice(enrolled, teacher, course):
    first = override(teacher, kind="exclude_exercise", exercise="count-1", reason="typo").json()
    again = override(teacher, kind="exclude_exercise", exercise="count-1", reason="still a typo")
    twice = (
        f"Already excluded for the whole course by override #{first['id']}, which is in force: nothing added."
    )
    assert again.status_code == 400
    assert again.json() == {"exercise": [twice]}
    assert Override.objects.count() == 1
    # The admin says the same.
    make_teacher(teacher)
    client = Client()
    client.force_login(teacher)
    form = admin_form(course, kind="exclude_exercise", exercise="count-1")
    assert client.post("/admin/courses/override/add/", form).context["adminform"].form.errors == {
        "exercise": [twice]
    }
    # For one learner it is another scope; once the first is ended, the exercise may be excluded again.
    assert (
        override(teacher, kind="exclude_exercise", exercise="count-1", learner="sam", reason="x").status_code
        == 201
    )
    client_for(teacher).post(f"/api/v1/overrides/{first['id']}/end/")
    assert override(teacher, kind="exclude_exercise", exercise="count-1", reason="typo").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "pin_skill", "reason": "x"}, "skill"),
        ({"kind": "pin_exercise", "exercise": "nope", "reason": "x"}, "exercise"),
        ({"kind": "target_band", "band_low": 0.9, "band_high": 0.2, "reason": "x"}, "band_high"),
        ({"kind": "reset_state", "reason": "x"}, "learner"),
        ({"kind": "pin_skill", "skill": "addition", "learner": "ghost", "reason": "x"}, "learner"),
        ({"kind": "pin_skill", "skill": "addition"}, "reason"),
        ({"kind": "shout", "reason": "x"}, "kind"),
        (
            {"kind": "pin_skill", "skill": "addition", "band_low": 5, "band_high": -3, "reason": "x"},
            "band_low",
        ),
        ({"kind": "exclude_exercise", "exercise": "add-1", "skill": "addition", "reason": "x"}, "skill"),
        ({"kind": "pin_skill", "skill": "addition", "exercise": "add-1", "reason": "x"}, "exercise"),
        ({"kind": "pin_skill", "skill": "addition", "reason": "x" * 200_000}, "reason"),
        ({"kind": "pin_skill", "skill": "addition", "reason": 7}, "reason"),
        ({"kind": "exclude_exercise", "exercise": 1, "reason": "x"}, "exercise"),
    ],
)
def test_bad_overrides_get_field_errors_and_store_nothing(teacher, course, body, field):
    response = override(teacher, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Override.objects.exists()


@pytest.fixture
def unpractisable(course):
    """Two exercises learners cannot be given: one deactivated, one imported from a log (no content)."""
    Exercise.objects.filter(key="add-2").update(active=False)
    ExerciseFactory(course=course, key="logged", imported=True, active=False)


@pytest.mark.parametrize("key", ["add-2", "logged"])
def test_an_exercise_learners_cannot_be_given_cannot_be_pinned(teacher, unpractisable, key):
    response = override(teacher, kind="pin_exercise", exercise=key, reason="x")
    assert response.status_code == 400
    assert response.json() == {"exercise": [NOT_PRACTISABLE]}
    assert not Override.objects.exists()


def test_an_inactive_exercise_may_still_be_excluded(teacher, unpractisable):
    assert override(teacher, kind="exclude_exercise", exercise="add-2", reason="x").status_code == 201


def test_a_learner_not_in_the_course_cannot_be_steered(teacher, course, other_student):
    response = override(teacher, kind="reset_state", learner="olga", reason="x")
    assert response.status_code == 400
    assert response.json() == {"learner": ["No learner 'olga' enrolled in this course."]}
    assert not Override.objects.exists()


NOT_PRACTISABLE = "Learners cannot be given this exercise: it is inactive, or imported without content."


def admin_form(course, **values) -> dict:
    """The admin's add form as a browser posts it: empty fields sent empty, related rows by id."""
    form = dict.fromkeys(["learner", "skill", "exercise", "band_low", "band_high"], "")
    form |= {"course": course.pk, "reason": "x", **values}
    for field, rows in (("skill", course.skills), ("exercise", course.exercises)):
        if form[field]:
            form[field] = rows.get(key=form[field]).pk
    return form


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"kind": "pin_exercise", "exercise": "add-2"}, {"exercise": [NOT_PRACTISABLE]}),
        (
            {"kind": "reset_state", "learner": "olga"},
            {"learner": ["No learner 'olga' enrolled in this course."]},
        ),
        (
            {"kind": "pin_skill", "skill": "addition", "band_low": "5", "band_high": "-3"},
            {
                "band_low": ["Not used to pin a skill; leave it empty."],
                "band_high": ["Not used to pin a skill; leave it empty."],
            },
        ),
        (
            {"kind": "pin_skill", "skill": "addition", "reason": "x" * 200_000},
            {"reason": ["Ensure this value has at most 500 characters (it has 200000)."]},
        ),
    ],
)
def test_the_admin_refuses_the_same_overrides_with_the_same_messages(
    teacher, unpractisable, other_student, values, errors
):
    make_teacher(teacher)
    client = Client()
    client.force_login(teacher)
    course = Exercise.objects.get(key="add-2").course
    if values.get("learner") == "olga":
        values = {**values, "learner": other_student.learner.pk}
    response = client.post("/admin/courses/override/add/", admin_form(course, **values))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert not Override.objects.exists()


def test_only_the_courses_teachers_steer_it_and_others_courses_are_answered_as_no_course(
    course, other_teacher, api
):
    response = override(other_teacher, kind="pin_skill", skill="addition", reason="x")
    missing = override(other_teacher, course="nope", kind="pin_skill", skill="addition", reason="x")
    assert response.status_code == missing.status_code == 400
    # Whether the course exists or another teacher's, the answer is the same: it names no course of theirs.
    assert response.json() == {"course": ["No course 'arithmetic' that you teach."]}
    assert missing.json() == {"course": ["No course 'nope' that you teach."]}
    body = {"course": "arithmetic", "kind": "pin_skill", "skill": "addition", "reason": "x"}
    assert api.post("/api/v1/overrides/", body, format="json").status_code == 403
    assert not Override.objects.exists()


def test_teachers_add_overrides_in_the_admin(teacher, course, enrolled):
    make_teacher(teacher)
    client = Client()
    client.force_login(teacher)
    skill = course.skills.get(key="addition")
    response = client.post(
        "/admin/courses/override/add/",
        {"course": course.pk, "kind": "pin_skill", "skill": skill.pk, "reason": "focus"},
    )
    assert response.status_code == 302
    assert Override.objects.get().created_by == teacher
    assert enrolled.get("/api/v1/courses/arithmetic/next/").json()["key"].startswith("add-")


def test_a_learner_may_take_an_alternative_and_the_choice_is_logged(enrolled, course):
    train_on_simulated_learners()
    body = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    assert body["alternatives"], "the top alternatives come with the recommendation"
    alternative = body["alternatives"][0]
    assert "answer" not in alternative and 0 < alternative["predicted_correct"] < 1
    response = right_answer(course, alternative["key"])
    answer_via_api(enrolled, alternative["key"], response, "k1", recommendation=body["recommendation"])
    assert Recommendation.objects.get(pk=body["recommendation"]).learner_choice.key == alternative["key"]


def test_teachers_list_the_overrides_of_one_course_still_in_force(enrolled, teacher):
    from conftest import arithmetic_document
    from courses.services import import_course

    other = import_course(arithmetic_document("algebra")).course
    other.teachers.add(teacher)
    ended = override(teacher, kind="pin_skill", skill="addition", reason="first").json()
    client_for(teacher).post(f"/api/v1/overrides/{ended['id']}/end/")
    in_force = override(teacher, kind="exclude_exercise", exercise="count-1", reason="typo").json()
    client_for(teacher).post(
        "/api/v1/overrides/",
        {"course": "algebra", "kind": "exclude_exercise", "exercise": "count-1", "reason": "typo"},
        format="json",
    )
    sams = override(
        teacher, kind="target_band", learner="sam", band_low=0.5, band_high=0.7, reason="Sam"
    ).json()
    listed = client_for(teacher).get("/api/v1/overrides/?course=arithmetic&active=true").json()["results"]
    assert [o["id"] for o in listed] == [sams["id"], in_force["id"]]
    about_sam = client_for(teacher).get("/api/v1/overrides/?learner=sam").json()["results"]
    assert [o["id"] for o in about_sam] == [sams["id"]]
    assert client_for(teacher).get("/api/v1/overrides/?learner=nobody").json()["results"] == []
    assert client_for(teacher).get("/api/v1/overrides/?active=maybe").status_code == 400
    schema = client_for(teacher).get("/api/schema/?format=json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/overrides/"]["get"]["parameters"]}
    assert {"course", "learner", "kind", "active"} <= parameters


def test_a_skill_without_an_exercise_to_practise_cannot_be_pinned(teacher, course):
    course.exercises.filter(key="mul-1").update(active=False)
    response = override(teacher, kind="pin_skill", skill="multiplication", reason="revision week")
    assert response.status_code == 400
    assert response.json() == {"skill": ["This skill has no active exercise to practise."]}
    assert not Override.objects.exists()


def test_the_admin_lists_exercises_to_pin_by_key_and_prompt(admin_client, course):
    page = admin_client.get("/admin/courses/override/add/").content.decode()
    assert "arithmetic/add-1 · 2 + 3 = ?</option>" in page


def test_the_form_opened_for_one_course_offers_only_its_skills_and_exercises(client, course, teacher):
    other = CourseFactory(slug="geometry", title="Geometry")
    other.teachers.add(teacher)
    SkillFactory(course=other, key="angles")
    ExerciseFactory(course=other, key="angle-1")
    make_teacher(teacher)
    client.force_login(teacher)
    every = client.get("/admin/courses/override/add/").content.decode()
    assert "geometry/angle-1" in every and "arithmetic/add-1" in every
    one = client.get(f"/admin/courses/override/add/?course={course.pk}").content.decode()
    assert "arithmetic/add-1" in one and "geometry/angle-1" not in one and "angles" not in one


def test_ending_overrides_in_the_admin_asks_why_and_too_long_a_reason_ends_none(client, course, teacher):
    make_teacher(teacher)
    made = [
        add_override(Override(course=course, kind="exclude_exercise", exercise=course.exercises.get(key=key),
                              reason="typo"), teacher)
        for key in ("count-1", "add-2")
    ]  # fmt: skip
    client.force_login(teacher)
    selected = {"action": "end_overrides", "_selected_action": [o.pk for o in made]}
    asked = client.post("/admin/courses/override/", selected)
    assert asked.status_code == 200 and "End these overrides?" in asked.content.decode()
    too_long = client.post("/admin/courses/override/", {**selected, "end": "End them", "reason": "x" * 501})
    assert too_long.status_code == 400 and "at most 500 characters" in too_long.content.decode()
    assert not Override.objects.filter(ended_at__isnull=False).exists()
    done = client.post("/admin/courses/override/", {**selected, "end": "End them", "reason": "fixed"})
    assert done.status_code == 302
    assert set(Override.objects.values_list("ended_reason", "ended_by")) == {("fixed", teacher.pk)}


def test_ending_a_reset_in_the_admin_warns_that_the_answers_before_it_count_again(
    client, course, teacher, student
):
    make_teacher(teacher)
    learner = learner_for(student)
    enroll(learner, course)
    reset = add_override(
        Override(course=course, learner=learner, kind="reset_state", reason="new term"), teacher
    )
    band = add_override(
        Override(course=course, kind="target_band", band_low=0.5, band_high=0.7, reason="hard week"), teacher
    )
    client.force_login(teacher)
    asked = client.post(
        "/admin/courses/override/", {"action": "end_overrides", "_selected_action": [reset.pk, band.pk]}
    )
    warning = " ".join(asked.content.decode().split('id="reset-warning">')[1].split("</p>")[0].split())
    assert warning == (
        f"Ending a reset undoes it: the answers sam gave before {reset.created_at:%-d %B %Y, %H:%M} count "
        "again, for their progress, the class mastery and the engine's next choices. To start them afresh "
        "later, keep the reset in force, or add a new one."
    )
    only_band = client.post(
        "/admin/courses/override/", {"action": "end_overrides", "_selected_action": [band.pk]}
    )
    assert 'id="reset-warning"' not in only_band.content.decode()
