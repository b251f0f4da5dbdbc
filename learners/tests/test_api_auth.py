import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.tests.test_api_contract import assert_as_documented

pytestmark = pytest.mark.django_db


def test_it_registers_a_student_and_returns_a_working_token():
    client = APIClient()
    response = client.post("/api/v1/auth/register/", {"username": "newbie", "password": "correct horse 42"})
    assert response.status_code == 201
    assert response.json()["username"] == "newbie"
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/courses/").status_code == 200


def test_it_refuses_a_taken_username_and_a_weak_password_field_by_field(student):
    response = APIClient().post("/api/v1/auth/register/", {"username": "sam", "password": "123"})
    assert response.status_code == 400
    assert "username" in response.json()
    response = APIClient().post("/api/v1/auth/register/", {"username": "fresh", "password": "123"})
    assert response.status_code == 400
    assert "password" in response.json()


@override_settings(REGISTRATION_OPEN=False)
def test_registration_can_be_switched_off():
    response = APIClient().post(
        "/api/v1/auth/register/", {"username": "x-user", "password": "correct horse 42"}
    )
    assert response.status_code == 403
    assert "closed" in response.json()["detail"]


def test_it_exchanges_credentials_for_the_token_and_names_the_account_as_registration_does(student):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "sam", "password": "a-long-test-password"}
    )
    assert response.status_code == 200
    body = assert_as_documented(response, "/api/v1/auth/token/", "POST")
    assert body == {"token": Token.objects.get(user=student).key, "username": "sam"}
    bad = APIClient().post("/api/v1/auth/token/", {"username": "sam", "password": "wrong"})
    assert bad.status_code == 400
    assert "non_field_errors" in bad.json()


def test_anonymous_clients_are_refused_with_json():
    response = APIClient().get("/api/v1/courses/")
    assert response.status_code == 401
    assert "detail" in response.json()
