"""A teacher finds the dashboard from the student pages, and its home page leads to each of their courses'
class mastery and enrolling; a student is shown no way in."""

import pytest
from django.test import Client

from courses.teachers import make_teacher
from courses.tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def page(user, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_home_page_leads_a_teacher_to_their_own_courses_only(course, teacher, other_teacher):
    make_teacher(teacher)
    theirs = CourseFactory(title="Python 10A")
    theirs.teachers.add(other_teacher)
    home = page(teacher, "/admin/")
    assert "Your courses" in home
    for link, words in [("mastery", "Class mastery"), ("enroll", "Enroll a class")]:
        named = f'aria-describedby="your-course-{course.pk}"'
        assert f'<a href="/admin/courses/course/{course.pk}/{link}/" {named}>{words}</a>' in home
    assert f"/admin/courses/course/{theirs.pk}/" not in home and "Python 10A" not in home


def test_a_teacher_of_no_course_is_told_how_to_get_one(other_teacher):
    make_teacher(other_teacher)
    assert "You teach no course yet" in page(other_teacher, "/admin/")


def test_a_superuser_is_led_to_every_course(course, other_teacher):
    CourseFactory(title="Python 10A").teachers.add(other_teacher)
    home = page(UserFactory(username="head", is_staff=True, is_superuser=True), "/admin/")
    assert "Every course" in home and "Arithmetic" in home and "Python 10A" in home


def test_the_student_pages_link_a_teacher_to_the_dashboard_and_a_student_to_none(teacher, student):
    make_teacher(teacher)
    assert '<a href="/admin/">Teacher dashboard</a>' in page(teacher, "/")
    catalogue = page(student, "/")
    assert "/admin/" not in catalogue and "Teacher dashboard" not in catalogue
