"""Signing in through the API: rate-limited per client, and a token ends with a sign-out or a new password."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.throttles import AddressThrottle
from conftest import client_for

pytestmark = pytest.mark.django_db

TOKEN, REGISTER = "/api/v1/auth/token/", "/api/v1/auth/register/"
RIGHT = {"username": "sam", "password": "a-long-test-password"}
WRONG = {"username": "sam", "password": "guess"}


def test_the_eleventh_sign_in_to_one_account_within_a_minute_is_refused_even_with_the_right_password(
    student,
):
    client = APIClient()
    assert [client.post(TOKEN, WRONG).status_code for _ in range(10)] == [400] * 10
    refused = client.post(TOKEN, RIGHT)
    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 60
    # Other accounts from the same address, the rest of the API and other addresses are not held back.
    assert client.post(REGISTER, {"username": "newbie", "password": "correct horse 42"}).status_code == 201
    assert client.post(TOKEN, {"username": "newbie", "password": "correct horse 42"}).status_code == 200
    token = Token.objects.create(user=student).key
    assert client.get("/api/v1/courses/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert APIClient(REMOTE_ADDR="192.0.2.20").post(TOKEN, RIGHT).status_code == 200


def test_spelling_the_username_otherwise_does_not_get_round_the_limit(client, student):
    api = APIClient()
    assert [api.post(TOKEN, WRONG).status_code for _ in range(10)] == [400] * 10
    for spelling in [" sam", "sam ", "\tsam", "SAM", "\uff53\uff41\uff4d"]:  # the last in full-width letters
        assert api.post(TOKEN, {**RIGHT, "username": spelling}).status_code == 429
        page = client.post(reverse("login"), {**RIGHT, "username": spelling})
        assert "Too many sign-in attempts from here" in page.content.decode()


def test_a_whole_class_signs_in_from_the_schools_one_address():
    client = APIClient()
    pupils = [{"username": f"pupil{n}", "password": "correct horse 42"} for n in range(40)]
    assert {client.post(REGISTER, pupil).status_code for pupil in pupils} == {201}
    assert {client.post(TOKEN, pupil).status_code for pupil in pupils} == {200}


def test_sign_ups_and_sign_ins_from_one_address_are_limited_in_all(monkeypatch):
    # The default, 300 a minute, lets a whole school sign in from one address; 5 here, to reach it.
    monkeypatch.setattr(AddressThrottle, "rate", raising=False, value="5/minute")
    client = APIClient()
    taken = [client.post(REGISTER, {"username": f"user{n}", "password": "1"}).status_code for n in range(5)]
    assert taken == [400] * 5
    assert client.post(REGISTER, {"username": "newbie", "password": "correct horse 42"}).status_code == 429
    assert client.post(TOKEN, RIGHT).status_code == 429


def test_the_sign_in_pages_are_limited_with_the_api(client, student):
    for _ in range(10):
        assert "Please enter a correct username" in client.post(reverse("login"), WRONG).content.decode()
    refused = client.post(reverse("login"), RIGHT)
    assert refused.status_code == 200 and "Too many sign-in attempts from here" in refused.content.decode()
    assert APIClient().post(TOKEN, RIGHT).status_code == 429  # the same count
    admin = client.post("/admin/login/", RIGHT)
    assert "Too many sign-in attempts from here" in admin.content.decode()


def test_the_sign_up_page_counts_with_the_api(client, monkeypatch):
    monkeypatch.setattr(AddressThrottle, "rate", raising=False, value="2/minute")
    APIClient().post(REGISTER, {"username": "first", "password": "correct horse 42"})
    APIClient().post(REGISTER, {"username": "second", "password": "correct horse 42"})
    page = client.post(
        reverse("learners:signup"),
        {"username": "third", "password1": "correct horse 42", "password2": "correct horse 42"},
    )
    assert "Too many sign-ups from here" in page.content.decode()


def test_a_forged_forwarded_for_header_does_not_make_a_new_client(student):
    client = APIClient()
    for n in range(10):
        client.post(TOKEN, WRONG, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert client.post(TOKEN, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_the_load_balancer_each_client_address_counts_apart(student, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    balancer = APIClient(REMOTE_ADDR="10.0.0.1")
    for n in range(10):  # the client writes the first entry as it likes; the balancer appends the address
        balancer.post(TOKEN, WRONG, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7")
    assert balancer.post(TOKEN, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7").status_code == 429
    assert balancer.post(TOKEN, RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_signing_out_revokes_the_token_and_signing_in_again_gives_a_new_one(student):
    client = client_for(student)
    old = Token.objects.get(user=student).key
    assert client.delete(TOKEN).status_code == 204
    assert client.get("/api/v1/courses/").status_code == 401
    again = APIClient().post(TOKEN, RIGHT).json()["token"]
    assert again != old
    assert APIClient(HTTP_AUTHORIZATION=f"Token {again}").get("/api/v1/courses/").status_code == 200


def test_a_browser_session_signs_out_the_accounts_token(student):
    token_client = client_for(student)
    session = APIClient()
    session.force_login(student)
    assert session.delete(TOKEN).status_code == 204
    assert token_client.get("/api/v1/courses/").status_code == 401


def test_signing_out_needs_a_signed_in_caller():
    response = APIClient().delete(TOKEN)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_new_password_revokes_the_token_and_gets_a_new_one(student):
    client = client_for(student)
    student.set_password("a-brand-new-password")
    student.save()
    assert client.get("/api/v1/courses/").status_code == 401
    assert APIClient().post(TOKEN, RIGHT).status_code == 400
    new = APIClient().post(TOKEN, {"username": "sam", "password": "a-brand-new-password"})
    assert new.status_code == 200
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Token {new.json()['token']}").get("/api/v1/courses/").status_code
        == 200
    )


def test_signing_in_on_the_site_or_editing_the_account_keeps_the_token(client, student):
    api = client_for(student)
    assert client.post(reverse("login"), RIGHT).status_code == 302
    student.email = "sam@example.org"
    student.save()
    assert api.get("/api/v1/courses/").status_code == 200


def test_a_session_ends_with_the_browser_and_after_twelve_hours_at_most(client, student):
    response = client.post(reverse("login"), RIGHT)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert client.session.get_expiry_age() == 12 * 60 * 60
