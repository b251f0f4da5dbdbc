"""A response to a fraction exercise that is no fraction is refused with a message, on the page and through
the API alike, rather than marked wrong; the page says what to enter."""

import pytest

from conftest import answer_via_api
from courses.models import FRACTION_HELP
from courses.tests.factories import ExerciseFactory
from learners.forms import AnswerForm
from learners.models import Attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def half(course):
    return ExerciseFactory(
        course=course, key="half", type="fraction", answer="1/2", skills=[course.skills.first()]
    )


@pytest.mark.parametrize("response", ["0.5", "a half", True])
def test_the_api_refuses_a_response_that_is_no_fraction(api, half, response):
    api.post("/api/v1/courses/arithmetic/enroll/")
    refused = answer_via_api(api, "half", response, "k1")
    assert (refused.status_code, refused.json()) == (
        400,
        {"response": [f"Enter a fraction: {FRACTION_HELP}."]},
    )
    assert not Attempt.objects.exists()
    assert answer_via_api(api, "half", "1 / 2", "k2").json()["correct"] is True


def test_the_answer_field_says_what_to_enter_and_keeps_the_full_keyboard(half):
    form = AnswerForm(exercise=half)
    assert form.fields["response"].help_text == f"{FRACTION_HELP[0].upper()}{FRACTION_HELP[1:]}."
    assert "inputmode" not in form.fields["response"].widget.attrs
    invalid = AnswerForm({"response": "0.5", "idempotency_key": "0" * 32, "recommendation": 1}, exercise=half)
    assert invalid.errors["response"] == [f"Enter a fraction: {FRACTION_HELP}."]
