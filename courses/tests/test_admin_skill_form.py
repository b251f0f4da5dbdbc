"""The admin's skill form says what is wrong in words a course author can act on: the cycle a prerequisite
would close, by key as the course document import names it, and which letters a key may have."""

import pytest

from courses.models import Skill

pytestmark = pytest.mark.django_db


def save(admin_client, skill: Skill, **fields):
    data = {"key": skill.key, "name": skill.name, "prerequisites": [], **fields}
    return admin_client.post(f"/admin/courses/skill/{skill.pk}/change/", data)


@pytest.mark.parametrize(
    "prerequisites, cycle",
    [
        (["multiplication"], "counting -> multiplication -> addition -> counting"),
        (["counting"], "counting -> counting"),
    ],
)
def test_a_prerequisite_cycle_is_named_by_key(admin_client, course, prerequisites, cycle):
    counting = course.skills.get(key="counting")
    chosen = [course.skills.get(key=key).pk for key in prerequisites]
    response = save(admin_client, counting, prerequisites=chosen)
    assert response.context["adminform"].form.errors == {
        "prerequisites": [f"These prerequisites would form a cycle: {cycle}."]
    }
    assert not counting.prerequisites.exists()


def test_a_prerequisite_that_closes_no_cycle_is_saved(admin_client, course):
    multiplication = course.skills.get(key="multiplication")
    counting = course.skills.get(key="counting")
    response = save(
        admin_client, multiplication, prerequisites=[course.skills.get(key="addition").pk, counting.pk]
    )
    assert response.status_code == 302
    assert set(multiplication.prerequisites.values_list("key", flat=True)) == {"addition", "counting"}


def test_a_key_of_other_letters_than_ascii_ones_is_refused_saying_so(admin_client, course):
    response = save(admin_client, course.skills.get(key="counting"), key="dénombrement")
    assert response.context["adminform"].form.errors == {
        "key": ["Use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit."]
    }
