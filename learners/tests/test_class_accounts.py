"""Teacher-made student accounts: a teacher enrolling a class creates the accounts of new names and prints
their sign-in slips; a pupil with a temporary password chooses their own before anything else (pages and
API); a teacher gives a pupil who forgot theirs a new temporary password, on their page or through the API."""

import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.test import Client

from conftest import client_for
from courses.teachers import make_teacher
from courses.tests.factories import CourseFactory, TeacherFactory, UserFactory
from learners.classroom import (
    TEMPORARY_PASSWORD_ALPHABET,
    TEMPORARY_PASSWORD_LENGTH,
    enroll_class_creating_accounts,
)
from learners.models import Enrollment, Learner
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db

OWN_PASSWORD = "Seven-green-frogs-jump"
SLIP = re.compile(
    r'<dd class="slip-username">([^<]+)</dd>\s*'
    r'<dt>Temporary password</dt><dd class="slip-password">([^<]+)</dd>'
)


def enroll_url(course) -> str:
    return f"/admin/courses/course/{course.pk}/enroll/"


def slips_on(page) -> dict[str, str]:
    """The sign-in slips a page shows: username -> temporary password."""
    return dict(SLIP.findall(page.content.decode()))


def signs_in(username: str, password: str) -> bool:
    return Client().login(username=username, password=password)


def enrolled_names(course) -> set[str]:
    return set(Enrollment.objects.filter(course=course).values_list("learner__user__username", flat=True))


def signed_in_pupil(course, name: str = "ana") -> tuple[Client, str]:
    """A pupil whose account a teacher made, signed in on the site with their slip's password."""
    teacher = TeacherFactory(username="tina")
    slip = enroll_class_creating_accounts(course, [(1, name)], teacher).slips[0]
    client = Client()
    response = client.post("/accounts/login/", {"username": name, "password": slip.temporary_password})
    assert response.status_code == 302
    return client, slip.temporary_password


def test_a_teacher_creates_accounts_for_the_new_names_and_prints_their_slips(course, teacher_client, teacher):
    existing = UserFactory(username="sam")
    page = teacher_client.post(
        enroll_url(course), {"usernames": "ana\nben, cleo\nsam", "create_accounts": "on"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "4 enrolled now</strong>: sam, ana, ben, cleo" in text and "of whom 3 with a new account" in text
    assert enrolled_names(course) == {"ana", "ben", "cleo", "sam"}
    # One slip for each new account, with the sign-in address and the course; none for the existing account.
    slips = slips_on(page)
    assert list(slips) == ["ana", "ben", "cleo"]
    assert text.count("http://testserver<wbr>/accounts/login/") == 3 and text.count("Arithmetic</p>") == 3
    for username, password in slips.items():
        assert len(password) == TEMPORARY_PASSWORD_LENGTH and set(password) <= set(
            TEMPORARY_PASSWORD_ALPHABET
        )
        assert signs_in(username, password)
        user = get_user_model().objects.get(username=username)
        assert password not in user.password and not user.is_staff
        assert user.learner.must_change_password
    assert len(set(slips.values())) == 3
    existing.learner.refresh_from_db()
    assert not existing.learner.must_change_password and signs_in("sam", "a-long-test-password")
    # The admin's log says who made each account.
    made = LogEntry.objects.filter(action_flag=ADDITION, user=teacher).order_by("object_repr")
    assert [entry.object_repr for entry in made] == ["ana", "ben", "cleo"]
    assert "Arithmetic" in made[0].get_change_message()
    # Sent again (a reload), the names now exist: enrolled already, no new account and no password shown.
    again = teacher_client.post(
        enroll_url(course), {"usernames": "ana\nben, cleo\nsam", "create_accounts": "on"}
    )
    assert "0 enrolled now" in again.content.decode() and not slips_on(again)
    assert get_user_model().objects.filter(username__in=["ana", "ben", "cleo"]).count() == 3


@pytest.mark.parametrize(
    ("pasted", "problem"),
    [
        (
            "ana\nbad/name\ncleo",
            "Line 2: “bad/name” cannot be a username: letters, digits and @ . + - _ only",
        ),
        (
            "ana\n\nx" + "y" * 150,
            "Line 3: “x" + "y" * 150 + "” has 151 characters: a username has 150 at most.",
        ),
        ("ana\nben, ANA", "Line 2: “ANA” is “ana” of line 1 in other capitals"),
        (
            "ana\nben\notto",
            "Line 3: “otto” is taken (whatever its capitals) by an account that cannot be enrolled",
        ),
        ("\n".join(f"pupil{n}" for n in range(51)), "51 new accounts: at most 50 at a time."),
    ],
    ids=[
        "not a username",
        "too long, after a blank line",
        "twice in other capitals",
        "a staff account's",
        "too many",
    ],
)
def test_a_wrong_line_is_named_and_nothing_is_created(course, teacher_client, other_teacher, pasted, problem):
    users_before = get_user_model().objects.count()
    page = teacher_client.post(enroll_url(course), {"usernames": pasted, "create_accounts": "on"})
    assert page.status_code == 400
    text = page.content.decode()
    assert problem in text
    assert pasted.split("\n")[-1] in text  # the list stays in the box, to correct
    assert get_user_model().objects.count() == users_before
    assert not Enrollment.objects.exists() and not LogEntry.objects.exists()


def test_without_the_tick_unknown_names_are_reported_and_no_account_is_made(course, teacher_client, student):
    page = teacher_client.post(enroll_url(course), {"usernames": "sam\nana"})
    text = page.content.decode()
    assert page.status_code == 200 and "1 enrolled now</strong>: sam." in text
    assert (
        "No student account of these names" in text
        and "sign up first at http://testserver/signup/): ana." in text
    )
    assert not get_user_model().objects.filter(username="ana").exists() and not slips_on(page)
    assert enrolled_names(course) == {"sam"}


def test_only_a_teacher_of_the_course_creates_accounts_in_it(course, other_teacher, student):
    make_teacher(other_teacher)
    outsider = Client()
    outsider.force_login(other_teacher)
    assert outsider.post(enroll_url(course), {"usernames": "ana", "create_accounts": "on"}).status_code == 404
    pupil = Client()
    pupil.force_login(student)
    refused = pupil.post(enroll_url(course), {"usernames": "ana", "create_accounts": "on"})
    assert refused.status_code == 302 and refused["Location"].startswith("/admin/login/")
    assert not get_user_model().objects.filter(username="ana").exists()


def test_a_pupil_with_a_temporary_password_chooses_their_own_before_practising(course):
    client, temporary = signed_in_pupil(course)
    for page in ("/courses/arithmetic/practice/", "/", "/courses/arithmetic/", "/account/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/account/password/"), page
    choose = client.get("/account/password/")
    assert choose.status_code == 200 and "Choose your own password" in choose.content.decode()
    # The temporary password again is not a password of their own.
    again = client.post("/account/password/", {"new_password1": temporary, "new_password2": temporary})
    assert again.status_code == 400 and "This is the password your teacher gave you" in again.content.decode()
    chosen = client.post("/account/password/", {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD})
    assert chosen.status_code == 302 and chosen["Location"] == "/courses/arithmetic/"
    assert "Your password is saved" in client.get("/courses/arithmetic/").content.decode()
    assert client.get("/courses/arithmetic/practice/").status_code == 200
    assert not Learner.objects.get(user__username="ana").must_change_password
    assert signs_in("ana", OWN_PASSWORD) and not signs_in("ana", temporary)
    # Once chosen, the page is for changing it: the password they have now is asked for first.
    change = client.get("/account/password/").content.decode()
    assert "Change your password" in change and 'name="old_password"' in change


def test_a_pupil_with_a_temporary_password_can_still_sign_out(course):
    client, _ = signed_in_pupil(course)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_the_api_answers_a_pupil_with_a_temporary_password_403_until_they_choose(course):
    client, temporary = signed_in_pupil(course)
    for path in ("/api/v1/courses/", "/api/v1/courses/arithmetic/next/", "/api/v1/account/"):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert refused.json()["detail"].startswith("Choose your own password first: sign in on the site")
    token = client.post("/api/v1/auth/token/", {"username": "ana", "password": temporary}, "application/json")
    by_token = client_for(get_user_model().objects.get(username="ana"))
    assert token.status_code == 200 and by_token.get("/api/v1/courses/").status_code == 403
    client.post("/account/password/", {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD})
    assert client.get("/api/v1/courses/").status_code == 200
    assert client_for(get_user_model().objects.get(username="ana")).get("/api/v1/courses/").status_code == 200


@pytest.fixture
def sam_in_course(course, student):
    learner = learner_for(student)
    enroll(learner, course)
    return learner


def password_url(course, learner) -> str:
    return f"/admin/courses/course/{course.pk}/learners/{learner.pk}/password/"


def test_a_teacher_gives_a_pupil_a_new_temporary_password_from_their_page(
    course, dashboard, sam_in_course, admin_user, teacher
):
    learner_page = dashboard.get(f"/admin/courses/course/{course.pk}/learners/{sam_in_course.pk}/")
    assert "Give sam a new temporary password" in learner_page.content.decode()
    asked = dashboard.get(password_url(course, sam_in_course))  # asks first, and changes nothing
    assert asked.status_code == 200 and "Yes, give sam a new temporary password" in asked.content.decode()
    assert signs_in("sam", "a-long-test-password") and not LogEntry.objects.exists()
    page = dashboard.post(password_url(course, sam_in_course))
    assert page.status_code == 200
    slips = slips_on(page)
    assert list(slips) == ["sam"] and "http://testserver<wbr>/accounts/login/" in page.content.decode()
    assert not signs_in("sam", "a-long-test-password") and signs_in("sam", slips["sam"])
    sam_in_course.refresh_from_db()
    assert sam_in_course.must_change_password
    given = LogEntry.objects.get(action_flag=CHANGE, object_repr="sam")
    assert given.user in (teacher, admin_user) and "temporary password" in given.get_change_message()
    after = dashboard.get(f"/admin/courses/course/{course.pk}/learners/{sam_in_course.pk}/").content.decode()
    assert "sam has a temporary password and has not chosen their own yet" in " ".join(after.split())


def test_a_teacher_of_another_course_cannot_give_a_pupil_a_password(course, other_teacher, sam_in_course):
    make_teacher(other_teacher)
    outsider = Client()
    outsider.force_login(other_teacher)
    assert outsider.get(password_url(course, sam_in_course)).status_code == 404
    assert outsider.post(password_url(course, sam_in_course)).status_code == 404
    sam_in_course.refresh_from_db()
    assert signs_in("sam", "a-long-test-password") and not sam_in_course.must_change_password


def test_the_api_gives_a_teacher_a_working_temporary_password(course, teacher, sam_in_course):
    response = client_for(teacher).post("/api/v1/courses/arithmetic/class/sam/password/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["username"] == "sam" and signs_in("sam", body["temporary_password"])
    assert not signs_in("sam", "a-long-test-password")
    sam_in_course.refresh_from_db()
    assert sam_in_course.must_change_password
    assert LogEntry.objects.filter(action_flag=CHANGE, user=teacher, object_repr="sam").count() == 1


def test_the_api_refuses_a_new_password_to_anyone_but_the_courses_teachers(
    course, teacher, other_teacher, other_student, sam_in_course
):
    url = "/api/v1/courses/arithmetic/class/sam/password/"
    assert client_for(other_teacher).post(url).status_code == 403
    assert client_for(other_student).post(url).status_code == 403
    # A learner not enrolled in the course, or no one of that name, is not found.
    assert client_for(teacher).post("/api/v1/courses/arithmetic/class/olga/password/").status_code == 404
    assert client_for(teacher).post("/api/v1/courses/arithmetic/class/nobody/password/").status_code == 404
    # A staff account's password is an administrator's to change.
    enroll(learner_for(other_teacher), course)
    staff = client_for(teacher).post("/api/v1/courses/arithmetic/class/otto/password/")
    assert staff.status_code == 403 and "staff account" in staff.json()["detail"]
    assert signs_in("sam", "a-long-test-password") and signs_in("otto", "a-long-test-password")
    assert not LogEntry.objects.exists()


def test_a_pupil_also_in_another_teachers_course_gets_a_new_password_from_an_administrator_only(
    course, teacher_client, teacher, other_teacher, sam_in_course, admin_user
):
    # Else a teacher could enroll anyone by username, give them a password and sign in to their other class.
    elsewhere = CourseFactory(title="Otto's history")
    elsewhere.teachers.add(other_teacher)
    enroll(sam_in_course, elsewhere)
    page = teacher_client.get(
        f"/admin/courses/course/{course.pk}/learners/{sam_in_course.pk}/"
    ).content.decode()
    assert "sam is also enrolled in Otto&#x27;s history, which you do not teach" in page
    assert "Give sam a new temporary password" not in page
    asked = teacher_client.get(password_url(course, sam_in_course))
    assert asked.status_code == 403 and "which you do not teach" in asked.content.decode()
    assert "Yes, give sam" not in asked.content.decode()
    assert teacher_client.post(password_url(course, sam_in_course)).status_code == 403
    refused = client_for(teacher).post("/api/v1/courses/arithmetic/class/sam/password/")
    assert refused.status_code == 403 and "also enrolled in Otto's history" in refused.json()["detail"]
    assert signs_in("sam", "a-long-test-password") and not LogEntry.objects.exists()
    # An administrator (a superuser) may.
    given = client_for(admin_user).post("/api/v1/courses/arithmetic/class/sam/password/")
    assert given.status_code == 200 and signs_in("sam", given.json()["temporary_password"])
