"""A teacher who is not a superuser sees and edits only their courses, and those learners' attempts."""

import pytest
from django.test import Client

from conftest import arithmetic_document
from courses.models import Course, Exercise, Skill
from courses.services import import_course
from courses.teachers import make_teacher
from learners.tests.factories import AttemptFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(teacher, other_teacher):
    make_teacher(teacher)
    make_teacher(other_teacher)
    theirs = import_course(arithmetic_document("other-course"), teacher=other_teacher).course
    mine = Course.objects.get(slug="arithmetic")
    AttemptFactory(exercise=mine.exercises.get(key="add-1"), learner__user__username="mine-learner")
    AttemptFactory(exercise=theirs.exercises.get(key="add-1"), learner__user__username="their-learner")
    client = Client()
    client.force_login(teacher)
    return client, mine, theirs


def test_the_course_list_shows_only_taught_courses(setting):
    client, mine, theirs = setting
    page = client.get("/admin/courses/course/").content.decode()
    assert "arithmetic" in page and "other-course" not in page
    assert client.get(f"/admin/courses/course/{theirs.pk}/change/").status_code == 302  # "doesn't exist"
    assert client.get(f"/admin/courses/course/{mine.pk}/change/").status_code == 200


def test_exercises_and_skills_of_other_courses_are_out_of_reach(setting):
    client, _, theirs = setting
    assert client.get(f"/admin/courses/exercise/{theirs.exercises.first().pk}/change/").status_code == 302
    assert client.get(f"/admin/courses/skill/{theirs.skills.first().pk}/change/").status_code == 302
    page = client.get("/admin/courses/exercise/").content.decode()
    assert page.count("other-course") == 0


def test_attempts_show_only_the_teachers_learners(setting):
    client, _, _ = setting
    page = client.get("/admin/learners/attempt/").content.decode()
    assert "mine-learner" in page and "their-learner" not in page


def test_a_teacher_cannot_add_an_exercise_to_a_course_they_do_not_teach(setting):
    client, mine, theirs = setting
    response = client.post(
        "/admin/courses/exercise/add/",
        {"course": theirs.pk, "key": "add-9", "skills": [mine.skills.get(key="addition").pk],
         "type": "numeric", "prompt": "2 + 3", "answer": "5", "difficulty": "0", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Exercise.objects.filter(key="add-9").exists()


def test_a_teacher_creating_a_course_becomes_its_teacher(setting, teacher):
    client, _, _ = setting
    response = client.post(
        "/admin/courses/course/add/",
        {
            "slug": "new-one",
            "title": "New",
            "language": "en",
            "target_success_low": "0.6",
            "target_success_high": "0.85",
        },
    )
    assert response.status_code == 302
    assert list(Course.objects.get(slug="new-one").teachers.all()) == [teacher]


def test_the_admin_refuses_a_prerequisite_cycle(setting):
    client, mine, _ = setting
    counting = mine.skills.get(key="counting")
    response = client.post(
        f"/admin/courses/skill/{counting.pk}/change/",
        {"course": mine.pk, "key": "counting", "name": "Counting",
         "prerequisites": [mine.skills.get(key="multiplication").pk]},
    )  # fmt: skip
    assert "would form a cycle" in response.content.decode()
    assert not Skill.objects.get(pk=counting.pk).prerequisites.exists()


def test_the_admin_refuses_an_answer_that_is_not_a_choice(setting):
    client, mine, _ = setting
    exercise = mine.exercises.get(key="count-2")
    response = client.post(
        f"/admin/courses/exercise/{exercise.pk}/change/",
        {"course": mine.pk, "key": "count-2", "skills": [mine.skills.get(key="counting").pk],
         "type": "multiple_choice", "prompt": "Which is more?", "choices": "4\n7", "answer": "9",
         "hints": "", "explanation": "", "difficulty": "0", "active": "on"},
    )  # fmt: skip
    assert "Not one of the choices (&#x27;4&#x27;, &#x27;7&#x27;)." in response.content.decode()


def test_enrollments_of_other_courses_are_hidden(setting, other_student):
    client, _, theirs = setting
    EnrollmentFactory(course=theirs, learner=other_student.learner)
    page = client.get("/admin/learners/enrollment/").content.decode()
    assert "olga" not in page


def test_the_class_mastery_page_shows_each_skill_for_the_teachers_course_only(
    setting, student, django_capture_on_commit_callbacks
):
    from learners.services import enroll, learner_for, record_attempt

    client, mine, theirs = setting
    learner = learner_for(student)
    enroll(learner, mine)
    with django_capture_on_commit_callbacks(execute=True):
        for n, key in enumerate(["count-1", "count-1", "count-1"]):
            record_attempt(learner, mine, key, "3", source="web", idempotency_key=f"k{n}")
    page = client.get(f"/admin/courses/course/{mine.pk}/mastery/")
    assert page.status_code == 200
    counting = next(row for row in page.context["skills"] if row["name"] == "Counting")
    assert (counting["practised"], counting["mastered"]) == (1, 1)
    assert str(page.context["learners"][0]) == "sam"
    assert client.get(f"/admin/courses/course/{theirs.pk}/mastery/").status_code == 404


def test_an_exercise_or_skill_of_one_course_offers_only_that_courses_skills(teacher, course):
    make_teacher(teacher)
    other = import_course(arithmetic_document("numbers")).course
    other.teachers.add(teacher)
    client = Client()
    client.force_login(teacher)
    exercise = course.exercises.get(key="add-1")
    form = client.get(f"/admin/courses/exercise/{exercise.pk}/change/").context["adminform"].form
    assert set(form.fields["skills"].queryset) == set(course.skills.all())
    skill = course.skills.get(key="multiplication")
    form = client.get(f"/admin/courses/skill/{skill.pk}/change/").context["adminform"].form
    assert set(form.fields["prerequisites"].queryset) == set(course.skills.all())
    adding = client.get("/admin/courses/exercise/add/").context["adminform"].form
    assert adding.fields["skills"].queryset.count() == 2 * course.skills.count()  # the course is chosen there
