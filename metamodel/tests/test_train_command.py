"""`manage.py train`: what it prints is what became of the run, and an expected failure is one line."""

import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from metamodel.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db


def train(*args: str) -> str:
    out = io.StringIO()
    call_command("train", *args, stdout=out)
    return out.getvalue().strip()


def simulate(learners: int, steps: int) -> None:
    call_command(
        "simulate_histories", "--course", "arithmetic", "--learners", str(learners), "--steps", str(steps)
    )


def test_train_prints_the_version_it_made_and_whether_it_was_promoted(course):
    simulate(40, 30)
    first = train()
    version = ModelVersion.objects.get()
    auc, ece = version.metrics["auc"], version.metrics["ece"]
    assert first == (
        f"Training run {version.training_run_id} on 1200 attempts: promoted: no active version yet. "
        f"Model version {version.pk} (active). Validation AUC {auc:.3f}, ECE {ece:.3f}."
    )
    second = train()
    rejected = ModelVersion.objects.get(status=ModelVersion.Status.REJECTED)
    assert f": rejected: auc {auc:.4f} vs active {auc:.4f} on the same held-out learners" in second
    assert f"Model version {rejected.pk} (rejected)." in second


def test_on_a_handful_of_attempts_train_says_the_figures_are_undefined(course, caplog):
    caplog.set_level(logging.INFO, logger="metamodel.training")
    simulate(1, 6)
    printed = train()
    assert ": rejected: too little held-out evidence: 0 answers of 0 learners" in printed
    assert printed.endswith("(rejected). Validation AUC undefined, ECE undefined.")
    epochs = [r.getMessage() for r in caplog.records if r.getMessage().startswith("epoch ")]
    assert epochs and all("validation n/a (none held out)" in line for line in epochs)


def test_expected_failures_are_one_line_errors_without_a_traceback(course, caplog):
    with pytest.raises(CommandError, match=r"^Training run \d+ failed: there are no attempts to train on$"):
        train()
    assert not [r for r in caplog.records if r.exc_info]
    with pytest.raises(CommandError, match="argument --seed: '-1' is not a whole number from 0 to"):
        train("--seed", "-1")
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_train_queue_where_tasks_run_in_process_tells_how_the_run_ended(course):
    """Without a broker (the embedded default) the queued run has ended when the command prints."""
    simulate(40, 30)
    printed = train("--queue")
    run = TrainingRun.objects.get()
    assert printed.startswith(f"Training run {run.pk} on 1200 attempts: promoted: no active version yet.")
