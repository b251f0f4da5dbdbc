"""Teachers find one learner's attempts in their courses with ?learner=; nobody sees more than before."""

import pytest

from conftest import answer_via_api, client_for
from learners.models import Learner
from learners.services import enroll, learner_for
from learners.tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db

ATTEMPTS = "/api/v1/attempts/"


@pytest.fixture
def answered(course, student, other_student):
    """Sam and Olga answered once each in the arithmetic course; a learner imported from a log, once."""
    for user, key in ((student, "sam-1"), (other_student, "olga-1")):
        enroll(learner_for(user), course)
        assert answer_via_api(client_for(user), "count-1", 3, key=key).status_code == 201
    imported = Learner.objects.create(external_id="arithmetic:7")
    AttemptFactory(learner=imported, exercise=course.exercises.get(key="add-1"))


def learners_of(user, learner: str) -> list[str]:
    response = client_for(user).get(ATTEMPTS, {"learner": learner})
    assert response.status_code == 200
    return [attempt["learner"] for attempt in response.json()["results"]]


def test_a_teacher_gets_one_learners_attempts_in_the_course_they_teach(answered, teacher):
    assert learners_of(teacher, "olga") == ["olga"]
    assert learners_of(teacher, "sam") == ["sam"]
    assert learners_of(teacher, "nobody-here") == []


def test_an_imported_learner_is_found_by_the_name_the_list_gives_or_their_external_id(answered, teacher):
    assert learners_of(teacher, "imported:arithmetic:7") == ["imported:arithmetic:7"]
    assert learners_of(teacher, "arithmetic:7") == ["imported:arithmetic:7"]


def test_the_filter_finds_nothing_the_list_would_not_show(answered, student, other_teacher):
    assert learners_of(student, "olga") == []
    assert learners_of(student, "sam") == ["sam"]
    assert learners_of(other_teacher, "olga") == []
