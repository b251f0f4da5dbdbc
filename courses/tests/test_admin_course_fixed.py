"""A skill or an exercise stays in the course it was added to: moved, its exercises, prerequisites and
attempts would point into two courses. Courses are told apart by their slug where a teacher picks one."""

import pytest
from django.test import Client

from conftest import answer_via_api, arithmetic_document
from courses.models import Course, Exercise, Skill
from courses.services import import_course
from courses.teachers import make_teacher
from learners.services import enroll, learner_for, record_attempt
from metamodel.histories import course_logs

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_courses(teacher, course):
    """The teacher teaches two courses of the same title, told apart only by their slug."""
    make_teacher(teacher)
    other = import_course(arithmetic_document("arithmetic-2"), teacher=teacher).course
    client = Client()
    client.force_login(teacher)
    return client, course, other


def test_a_forged_post_does_not_move_a_skill_to_another_course(two_courses):
    client, course, other = two_courses
    counting = course.skills.get(key="counting")
    response = client.post(
        f"/admin/courses/skill/{counting.pk}/change/",
        {"course": other.pk, "key": "counting", "name": "Counting again", "prerequisites": []},
    )
    assert response.status_code == 302
    counting.refresh_from_db()
    assert (counting.course, counting.name) == (course, "Counting again")


def test_a_forged_post_does_not_move_an_exercise_with_attempts_to_another_course(two_courses, student):
    client, course, other = two_courses
    learner = learner_for(student)
    enroll(learner, course)
    record_attempt(learner, course, "add-1", "5", source="web", idempotency_key="k1")
    exercise = course.exercises.get(key="add-1")
    response = client.post(
        f"/admin/courses/exercise/{exercise.pk}/change/",
        {"course": other.pk, "key": "add-1", "skills": [course.skills.get(key="addition").pk],
         "type": "numeric", "prompt": "2 + 3 = ?", "answer": "5", "difficulty": "0", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert exercise.course == course
    assert exercise.attempts.get().course == course


def test_the_course_of_a_saved_skill_or_exercise_is_shown_but_not_offered(two_courses):
    client, course, _ = two_courses
    for url in (
        f"/admin/courses/skill/{course.skills.get(key='counting').pk}/change/",
        f"/admin/courses/exercise/{course.exercises.get(key='add-1').pk}/change/",
    ):
        page = client.get(url)
        assert "course" not in page.context["adminform"].form.fields
        assert 'name="course"' not in page.content.decode()
        assert "Arithmetic" in page.content.decode()


@pytest.mark.parametrize("model", ["skill", "exercise", "override"])
def test_courses_of_one_title_are_told_apart_by_their_slug_when_adding(two_courses, model):
    client, _, _ = two_courses
    page = client.get(f"/admin/courses/{model}/add/").content.decode()
    assert ">Arithmetic (arithmetic)</option>" in page
    assert ">Arithmetic (arithmetic-2)</option>" in page


def test_skills_are_listed_for_choosing_with_their_key(two_courses):
    client, course, _ = two_courses
    Skill.objects.filter(course=course, key="counting").update(name="Addition")  # two "Addition" now
    page = client.get("/admin/courses/exercise/add/").content.decode()
    assert ">Addition [counting] (arithmetic)</option>" in page
    assert ">Addition [addition] (arithmetic)</option>" in page


def test_an_exercise_linked_to_a_skill_of_another_course_does_not_stop_practice(course, api):
    """Rows left by a skill moved before its course was fixed: the engine leaves the foreign link out."""
    other = Course.objects.create(slug="other", title="Other")
    Skill.objects.filter(course=course, key="counting").update(course=other)
    api.post("/api/v1/courses/arithmetic/enroll/")
    answer_via_api(api, "count-1", "3", "k1")
    response = api.get("/api/v1/courses/arithmetic/next/")
    assert response.status_code == 200
    assert Exercise.objects.get(key=response.json()["key"], course=course).active
    assert dict(course_logs())["arithmetic"]  # and the training data is read, the attempt included
