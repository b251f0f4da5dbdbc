"""A pupil's first sign-in, as the pupil meets it: the password rules in a child's words, every refusal on
the first box (both come back empty) with the cursor there, the browser's password manager told whose
password it is, the page they had opened (a join code's link) waiting once they have chosen, and the API's
403 saying what to do."""

import re

import pytest

from conftest import arithmetic_document
from courses.services import import_course
from learners.models import Enrollment
from learners.tests.test_class_accounts import OWN_PASSWORD, signed_in_pupil

pytestmark = pytest.mark.django_db

CHOOSE = "/account/password/"


def input_tag(page: str, name: str) -> str:
    tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', page)
    assert tag, f"no {name} input"
    return tag[0]


def error_on(page: str, field: str) -> str:
    """The error list shown for a field of the page, as text ("" without one)."""
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", " ", errors[1]).strip() if errors else ""


@pytest.mark.parametrize(
    ("password", "again", "problem"),
    [
        (
            "Seven-green-frogs",
            "Seven-green-frog",
            "The two passwords were not the same: type your password in both",
        ),
        ("password123", "password123", "Lots of people use this password, so it is easy to guess"),
        ("83920174", "83920174", "This password is only digits: put some letters in it too."),
        ("frog", "frog", "This password is too short. It must contain at least 8 characters."),
    ],
)
def test_a_refused_password_is_explained_on_the_first_box_which_takes_the_cursor(
    course, password, again, problem
):
    client, _ = signed_in_pupil(course)
    refused = client.post(CHOOSE, {"new_password1": password, "new_password2": again})
    page = refused.content.decode()
    assert refused.status_code == 400
    # Both boxes come back empty: the pupil starts again from the first, where the message is.
    assert problem in error_on(page, "new_password1")
    assert error_on(page, "new_password2") == ""
    first, second = input_tag(page, "new_password1"), input_tag(page, "new_password2")
    assert "autofocus" in first and 'aria-invalid="true"' in first and "id_new_password1_error" in first
    assert "autofocus" not in second and "value=" not in first + second


def test_the_temporary_password_again_is_refused_on_the_first_box(course):
    client, temporary = signed_in_pupil(course)
    page = client.post(CHOOSE, {"new_password1": temporary, "new_password2": temporary}).content.decode()
    assert (
        error_on(page, "new_password1")
        == "This is the password your teacher gave you: choose one of your own."
    )
    assert "autofocus" in input_tag(page, "new_password1")


def test_the_rules_are_in_words_a_child_reads(course):
    client, _ = signed_in_pupil(course)
    page = client.get(CHOOSE).content.decode()
    for rule in (
        "At least 8 letters, digits or other signs.",
        "Not like your username.",
        "Not a password that lots of people use, such as password123.",
        "Not only digits: put some letters in it too.",
        "Type it once more, to be sure there is no typing mistake.",
    ):
        assert rule in page
    for hard_words in ("personal information", "entirely numeric", "commonly used", "verification"):
        assert hard_words not in page
    assert "autofocus" in input_tag(page, "new_password1")  # the page is for this form alone


def test_the_password_manager_is_told_whose_new_password_it_is(course):
    client, _ = signed_in_pupil(course)
    page = client.get(CHOOSE).content.decode()
    username = input_tag(page, "username")
    assert 'autocomplete="username"' in username and 'value="ana"' in username and " hidden" in username
    for name in ("new_password1", "new_password2"):
        assert 'autocomplete="new-password"' in input_tag(page, name)


def test_the_page_offers_only_signing_out_not_links_that_lead_back_to_it(course):
    client, _ = signed_in_pupil(course)
    nav = re.search(r'<nav class="site-nav".*?</nav>', client.get(CHOOSE).content.decode(), re.S)[0]
    assert ">Courses</a>" not in nav and ">Account</a>" not in nav
    assert "Log out" in nav


def test_a_join_link_opened_before_choosing_keeps_its_code(client, course):
    """A pupil with a temporary password follows the link of another class's code: signing in, then
    choosing their password, and the join page is there with its code filled in."""
    other = import_course({**arithmetic_document("fractions"), "title": "Fractions"}).course
    code = other.new_join_code()
    link = f"/join/{code.lower()}/"
    _, temporary = signed_in_pupil(course)  # the account, and its temporary password
    client.logout()

    to_sign_in = client.get(link)
    assert to_sign_in.url == f"/accounts/login/?next={link}"
    sign_in = client.get(to_sign_in.url).content.decode()
    assert "Log in to join the class: the join code from your link will be filled in" in sign_in
    assert "the same exercise will be waiting" not in sign_in
    signed_in = client.post("/accounts/login/", {"username": "ana", "password": temporary, "next": link})
    choose = client.get(signed_in.url, follow=True)
    assert choose.request["PATH_INFO"] == CHOOSE
    chosen = client.post(
        CHOOSE, {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD, "next": link}, follow=True
    )
    page = chosen.content.decode()
    assert chosen.request["PATH_INFO"] == link
    assert "Your password is saved" in page and f'value="{code[:4]}-{code[4:]}"' in page
    assert client.post(link, {"code": code}).url == "/courses/fractions/"
    assert Enrollment.objects.filter(course=other, learner__user__username="ana").exists()


def test_signing_in_to_the_course_list_still_leads_to_the_pupils_course(course):
    client, _ = signed_in_pupil(course)
    assert client.get("/").url == CHOOSE  # where signing in sends everyone: no page of their own to go on to
    chosen = client.post(CHOOSE, {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD})
    assert chosen.url == "/courses/arithmetic/"


def test_a_next_page_of_another_site_is_not_followed(course):
    client, _ = signed_in_pupil(course)
    chosen = client.post(
        CHOOSE,
        {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD, "next": "https://elsewhere.example/"},
    )
    assert chosen.url == "/courses/arithmetic/"


def test_the_api_tells_a_pupil_with_a_temporary_password_what_to_do(course):
    client, _ = signed_in_pupil(course)
    detail = client.get("/api/v1/courses/").json()["detail"]
    assert detail == (
        "Choose your own password first: sign in on the site (http://testserver/accounts/login/) with the "
        "temporary password your teacher gave you, and choose your own on the page that opens (or POST it to "
        "/api/v1/account/password/). Then sign in here with your own password."
    )
