"""A teacher is asked before a pupil's password is replaced: the pupil's page links to a page that says what
happens (their password, the one they chose if they did, stops working at once; the next page shows a new
one on a slip, this once), with "Yes" and "No, go back"; only the "Yes" changes the password. A teacher who
may not give it is told why on that page, with no button, and the POST stays refused."""

import html
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client

from courses.teachers import make_teacher
from courses.tests.factories import CourseFactory, TeacherFactory
from learners.models import Learner
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "a-long-test-password"  # the factories' password
YES = "Yes, give sam a new temporary password"


@pytest.fixture
def sam(course, student):
    learner = learner_for(student)
    enroll(learner, course)
    return learner


def learner_page(course, learner) -> str:
    return f"/admin/courses/course/{course.pk}/learners/{learner.pk}/"


def confirm_url(course, learner) -> str:
    return f"{learner_page(course, learner)}password/"


def text_of(response) -> str:
    """The page's markup on one line, its entities read (sam&#x27;s: sam's)."""
    return html.unescape(" ".join(response.content.decode().split()))


def password_unchanged(learner: Learner, must_change: bool = False) -> bool:
    user = get_user_model().objects.get(pk=learner.user_id)
    learner.refresh_from_db()
    return user.check_password(OLD_PASSWORD) and learner.must_change_password is must_change


def test_the_pupils_page_links_to_the_question_instead_of_changing_the_password(teacher_client, course, sam):
    page = teacher_client.get(learner_page(course, sam)).content.decode()
    link = re.search(
        r'<a class="button" id="give-password" href="([^"]+)"\s+aria-describedby="password-help">'
        r"Give sam a new temporary password</a>",
        page,
    )
    assert link and link[1] == confirm_url(course, sam)
    assert 'method="post"' not in page.split('id="password-heading"')[1]  # no one-click form left
    assert "(the next page asks first)" in " ".join(page.split())


def test_asking_says_what_happens_and_changes_nothing(dashboard, course, sam):
    asked = dashboard.get(confirm_url(course, sam))
    assert asked.status_code == 200
    text = text_of(asked)
    assert "<h1>Give sam a new temporary password?</h1>" in text
    assert (
        "The password sam chose stops working at once, and they are signed out wherever they are signed in. "
        "The next page shows a new temporary password on a slip to print, this once only; they choose their "
        "own when they next sign in."
    ) in text
    assert f'<input type="submit" value="{YES}" aria-describedby="password-confirm-help">' in text
    assert f'<a class="button cancel-link" href="{learner_page(course, sam)}">No, go back</a>' in text
    breadcrumbs = f'<a href="{learner_page(course, sam)}">sam</a> \u203a New temporary password'
    assert breadcrumbs in text
    # Asking, even twice, leaves the pupil signing in as before.
    dashboard.get(confirm_url(course, sam))
    assert password_unchanged(sam) and Client().login(username="sam", password=OLD_PASSWORD)
    assert not LogEntry.objects.exists()


def test_a_pupil_still_on_a_temporary_password_is_told_that_one_stops(teacher_client, course, sam):
    Learner.objects.filter(pk=sam.pk).update(must_change_password=True)
    text = text_of(teacher_client.get(confirm_url(course, sam)))
    assert "sam's temporary password stops working at once" in text
    assert "chose" not in text.split('id="password-confirm-help">')[1].split("</p>")[0]


def test_yes_gives_the_new_password_on_its_slip(teacher_client, course, sam):
    assert teacher_client.get(confirm_url(course, sam)).status_code == 200
    given = teacher_client.post(confirm_url(course, sam))
    assert given.status_code == 200
    password = re.search(r'<dd class="slip-password">([^<]+)</dd>', given.content.decode())[1]
    assert "sam has a new temporary password." in text_of(given)
    assert not password_unchanged(sam, must_change=True)
    assert not Client().login(username="sam", password=OLD_PASSWORD)
    assert Client().login(username="sam", password=password)


def test_a_teacher_refused_the_post_is_told_why_on_the_question_with_no_button(
    teacher_client, course, sam, other_teacher
):
    elsewhere = CourseFactory(title="Otto's history")
    elsewhere.teachers.add(other_teacher)
    enroll(sam, elsewhere)
    asked = teacher_client.get(confirm_url(course, sam))
    assert asked.status_code == 403
    text = text_of(asked)
    assert "sam is also enrolled in Otto's history, which you do not teach" in text
    assert YES not in text and "<form" not in text.split('id="content"')[1]
    assert f'<a href="{learner_page(course, sam)}">Back to sam\'s page</a>' in text
    assert teacher_client.post(confirm_url(course, sam)).status_code == 403
    assert password_unchanged(sam) and not LogEntry.objects.exists()


def test_a_staff_account_and_an_imported_learner_are_refused_on_the_question(teacher_client, course):
    otto = learner_for(TeacherFactory(username="otto"))
    imported = Learner.objects.create(external_id="log:7")
    for learner, reason in (
        (otto, "otto is a staff account: an administrator changes its password"),
        (imported, "was imported from an attempt log: there is no account to sign in to."),
    ):
        enroll(learner, course)
        asked = teacher_client.get(confirm_url(course, learner))
        assert asked.status_code == 403 and reason in text_of(asked)
        assert "Yes, give" not in text_of(asked)
        assert teacher_client.post(confirm_url(course, learner)).status_code == 403
    assert get_user_model().objects.get(username="otto").check_password(OLD_PASSWORD)


def test_staff_without_the_right_are_refused_as_before(course, sam, other_teacher, other_student):
    make_teacher(other_teacher)  # teaches another course, not this one
    not_a_teacher = TeacherFactory(username="stef")  # staff, in no Teachers group
    for user in (other_teacher, not_a_teacher):
        client = Client()
        client.force_login(user)
        assert client.get(confirm_url(course, sam)).status_code == 404, user
        assert client.post(confirm_url(course, sam)).status_code == 404, user
    pupil = Client()
    pupil.force_login(other_student)
    for method in (pupil.get, pupil.post):
        answer = method(confirm_url(course, sam))
        assert answer.status_code == 302 and answer["Location"].startswith("/admin/login/")
    assert password_unchanged(sam) and not LogEntry.objects.exists()


def test_other_methods_are_not_allowed(teacher_client, course, sam):
    answer = teacher_client.put(confirm_url(course, sam))
    assert answer.status_code == 405 and answer["Allow"] == "GET, POST"
    assert password_unchanged(sam)
