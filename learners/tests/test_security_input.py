"""Bodies and filters the API cannot use are refused with a 4xx that says why, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

NESTED = "[" * 5000 + "]" * 5000


def test_a_deeply_nested_json_body_is_a_400(api):
    response = APIClient().post("/api/v1/auth/token/", NESTED, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    answer = api.post("/api/v1/attempts/", NESTED, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert answer.status_code == 400
    assert "nested too deeply" in answer.json()["detail"]


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_since_outside_the_datetimes_there_are_is_a_field_error(api, since):
    response = api.get("/api/v1/attempts/", {"since": since})
    assert response.status_code == 400
    assert "between years 1 and 9999" in response.json()["since"][0]


def test_a_since_with_a_large_offset_still_filters(api):
    assert api.get("/api/v1/attempts/", {"since": "2024-01-01T00:00:00-23:59"}).status_code == 200


def test_sign_in_and_sign_up_take_json_only(student):
    upload = SimpleUploadedFile("big.bin", b"x" * 1024)
    credentials = {"username": "sam", "password": "a-long-test-password", "file": upload}
    multipart = APIClient().post("/api/v1/auth/token/", credentials, format="multipart")
    assert multipart.status_code == 415
    assert "Unsupported media type" in multipart.json()["detail"]
    form = "username=newbie&password=correct+horse+42"
    response = APIClient().post(
        "/api/v1/auth/register/", form, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
