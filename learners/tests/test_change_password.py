"""A learner replaces their own password: on the account's page and through the API; a forgotten one is
reset by e-mail or replaced by a teacher, which the sign-in page says (test_password_reset.py)."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import client_for
from learners.classroom import must_choose_password
from learners.tests.test_class_accounts import OWN_PASSWORD, signed_in_pupil, signs_in

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # the factories' password
NEW_PASSWORD = "Nine-blue-owls-sleep"
PAGE = "/account/password/"
API = "/api/v1/account/password/"


@pytest.fixture
def browser(student) -> Client:
    client = Client()
    client.force_login(student)
    return client


def change(client: Client, old: str, new: str, again: str | None = None):
    return client.post(
        PAGE, {"old_password": old, "new_password1": new, "new_password2": new if again is None else again}
    )


def test_the_account_page_leads_to_changing_the_password(browser):
    page = browser.get("/account/").content.decode()
    assert f'href="{PAGE}"' in page and "Change my password" in page
    form = browser.get(PAGE).content.decode()
    assert "Change your password" in form
    assert 'name="old_password"' in form and 'autocomplete="current-password"' in form
    assert "Your new password" in form and "The same password again" in form


def test_a_new_password_replaces_the_old_one_and_signs_out_everywhere_else(student, browser):
    elsewhere = Client()
    elsewhere.force_login(student)
    token = client_for(student)
    response = change(browser, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.url == "/account/"
    assert "Your new password is saved" in browser.get("/account/").content.decode()  # still signed in here
    assert signs_in("sam", NEW_PASSWORD) and not signs_in("sam", PASSWORD)
    assert elsewhere.get("/account/").status_code == 302  # the other browser is sent to sign in
    assert token.get("/api/v1/account/").status_code == 401  # and the app's token no longer works


@pytest.mark.parametrize(
    ("old", "new", "again", "field", "message"),
    [
        (
            "not-my-password",
            NEW_PASSWORD,
            None,
            "old_password",
            "This is not the password you sign in with now.",
        ),
        ("", NEW_PASSWORD, None, "old_password", "Type the password you sign in with now."),
        (PASSWORD, PASSWORD, None, "new_password1", "This is the password you have now: choose a new one."),
        (
            PASSWORD,
            NEW_PASSWORD,
            "Nine-blue-owls-sleeps",
            "new_password1",
            "The two passwords were not the same",
        ),
        (PASSWORD, "password1", None, "new_password1", "Lots of people use this password"),
    ],
)
def test_a_refused_change_says_why_on_its_box_and_keeps_the_password(
    browser, old, new, again, field, message
):
    response = change(browser, old, new, again)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert signs_in("sam", PASSWORD)


def test_guessing_the_password_from_an_open_session_is_limited_as_signing_in_is(browser, settings):
    for _ in range(10):
        change(browser, "a-guess", NEW_PASSWORD)
    refused = change(browser, PASSWORD, NEW_PASSWORD)
    assert refused.status_code == 400
    assert "Too many tries from here" in str(refused.context["form"].errors["old_password"])
    assert signs_in("sam", PASSWORD)


def test_a_pupil_with_a_temporary_password_is_not_asked_for_it_again(course):
    client, _ = signed_in_pupil(course)
    page = client.get(PAGE).content.decode()
    assert "Choose your own password" in page and 'name="old_password"' not in page


def test_the_sign_in_page_says_what_to_do_about_a_forgotten_password(client):
    page = client.get("/accounts/login/").content.decode()
    assert "Forgotten your password?" in page and 'href="/accounts/password-reset/"' in page
    assert "otherwise ask your teacher" in page


def test_the_api_changes_the_password_and_answers_the_new_token(student, api):
    old_token = Token.objects.get(user=student).key
    response = api.post(API, {"password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["username"] == "sam" and response.json()["token"] != old_token
    assert api.get("/api/v1/account/").status_code == 401  # the old token is revoked
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert fresh.get("/api/v1/account/").status_code == 200
    assert signs_in("sam", NEW_PASSWORD) and not signs_in("sam", PASSWORD)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"new_password": NEW_PASSWORD}, "password", "This field is required."),
        ({"password": "wrong", "new_password": NEW_PASSWORD}, "password", "This is not the password"),
        ({"password": PASSWORD}, "new_password", "This field is required."),
        ({"password": PASSWORD, "new_password": PASSWORD}, "new_password", "choose a new one"),
        ({"password": PASSWORD, "new_password": "123"}, "new_password", "too short"),
        ({"password": PASSWORD, "new_password": 7}, "new_password", "too short"),
    ],
)
def test_the_api_refuses_a_change_field_by_field_and_keeps_the_password(student, api, body, field, message):
    response = api.post(API, body, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert signs_in("sam", PASSWORD)
    assert api.get("/api/v1/account/").status_code == 200  # nothing changed: the token still works


def test_a_pupil_chooses_their_own_password_through_the_api(course):
    _, temporary = signed_in_pupil(course)
    token = (
        APIClient().post("/api/v1/auth/token/", {"username": "ana", "password": temporary}).json()["token"]
    )
    app = APIClient()
    app.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert app.get("/api/v1/courses/").status_code == 403  # the temporary password is for choosing one
    chosen = app.post(API, {"password": temporary, "new_password": OWN_PASSWORD}, format="json")
    assert chosen.status_code == 200
    app.credentials(HTTP_AUTHORIZATION=f"Token {chosen.json()['token']}")
    assert app.get("/api/v1/courses/").status_code == 200
    user = Token.objects.get(key=chosen.json()["token"]).user
    assert not must_choose_password(user)


def test_signed_out_the_api_asks_for_credentials(db):
    assert APIClient().post(API, {"password": PASSWORD, "new_password": NEW_PASSWORD}).status_code == 401
