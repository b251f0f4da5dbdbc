"""A teacher's override names a learner of the course; the answer for any other name gives nothing away."""

import pytest

from conftest import client_for
from courses.models import Override

pytestmark = pytest.mark.django_db


def test_an_account_outside_the_course_and_no_account_get_the_same_answer(teacher, course, student):
    def refused(name: str) -> str:
        body = {"course": "arithmetic", "kind": "reset_state", "learner": name, "reason": "x"}
        response = client_for(teacher).post("/api/v1/overrides/", body, format="json")
        assert response.status_code == 400
        return response.content.decode().replace(name, "NAME")

    assert refused("sam") == refused("nobody-here")
    assert refused("sam") == '{"learner":["No learner \'NAME\' enrolled in this course."]}'
    assert not Override.objects.exists()
