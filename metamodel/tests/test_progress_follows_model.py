"""The progress pages show mastery as the engine judges it: when a model is promoted or activated, every
enrolled learner's progress is rebuilt with it, instead of keeping what an earlier model (or none) said."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import answer_via_api, right_answer, train_on_simulated_learners
from learners.models import Attempt, SkillProgress
from learners.progress import rebuild_skill_progress
from learners.services import enroll, learner_for, record_attempt
from metamodel.histories import course_graph
from metamodel.models import TrainingRun
from metamodel.services import mastered_skills, reset_since
from metamodel.training import activate_version, run_training

pytestmark = pytest.mark.django_db


def engine_view(learner, course) -> set[int]:
    return mastered_skills(learner, course_graph(course), reset_since(learner, course))


def shown(learner) -> set[int]:
    rows = SkillProgress.objects.filter(learner=learner, mastered=True)
    return set(rows.values_list("skill_id", flat=True))


def make_stale(learner, course) -> None:
    """The progress rows say the opposite of what the engine, with the active model, now judges."""
    judged = engine_view(learner, course)
    for row in SkillProgress.objects.filter(learner=learner):
        row.mastered = row.skill_id not in judged
        row.save(update_fields=["mastered"])


def test_a_promoted_or_activated_model_rebuilds_the_progress_pages(
    course, student, api, django_capture_on_commit_callbacks
):
    learner = learner_for(student)
    enroll(learner, course)
    for n, key in enumerate(["count-1", "count-2", "count-3", "add-1"]):
        with django_capture_on_commit_callbacks(execute=True):
            assert answer_via_api(api, key, right_answer(course, key), f"k{n}").status_code == 201

    with django_capture_on_commit_callbacks() as promoted:
        first = train_on_simulated_learners().model_version  # promoted: no active version yet
    make_stale(learner, course)
    for callback in promoted:
        callback()
    assert shown(learner) == engine_view(learner, course)

    second = run_training(TrainingRun.objects.create(trigger="manual", seed=1).pk)
    with django_capture_on_commit_callbacks() as activated:
        activate_version((first if second.status == "active" else second).pk, by="admin")
    make_stale(learner, course)
    for callback in activated:
        callback()
    assert shown(learner) == engine_view(learner, course)


def test_the_mastery_shown_is_the_engines_at_the_latest_answer_whatever_the_time_since(
    course, student, django_capture_on_commit_callbacks
):
    """The engine's own view moves with time alone (forgetting, and reviews that count a faded skill as
    mastered after a day away); the progress pages show it as of the learner's latest answer, the view the
    engine chose their next exercise from, so that a rebuild days later (a model promoted) shows the same."""
    train_on_simulated_learners()
    learner = learner_for(student)
    enroll(learner, course)
    start = timezone.now() - timedelta(days=3)
    keys = ["count-1", "count-2", "count-3", "add-1", "add-2", "mul-1"]
    for n, key in enumerate(keys):
        with django_capture_on_commit_callbacks(execute=True):
            record_attempt(
                learner, course, key, right_answer(course, key), source=Attempt.Source.API,
                at=start + timedelta(minutes=n),
            )  # fmt: skip
    graph = course_graph(course)
    at_the_answer = mastered_skills(learner, graph, None, now=start + timedelta(minutes=len(keys) - 1))
    # Three days on, the engine takes multiplication, shown by one right answer, as no longer mastered.
    assert mastered_skills(learner, graph, None) < at_the_answer
    assert shown(learner) == at_the_answer
    rebuild_skill_progress(learner.pk, course.pk)  # late, as after a promotion: the same rows
    assert shown(learner) == at_the_answer
