"""A skill that exercises practise, or that other skills need, is not deleted: the teacher is told what
depends on it, by key, on the delete page and by the bulk delete action alike."""

import re

import pytest

from courses.admin import EXERCISES_NAMED
from courses.models import Exercise, Skill
from courses.tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/courses/skill/"


@pytest.fixture
def client(teacher_client):
    return teacher_client


def listed(page) -> list[str]:
    """The items the page lists, as a teacher reads them (links as their text)."""
    items = re.findall(r"<li>(.*?)</li>", page.content.decode())
    return [re.sub(r"<[^>]+>", "", item) for item in items if "practis" in item or "prerequisite" in item]


def test_the_delete_page_lists_what_depends_on_the_skill_and_offers_no_confirmation(client, course):
    addition = course.skills.get(key="addition")
    page = client.get(f"{CHANGELIST}{addition.pk}/delete/")
    assert page.status_code == 200
    assert "cannot be deleted while these depend on it" in page.content.decode()
    assert listed(page) == [
        "Exercise add-1 practises the skill addition",
        "Exercise add-2 practises the skill addition",
        "Exercise mul-1 practises the skill addition",
        "Skill multiplication needs the skill addition as a prerequisite",
    ]
    assert 'name="post"' not in page.content.decode()  # no confirmation to send
    mul = course.exercises.get(key="mul-1")
    assert f'href="/admin/courses/exercise/{mul.pk}/change/"' in page.content.decode()


def test_a_forged_confirmation_deletes_nothing(client, course):
    addition = course.skills.get(key="addition")
    response = client.post(f"{CHANGELIST}{addition.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert Skill.objects.filter(pk=addition.pk).exists()
    assert course.skills.get(key="multiplication").prerequisites.get() == addition


def test_the_bulk_delete_action_refuses_as_well(client, course):
    selected = [course.skills.get(key=key).pk for key in ("addition", "multiplication")]
    data = {"action": "delete_selected", "_selected_action": selected}
    page = client.post(CHANGELIST, data)
    assert "The selected skills cannot be deleted while these depend on them" in page.content.decode()
    # multiplication, deleted with addition, does not keep addition; its own exercise does
    assert listed(page) == [
        "Exercise add-1 practises the skill addition",
        "Exercise add-2 practises the skill addition",
        "Exercise mul-1 practises the skill addition",
        "Exercise mul-1 practises the skill multiplication",
    ]
    client.post(CHANGELIST, {**data, "post": "yes"})
    assert Skill.objects.filter(pk__in=selected).count() == 2


def test_a_skill_nothing_depends_on_is_deleted(client, course):
    Exercise.objects.filter(skills__key="multiplication").delete()
    multiplication = course.skills.get(key="multiplication")
    page = client.get(f"{CHANGELIST}{multiplication.pk}/delete/")
    assert 'name="post"' in page.content.decode()
    client.post(f"{CHANGELIST}{multiplication.pk}/delete/", {"post": "yes"})
    assert not Skill.objects.filter(pk=multiplication.pk).exists()


def test_a_skill_of_many_exercises_names_some_and_counts_the_rest(client, course):
    counting = course.skills.get(key="counting")
    ExerciseFactory.create_batch(EXERCISES_NAMED + 2, course=course, skills=[counting])
    page = client.get(f"{CHANGELIST}{counting.pk}/delete/")
    exercises = [item for item in listed(page) if item.startswith("Exercise ")]
    assert len(exercises) == EXERCISES_NAMED
    assert "… and 5 more exercises practising the skill counting" in listed(page)
