"""python manage.py train [--seed N] [--queue]: meta-train the shared model on every course's attempts."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from metamodel.models import TrainingRun
from metamodel.training import run_training, start_training_run


class Command(BaseCommand):
    help = (
        "Meta-train the shared model on the attempts of all courses, then promote the candidate if it "
        "beats the active version on held-out learners. Runs here, or on the training queue with --queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--queue", action="store_true", help="Hand the run to a training worker.")

    def handle(self, *args: object, seed: int, queue: bool, **options: object) -> None:
        if queue:
            with transaction.atomic():
                run = start_training_run(trigger="manual", seed=seed)
            self.stdout.write(f"Queued training run {run.pk}.")
            return
        run = TrainingRun.objects.create(trigger="manual", seed=seed)
        run_training(run.pk)
        run.refresh_from_db()
        if run.status == TrainingRun.Status.FAILED:
            raise CommandError(f"Training run {run.pk} {run.result}")
        metrics = run.model_version.metrics
        auc, ece = metrics.get("auc", float("nan")), metrics.get("ece", float("nan"))
        self.stdout.write(
            f"Training run {run.pk} on {run.attempts_used} attempts: {run.result}. "
            f"Validation AUC {auc:.3f}, ECE {ece:.3f}."
        )
