"""The engine keeps each course's graph between choices, and reads it again after any change to it.

Every way the platform writes a course's skills, prerequisites, exercises or their links must be seen by
the next choice: an exercise deactivated a moment ago must never be given, a prerequisite added must gate.
"""

import pytest

from conftest import arithmetic_document
from courses.models import Course, Exercise, Skill
from courses.services import import_course
from learners.imports import import_attempt_log
from metamodel.histories import course_graph
from metamodel.ml.data import AttemptRecord

pytestmark = pytest.mark.django_db


def names(graph) -> set[str]:
    return {skill.name for skill in graph.skills}


def practisable(graph) -> set[str]:
    return set(graph.keys.values())


def prerequisites_of(graph, name: str) -> set[str]:
    ids = {skill.id: skill for skill in graph.skills}
    node = next(skill for skill in graph.skills if skill.name == name)
    return {ids[pk].name for pk in node.prerequisite_ids}


def test_a_graph_read_before_costs_one_query_and_is_the_same(course, django_assert_num_queries):
    first = course_graph(course)
    with django_assert_num_queries(1):
        again = course_graph(course)
    assert again.skills is first.skills and again.exercises is first.exercises


def test_the_course_itself_is_the_callers_so_its_own_fields_are_never_stale(course):
    course_graph(course)
    fresh = Course.objects.get(pk=course.pk)
    fresh.target_success_low, fresh.target_success_high = 0.5, 0.7
    fresh.save()
    assert course_graph(fresh).course is fresh

    fresh.slug = "sums"
    fresh.save()  # the model's keys are namespaced by the slug
    graph = course_graph(fresh)
    assert {c.exercise for c in graph.candidates} == {f"sums/{key}" for key in practisable(graph)}
    assert all(key.startswith("sums/") for c in graph.candidates for key in c.skills)


def rename_skill(course):
    skill = course.skills.get(key="counting")
    skill.name = "Counting on"
    skill.save()


def add_prerequisite(course):
    course.skills.get(key="multiplication").prerequisites.add(course.skills.get(key="counting"))


def remove_prerequisite(course):
    course.skills.get(key="addition").prerequisites.clear()


def unlink_exercise_from_skill(course):
    course.skills.get(key="counting").exercises.remove(course.exercises.get(key="count-1"))


def deactivate_in_bulk(course):
    # The admin's "Deactivate the selected exercises" action.
    Exercise.objects.filter(course=course, key="count-1").update(active=False)


def deactivate_one(course):
    exercise = course.exercises.get(key="count-1")
    exercise.active = False
    exercise.save()


def delete_exercise(course):
    course.exercises.get(key="count-1").delete()


def create_exercise(course):
    exercise = Exercise.objects.create(course=course, key="count-9", type="numeric", prompt="1 + 0", answer=1)
    exercise.skills.add(course.skills.get(key="counting"))


def create_skills_in_bulk(course):
    Skill.objects.bulk_create([Skill(course=course, key="division", name="Division")])


def reimport_without_a_prerequisite(course):
    document = arithmetic_document()
    document["skills"][2]["prerequisites"] = []
    document["exercises"] = [e for e in document["exercises"] if e["key"] != "count-1"]
    import_course(document)


@pytest.mark.parametrize(
    ("change", "seen"),
    [
        (rename_skill, lambda g: "Counting on" in names(g) and "Counting" not in names(g)),
        (add_prerequisite, lambda g: prerequisites_of(g, "Multiplication") == {"Addition", "Counting"}),
        (remove_prerequisite, lambda g: prerequisites_of(g, "Addition") == set()),
        (
            unlink_exercise_from_skill,
            lambda g: g.skill_ids.get(next(pk for pk, key in g.keys.items() if key == "count-1"), ()) == (),
        ),
        (deactivate_in_bulk, lambda g: "count-1" not in practisable(g)),
        (deactivate_one, lambda g: "count-1" not in practisable(g)),
        (delete_exercise, lambda g: "count-1" not in practisable(g)),
        (create_exercise, lambda g: "count-9" in practisable(g)),
        (create_skills_in_bulk, lambda g: "Division" in names(g)),
        (
            reimport_without_a_prerequisite,
            lambda g: prerequisites_of(g, "Multiplication") == set() and "count-1" not in practisable(g),
        ),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_every_change_to_the_graph_is_read_by_the_next_choice(course, change, seen):
    before = course_graph(course)
    assert not seen(before)
    change(course)
    assert seen(course_graph(Course.objects.get(pk=course.pk)))


def test_an_imported_log_links_its_exercises_to_their_skills_for_the_engine():
    records = [AttemptRecord("ada", "e1", ("s1",), 1, 1, 1)]
    course = import_attempt_log(records, "log-course").course
    assert course_graph(course).skill_keys  # read once: e1 with s1
    import_attempt_log([*records, AttemptRecord("ada", "e2", ("s1", "s2"), 0, 2, 2)], "log-course")
    graph = course_graph(Course.objects.get(pk=course.pk))
    assert sorted(graph.skill_keys.values()) == [("log-course/s1",), ("log-course/s1", "log-course/s2")]
