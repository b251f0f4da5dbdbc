"""A school that takes its accounts from its own directory turns teachers' account making off
(``TEACHER_ACCOUNTS_OPEN``): Enroll a class offers no "Create accounts" tick box, the API refuses
``create_accounts`` on that field, nothing is created or enrolled, and enrolling existing accounts still
works."""

import html
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model

from config.tests.test_api_contract import SCHEMA, assert_as_documented, resolve
from conftest import client_for
from courses.teachers import make_teacher
from learners.classroom import enroll_class_creating_accounts
from learners.models import Enrollment, Learner

pytestmark = pytest.mark.django_db

CLASS = "/api/v1/courses/arithmetic/class/"
CLASS_PATH = "/api/v1/courses/{slug}/class/"
REFUSAL = (
    "Accounts are made by the school's administrators here, not by teachers: enroll the pupils who have an "
    "account, and ask an administrator to make the others'."
)


@pytest.fixture
def accounts_closed(settings):
    settings.TEACHER_ACCOUNTS_OPEN = False


def enroll_url(course) -> str:
    return f"/admin/courses/course/{course.pk}/enroll/"


def text_of(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.content.decode())).split())


def enrolled(course) -> set[str]:
    return set(Enrollment.objects.filter(course=course).values_list("learner__user__username", flat=True))


def test_the_enroll_page_offers_no_tick_box_and_enrolls_existing_accounts(
    accounts_closed, teacher_client, course, student
):
    page = teacher_client.get(enroll_url(course))
    assert 'name="create_accounts"' not in page.content.decode()
    assert (
        "Accounts are made by the school's administrators here: names that are no one's are listed, and "
        "nothing is done for them."
    ) in text_of(page)

    done = teacher_client.post(enroll_url(course), {"usernames": "sam\nana"})

    assert done.status_code == 200
    text = text_of(done)
    assert "1 enrolled now : sam." in text
    assert "No student account of these names" in text and ": ana. Accounts are made by the school's" in text
    assert "To create their accounts yourself" not in text
    assert enrolled(course) == {"sam"} and not get_user_model().objects.filter(username="ana").exists()


def test_a_tick_sent_all_the_same_is_refused_and_nothing_is_done(
    accounts_closed, teacher_client, course, student
):
    users_before = get_user_model().objects.count()

    # A page opened before the setting changed still has the box.
    page = teacher_client.post(enroll_url(course), {"usernames": "sam\nana", "create_accounts": "on"})

    assert page.status_code == 400
    alert = r'<div class="errornote" role="alert" tabindex="-1" autofocus>(.*?)</div>'
    summary = re.search(alert, page.content.decode(), re.S)
    assert summary, "the refusal is not focused when the page opens"
    summary_text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", summary[1])).split())
    assert summary_text == f"Nobody was enrolled and no account was made. {REFUSAL}"
    assert get_user_model().objects.count() == users_before
    assert not Enrollment.objects.exists() and not LogEntry.objects.exists()


def test_the_api_refuses_create_accounts_on_that_field_and_enrolls_nobody(
    accounts_closed, course, teacher, student
):
    make_teacher(teacher)
    api = client_for(teacher)
    users_before = get_user_model().objects.count()

    refused = api.post(CLASS, {"usernames": ["sam", "ana"], "create_accounts": True}, format="json")

    assert refused.status_code == 400
    assert assert_as_documented(refused, CLASS_PATH, "POST") == {"create_accounts": [REFUSAL]}
    assert get_user_model().objects.count() == users_before
    assert not Enrollment.objects.exists() and not LogEntry.objects.exists()

    existing = api.post(CLASS, {"usernames": ["sam", "ana"], "create_accounts": False}, format="json")
    assert existing.status_code == 200
    assert existing.json() == {"enrolled": ["sam"], "already": [], "unknown": ["ana"], "warnings": []}


def test_the_api_description_of_create_accounts_says_when_it_is_refused():
    request = SCHEMA.raw_schema["paths"][CLASS_PATH]["post"]["requestBody"]["content"]["application/json"]
    field = resolve(request["schema"])["properties"]["create_accounts"]
    assert "`TEACHER_ACCOUNTS_OPEN` off), `true` is a 400 on `create_accounts`" in field["description"]


def test_an_unused_account_page_does_not_send_the_teacher_to_the_missing_tick_box(
    teacher_client, course, teacher, settings
):
    enroll_class_creating_accounts(course, [(1, "tomm")], teacher)  # made while teachers made accounts
    settings.TEACHER_ACCOUNTS_OPEN = False
    learner = Learner.objects.get(user__username="tomm")

    page = teacher_client.get(f"/admin/courses/course/{course.pk}/learners/{learner.pk}/delete/")

    text = text_of(page)
    assert (
        "if the name is needed after all, ask the school's administrators, who make the accounts here" in text
    )
    assert "Create accounts" not in text
