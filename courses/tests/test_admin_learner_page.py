"""A teacher follows one learner: from the class mastery page to a page of their own, with their figures,
what the engine offers them now and why, the overrides in force for them and their latest answers, each
with how it was chosen."""

import html
import re
from collections import Counter

import pytest
from django.test import Client

from conftest import answer_via_api, queries_for, right_answer, train_on_simulated_learners
from courses.models import Override
from courses.services import add_override, end_override
from courses.teachers import make_teacher
from learners.models import Learner
from learners.services import learner_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    return api


def page_of(client: Client, course, learner: Learner) -> str:
    response = client.get(f"/admin/courses/course/{course.pk}/learners/{learner.pk}/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1].split("<h2", 1)[0]


def rows(table: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.DOTALL)[1:]]


def practise(enrolled, course) -> tuple:
    """Answer the engine's first choice wrong, then an alternative to its second instead of it, then one on
    the learner's own initiative; returns the first offer and the wrong answer to it, the second offer and
    the alternative picked, the own choice, and the offer now open."""
    first = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    wrong = "0" if first["type"] != "multiple_choice" else next(c for c in first["choices"] if c != "7")
    answer_via_api(enrolled, first["key"], wrong, "k1", recommendation=first["recommendation"])
    second = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    picked = second["alternatives"][0]["key"]
    assert picked != second["key"]
    answer_via_api(
        enrolled, picked, right_answer(course, picked), "k2", recommendation=second["recommendation"]
    )
    own = next(e.key for e in course.exercises.all() if e.key not in {first["key"], picked, second["key"]})
    assert answer_via_api(enrolled, own, right_answer(course, own), "k3").status_code == 201
    offered = enrolled.get("/api/v1/courses/arithmetic/next/").json()
    return first, wrong, second, picked, own, offered


def test_a_teacher_follows_one_learner_from_the_class_mastery_page(
    enrolled, course, student, teacher_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the progress is computed after each answer
        first, wrong, second, picked, own, offered = practise(enrolled, course)

    learner = learner_for(student)
    mastery = teacher_client.get(f"/admin/courses/course/{course.pk}/mastery/").content.decode()
    link = f'href="/admin/courses/course/{course.pk}/learners/{learner.pk}/">sam</a>'
    assert link in mastery
    page = page_of(teacher_client, course, learner)

    assert '<dd id="total-answered">3</dd>' in page and '<dd id="total-right">2 (67 %)</dd>' in page
    # What the engine offers now, with the reasons the learner reads.
    now = section(page, "offered-heading")
    assert offered["key"] in now and all(reason in now for reason in offered["reasons"])
    # Newest first: the own choice, the alternative picked instead of the engine's choice, the recommended
    # exercise answered wrong with the reasons it was offered for.
    answers = rows(section(page, "answers-heading"))
    assert len(answers) == 3
    assert own in answers[0] and "right" in answers[0] and "own choice" in answers[0]
    assert picked in answers[1] and f"picked instead of {second['key']}" in answers[1]
    assert first["key"] in answers[2] and f"{wrong}: wrong" in answers[2]
    assert "recommended: " + "; ".join(first["reasons"]) in " ".join(answers[2].split())
    # Each skill with its answers, as on the learner's own page.
    answered = Counter(
        s.key for key in (first["key"], picked, own) for s in course.exercises.get(key=key).skills.all()
    )
    skills = {
        re.search(r"\[(\w+)\]", row).group(1): row.split() for row in rows(section(page, "skills-heading"))
    }
    assert {key: cells[cells.index(f"[{key}]") + 1] for key, cells in skills.items()} == {
        key: str(answered[key]) for key in ("counting", "addition", "multiplication")
    }


def test_the_overrides_in_force_for_the_learner_are_listed_with_who_and_why(
    enrolled, course, student, teacher, teacher_client
):
    learner = learner_for(student)
    exercise = course.exercises.get(key="add-1")
    own = add_override(
        Override(course=course, learner=learner, kind="pin_exercise", exercise=exercise, reason="exam"),
        teacher,
    )
    everyone = add_override(
        Override(course=course, kind="target_band", band_low=0.5, band_high=0.7, reason="a hard week"),
        teacher,
    )
    lifted = add_override(
        Override(course=course, learner=learner, kind="pin_skill", skill=course.skills.get(key="counting"),
                 reason="lifted since"),
        teacher,
    )  # fmt: skip
    end_override(lifted, teacher, "done")
    listed = rows(section(page_of(teacher_client, course, learner), "overrides-heading"))
    assert [" ".join(row.split()) for row in listed] == [
        f"Pin an exercise sam add-1 exam tess {own.created_at:%-d %B %Y, %H:%M} —",
        f"Set the target band the whole course 50-70 % predicted success a hard week tess "
        f"{everyone.created_at:%-d %B %Y, %H:%M} —",
    ]


def test_steering_the_learner_opens_an_override_form_for_them(
    enrolled, course, student, teacher, teacher_client
):
    learner = learner_for(student)
    page = page_of(teacher_client, course, learner)
    steer = re.search(r'href="(/admin/courses/override/add/\?[^"]+)">Steer sam', page).group(1)
    form = teacher_client.get(steer).content.decode()
    assert re.search(rf'<option value="{course.pk}" selected>', form)
    assert re.search(rf'<option value="{learner.pk}" selected>sam</option>', form)
    # And ending one lists that learner's overrides in force, no one else's.
    add_override(Override(course=course, kind="reset_state", learner=learner, reason="new start"), teacher)
    ending = re.search(r'href="(/admin/courses/override/\?[^"]+)">End one', page).group(1)
    listing = teacher_client.get(ending)
    assert listing.status_code == 200 and "new start" in listing.content.decode()


def test_after_a_reset_the_figures_count_from_it_and_earlier_answers_are_marked(
    enrolled, course, student, teacher, teacher_client
):
    answer_via_api(enrolled, "count-1", "4", "k1")
    learner = learner_for(student)
    reset = add_override(Override(course=course, learner=learner, kind="reset_state", reason="x"), teacher)
    answer_via_api(enrolled, "count-2", "7", "k2")
    page = page_of(teacher_client, course, learner)
    assert f"Counted from {reset.created_at:%-d %B %Y, %H:%M}" in page
    assert '<dd id="total-answered">1</dd>' in page and '<dd id="total-right">1 (100 %)</dd>' in page
    answers = rows(section(page, "answers-heading"))
    assert "count-2" in answers[0] and "before the reset" not in answers[0]
    assert "count-1" in answers[1] and "(before the reset)" in answers[1]


def test_only_the_courses_teachers_see_an_enrolled_learners_page(
    enrolled, course, student, other_student, teacher_client, other_teacher
):
    learner = learner_for(student)
    url = f"/admin/courses/course/{course.pk}/learners/{learner.pk}/"
    make_teacher(other_teacher)
    other = Client()
    other.force_login(other_teacher)
    assert other.get(url).status_code == 404  # another teacher's course
    not_enrolled = learner_for(other_student)
    assert (
        teacher_client.get(f"/admin/courses/course/{course.pk}/learners/{not_enrolled.pk}/").status_code
        == 404
    )
    as_student = Client()
    as_student.force_login(student)
    assert as_student.get(url).status_code == 302  # to the admin's login


def test_the_page_costs_the_same_queries_for_two_answers_as_for_twenty(
    enrolled, course, student, teacher_client
):
    learner = learner_for(student)
    url = f"/admin/courses/course/{course.pk}/learners/{learner.pk}/"

    def answer_through_the_engine(times: int, start: int) -> None:
        for n in range(start, start + times):
            offered = enrolled.get("/api/v1/courses/arithmetic/next/").json()
            response = answer_via_api(
                enrolled, offered["key"], right_answer(course, offered["key"]), f"k{n}",
                recommendation=offered["recommendation"],
            )  # fmt: skip
            assert response.status_code == 201

    answer_through_the_engine(2, 0)
    few, _ = queries_for(teacher_client, url)
    answer_through_the_engine(18, 2)
    many, page = queries_for(teacher_client, url)
    assert many == few
    assert len(rows(section(html.unescape(page), "answers-heading"))) == 20
    assert 'id="all-answers"' not in page  # all of them are on the page

    # Past the latest 20, the page links to all of them, in the dashboard's list of answers.
    answer_through_the_engine(2, 20)
    page = page_of(teacher_client, course, learner)
    link = re.search(r'<a id="all-answers" href="([^"]+)">all 22 of their answers in this course</a>', page)
    listing = teacher_client.get(link.group(1))
    assert listing.status_code == 200 and listing.context["cl"].result_count == 22


def test_each_skill_shows_the_engines_estimate_once_a_model_is_active(
    enrolled, course, student, teacher_client, django_capture_on_commit_callbacks
):
    learner = learner_for(student)
    with django_capture_on_commit_callbacks(execute=True):
        for n, key in enumerate(["count-1", "count-2", "count-3"]):
            answer_via_api(enrolled, key, right_answer(course, key), f"k{n}")
    # Without a model the engine reads mastery from the answers alone, and says it has no estimate.
    page = page_of(teacher_client, course, learner)
    assert "The engine has no estimate of its own here" in section(page, "skills-heading")
    train_on_simulated_learners()
    page = page_of(teacher_client, course, learner)
    estimates = {
        re.search(r"\[(\w+)\]", row).group(1): re.search(r"(\d+) % known", row)
        for row in rows(section(page, "skills-heading"))
    }
    known = {key: int(match.group(1)) for key, match in estimates.items()}
    # Three right answers in a row on counting: the engine takes it as known, more than the skills after it.
    assert known["counting"] >= 85 and known["counting"] > known["addition"]
    assert "The engine has no estimate of its own here" not in section(page, "skills-heading")
