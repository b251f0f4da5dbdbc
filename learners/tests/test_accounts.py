"""Every account has its learner profile from the start, however the account was made, so a teacher can
find a student to enroll as soon as the account exists."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from courses.teachers import make_teacher
from learners.models import Learner

pytestmark = pytest.mark.django_db


def test_an_account_made_in_the_admin_is_found_by_the_enrollment_forms_learner_search(admin_client, teacher):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "newcomer", "usable_password": "true", "password1": "Ada-Lovelace-1815",
         "password2": "Ada-Lovelace-1815"},
    )  # fmt: skip
    assert response.status_code == 302
    make_teacher(teacher)
    dashboard = Client()
    dashboard.force_login(teacher)
    found = dashboard.get(
        "/admin/autocomplete/",
        {"term": "newc", "app_label": "learners", "model_name": "enrollment", "field_name": "learner"},
    ).json()
    assert [result["text"] for result in found["results"]] == ["newcomer"]


def test_the_enrollment_search_lists_students_not_teachers_or_administrators(teacher, other_teacher, student):
    make_teacher(teacher)
    dashboard = Client()
    dashboard.force_login(teacher)
    query = {"app_label": "learners", "model_name": "enrollment", "field_name": "learner"}
    found = [
        result["text"]
        for term in (teacher.username[:3], other_teacher.username[:3], student.username[:3])
        for result in dashboard.get("/admin/autocomplete/", {**query, "term": term}).json()["results"]
    ]
    assert found == [student.username]


def test_a_learner_is_made_with_every_account_and_only_once():
    user = get_user_model().objects.create_user("solo", password="Ada-Lovelace-1815")
    user.save()
    assert Learner.objects.filter(user=user).count() == 1
