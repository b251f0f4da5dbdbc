"""The model in real worker processes: training on the training queue, adaptation on the default one."""

import pytest
from django.utils import timezone

from conftest import train_on_simulated_learners, wait_for
from courses.tests.factories import UserFactory
from learners.services import enroll, learner_for
from learners.tests.factories import AttemptFactory
from metamodel.histories import course_graph, learner_history
from metamodel.models import LearnerState, ModelVersion, TrainingRun
from metamodel.services import HISTORY_LIMIT, predict_exercises, serving_state
from metamodel.tasks import adapt_learner
from metamodel.training import active_version, start_training_run

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def predictions(learner, course) -> dict[int, float]:
    graph = course_graph(course)
    history = learner_history(learner.pk, graph, HISTORY_LIMIT)
    version, stored = serving_state(learner.pk, course)
    return predict_exercises(learner.pk, graph, history, version, stored, timezone.now())


def finished_run(run: TrainingRun) -> TrainingRun:
    return wait_for(
        lambda: TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.SUCCEEDED).first(),
        seconds=180,
    )


def test_queued_training_runs_are_promoted_or_rejected_by_the_training_worker(start_worker, course):
    from django.core.management import call_command

    call_command("simulate_histories", "--course", "arithmetic", "--learners", "40", "--steps", "30")
    worker = start_worker("training")
    first = finished_run(start_training_run("api"))
    assert first.result == "promoted: no active version yet"
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE).training_run_id == first.pk
    # The same data and seed give the same weights, so the second candidate cannot beat the first on the
    # same held-out learners: it is rejected with the figures, and the first stays active.
    second = finished_run(start_training_run("api"))
    assert second.result.startswith("rejected: auc ") and "on the same held-out learners" in second.result
    assert ModelVersion.objects.get(training_run=second).status == ModelVersion.Status.REJECTED
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE).training_run_id == first.pk
    assert worker.poll() is None


def test_attempts_are_adapted_to_by_the_worker_and_change_the_predictions(start_worker, course, student):
    train_on_simulated_learners()
    version = active_version()
    learners = {True: learner_for(student), False: learner_for(UserFactory())}
    for learner in learners.values():
        enroll(learner, course)
    before = predictions(learners[True], course)  # the meta-learned initialisation, stored
    start_worker("default")
    # Attempts that arrive without asking for a next exercise (so nothing adapts inline), then the task
    # that recording an attempt enqueues: one learner answers addition and multiplication right, the other
    # wrong.
    after = {}
    for correct, learner in learners.items():
        for key in ["add-1", "add-2", "mul-1"]:
            last = AttemptFactory(learner=learner, exercise=course.exercises.get(key=key), correct=correct)
        adapt_learner.delay(learner.pk, course.pk)
        adapted = LearnerState.objects.filter(learner=learner, last_attempt_id=last.pk)
        state = wait_for(adapted.first)
        assert state.model_version_id == version.pk and state.attempts_seen == 3
        after[correct] = predictions(learner, course)
    addition = course.exercises.get(key="add-1").pk
    assert after[True] != before and after[False] != before
    # The model now expects much more at addition of the learner who answered right. (Not "less than
    # before" for the other: simulated learners learn from every attempt, wrong ones too, so after a few
    # wrong answers the chance of a right one can rise, and a well-fitted model says so.)
    assert after[True][addition] > after[False][addition] + 0.2
