"""``manage.py evaluate``: measure a model on an attempt-log file; the work is in metamodel.ml.evaluation."""

import shlex
import sys

from django.core.management.base import BaseCommand, CommandError

from metamodel.ml.data import AttemptLogError
from metamodel.ml.evaluation import MODELS, PROTOCOLS, run_evaluation
from metamodel.ml.model import NonFiniteLossError


class Command(BaseCommand):
    help = "Evaluate the meta-learned model or a baseline on an attempt-log CSV (split or replay protocol)."

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="attempt-log CSV to evaluate on")
        parser.add_argument("--fold", type=int, default=0, help="test fold of the learner split (0-4)")
        parser.add_argument("--pretrain", nargs="*", default=[], help="attempt-log CSVs to train on, whole")
        parser.add_argument("--protocol", choices=PROTOCOLS, default="split")
        parser.add_argument("--model", choices=MODELS, default="meta")
        parser.add_argument(
            "--exercise-text",
            help="TSV of exercise texts (header 'exercise<TAB>...'), a start for exercises never tried",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--predictions", required=True, help="where to write the predictions CSV")
        parser.add_argument("--report", required=True, help="where to write the report JSON")

    def handle(self, *args, **options):
        try:
            report = run_evaluation(
                data=options["data"],
                predictions=options["predictions"],
                report=options["report"],
                fold=options["fold"],
                pretrain=options["pretrain"],
                protocol=options["protocol"],
                model=options["model"],
                seed=options["seed"],
                exercise_texts=options["exercise_text"],
                command=shlex.join(["python", "manage.py", *sys.argv[1:]]),
                log=lambda message: self.stderr.write(message),
            )
        except (AttemptLogError, ValueError, OSError, NonFiniteLossError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"AUC {figure(report['auc'])}  positions 1-10 {figure(report['auc_positions_1_10'])}  "
            f"ECE {figure(report['ece'])}  ({report['n']} predictions)"
        )


def figure(value: float | None) -> str:
    """A figure of the report, or "undefined" (an AUC over one class, any figure over no predictions)."""
    return "undefined" if value is None else f"{value:.4f}"
