"""The course pages of the teacher dashboard cost as many queries with 30 rows (or choices) as with 5."""

import pytest

from conftest import queries_for
from courses.models import Override
from courses.tests.factories import ExerciseFactory, SkillFactory
from metamodel.models import TrainingRun

pytestmark = pytest.mark.django_db


def add_skills_and_exercises(course, count: int) -> None:
    for _ in range(count):
        skill = SkillFactory(course=course, key=f"extra-{SkillFactory._meta.next_sequence()}")
        ExerciseFactory(course=course, skills=[skill])


def test_the_override_forms_skill_and_exercise_choices_cost_as_many_queries_for_30_as_for_5(
    dashboard, course
):
    add_skills_and_exercises(course, 5)
    few, form = queries_for(dashboard, "/admin/courses/override/add/")
    assert form.count("] (arithmetic)</option>") == 3 + 5  # each skill named with its course
    add_skills_and_exercises(course, 25)
    many, form = queries_for(dashboard, "/admin/courses/override/add/")
    assert form.count("] (arithmetic)</option>") == 3 + 30
    assert form.count('<option value="', form.index('name="exercise"')) >= 6 + 30
    assert many == few


def add_overrides(course, teacher, count: int) -> None:
    """``count`` overrides for the whole course: every other one excludes add-1, the others pin addition."""
    exercise, skill = course.exercises.get(key="add-1"), course.skills.get(key="addition")
    Override.objects.bulk_create(
        Override(
            course=course, kind="exclude_exercise", exercise=exercise, reason="too easy", created_by=teacher
        )
        if n % 2 == 0
        else Override(course=course, kind="pin_skill", skill=skill, reason="practice", created_by=teacher)
        for n in range(count)
    )


def test_the_override_list_costs_as_many_queries_with_30_rows_as_with_6(dashboard, course, teacher):
    add_overrides(course, teacher, 6)
    few, page = queries_for(dashboard, "/admin/courses/override/")
    assert page.count("arithmetic/add-1") == 3 and page.count("Addition [addition] (arithmetic)") == 3
    add_overrides(course, teacher, 24)
    many, page = queries_for(dashboard, "/admin/courses/override/")
    assert page.count("arithmetic/add-1") == 15 and page.count("Addition [addition] (arithmetic)") == 15
    assert many == few


def test_the_training_run_list_costs_as_many_queries_with_30_rows_as_with_5(dashboard, teacher):
    runs = [TrainingRun(requested_by=teacher, status=TrainingRun.Status.FAILED) for _ in range(30)]
    TrainingRun.objects.bulk_create(runs[:5])
    few, page = queries_for(dashboard, "/admin/metamodel/trainingrun/")
    assert page.count('<td class="field-requested_by nowrap">tess</td>') == 5
    TrainingRun.objects.bulk_create(runs[5:])
    many, page = queries_for(dashboard, "/admin/metamodel/trainingrun/")
    assert page.count('<td class="field-requested_by nowrap">tess</td>') == 30
    assert many == few
