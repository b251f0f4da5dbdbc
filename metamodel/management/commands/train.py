"""python manage.py train [--seed N] [--queue]: meta-train the shared model on every course's attempts."""

import argparse
import signal
import threading
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metamodel.models import TrainingRun
from metamodel.training import (
    BrokerUnreachable,
    RunInProgress,
    new_run,
    run_training,
    start_training_run,
    stop_runs,
)


def seed(value: str) -> int:
    """A run's seed: a whole number from 0 (the field is unsigned)."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 0 to {2**31 - 1}")
    return number


class Stopped(KeyboardInterrupt):
    """The command was told to stop (SIGTERM), as Ctrl-C tells it."""


def _stop(signum: int, frame: object) -> None:
    raise Stopped


@contextmanager
def stopped_on_sigterm():
    """Turn SIGTERM (kill, a container stopped) into KeyboardInterrupt while the run trains here."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def figure(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = (
        "Meta-train the shared model on the attempts of all courses, then promote the candidate if it "
        "beats the active version on held-out learners. Runs here, or on the training queue with --queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=seed, default=0)
        parser.add_argument("--queue", action="store_true", help="Hand the run to a training worker.")

    def handle(self, *args: object, seed: int, queue: bool, **options: object) -> None:
        try:
            run = start_training_run(trigger="manual", seed=seed) if queue else new_run("manual", seed=seed)
        except (RunInProgress, BrokerUnreachable) as refused:
            raise CommandError(str(refused)) from None
        if queue and run.status == TrainingRun.Status.QUEUED:
            self.stdout.write(f"Queued training run {run.pk}; a training worker will run it.")
            return
        if not queue:
            try:
                with stopped_on_sigterm():
                    run_training(run.pk)
            except KeyboardInterrupt as interrupt:
                # Else the run stays "running" and refuses every start until the sweep fails it (never,
                # where tasks run in-process).
                how = "SIGTERM" if isinstance(interrupt, Stopped) else "Ctrl-C"
                stop_runs(TrainingRun.objects.filter(pk=run.pk), f"stopped ({how}) before it ended")
                raise CommandError(
                    f"Training run {run.pk} failed: stopped ({how}) before it ended."
                ) from None
            run.refresh_from_db()
        if run.status == TrainingRun.Status.FAILED:
            raise CommandError(f"Training run {run.pk} {run.result}")
        summary = f"Training run {run.pk} on {run.attempts_used} attempts: {run.result}."
        version = getattr(run, "model_version", None)
        if version is not None:
            metrics = version.metrics
            summary += (
                f" Model version {version.pk} ({version.status}). "
                f"Validation AUC {figure(metrics.get('auc'))}, ECE {figure(metrics.get('ece'))}."
            )
        self.stdout.write(summary)
