"""A learner's page in the teacher dashboard names the courses they are enrolled in, the teacher's own only,
each linked to the learner's answers there and to the class mastery page."""

import re

import pytest
from django.test import Client

from conftest import arithmetic_document
from courses.services import import_course
from courses.teachers import make_teacher
from learners.services import enroll, learner_for
from learners.tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam_in_two_classes(teacher, other_teacher, course, student, other_student):
    """Sam is enrolled in tess's arithmetic and otto's other-course, with an answer in each; olga answered in
    arithmetic too."""
    make_teacher(teacher)
    make_teacher(other_teacher)
    theirs = import_course(arithmetic_document("other-course"), teacher=other_teacher).course
    sam, olga = learner_for(student), learner_for(other_student)
    for learner, taught in [(sam, course), (sam, theirs), (olga, course)]:
        enroll(learner, taught)
        AttemptFactory(learner=learner, exercise=taught.exercises.get(key="add-1"))
    return sam, theirs


def learner_page(user, learner) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/admin/learners/learner/{learner.pk}/change/").content.decode()


def courses_listed(page: str) -> list[str]:
    return re.findall(r"<li>([^<]+), enrolled ", page)


def test_a_teacher_sees_the_learners_courses_they_teach_with_links(sam_in_two_classes, teacher, course):
    sam, _ = sam_in_two_classes
    page = learner_page(teacher, sam)
    assert courses_listed(page) == ["Arithmetic (arithmetic)"]
    answers = f"/admin/learners/attempt/?learner__id__exact={sam.pk}&amp;course__id__exact={course.pk}"
    assert f'<a href="{answers}">their answers</a>' in page
    assert f'<a href="/admin/courses/course/{course.pk}/mastery/">class mastery</a>' in page


def test_the_answers_link_lists_that_learners_answers_in_that_course(sam_in_two_classes, teacher, course):
    sam, _ = sam_in_two_classes
    link = re.search(r'<a href="([^"]+)">their answers</a>', learner_page(teacher, sam)).group(1)
    client = Client()
    client.force_login(teacher)
    answers = client.get(link.replace("&amp;", "&")).content.decode()
    learners = re.findall(r'<td class="field-learner[^"]*">([^<]*)</td>', answers)
    assert learners == ["sam"]  # not olga's answer in the same course, nor sam's in another teacher's


def test_another_teacher_sees_only_their_own_course(sam_in_two_classes, other_teacher):
    sam, theirs = sam_in_two_classes
    page = learner_page(other_teacher, sam)
    assert courses_listed(page) == ["Arithmetic (other-course)"]
    assert f"/admin/courses/course/{theirs.pk}/mastery/" in page
    assert "(arithmetic)" not in page


def test_a_superuser_sees_every_course(sam_in_two_classes, admin_user):
    sam, _ = sam_in_two_classes
    listed = courses_listed(learner_page(admin_user, sam))
    assert listed == ["Arithmetic (arithmetic)", "Arithmetic (other-course)"]


def test_a_learner_in_no_course_says_so_and_is_out_of_a_teachers_reach(teacher, course, student, admin_user):
    make_teacher(teacher)
    sam = learner_for(student)
    assert "Not enrolled in any course." in learner_page(admin_user, sam)
    client = Client()
    client.force_login(teacher)
    assert client.get(f"/admin/learners/learner/{sam.pk}/change/").status_code == 302  # "doesn't exist"
