"""python manage.py import_attempts FILE.csv --course SLUG [--skill-names FILE.tsv]."""

import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learners.imports import import_attempt_log
from metamodel.ml.data import AttemptLogError, read_attempt_log


def read_skill_names(path: Path) -> dict[str, str]:
    """A two-column TSV with a header (skill id, name), as shipped beside the shared data sets."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    names = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise CommandError(f"{path}, line {line}: expected 2 tab-separated fields, got {len(row)}")
        names[row[0]] = row[1]
    return names


class Command(BaseCommand):
    help = (
        "Import a historical attempt log (CSV: learner,exercise,skills,correct,timestamp) into a course. "
        "A malformed row stops the import with its line number; nothing of the file is stored then."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--course", required=True, help="Slug of the course (created when missing).")
        parser.add_argument("--skill-names", type=Path, help="TSV of skill id and name (optional).")

    def handle(
        self, *args: object, file: Path, course: str, skill_names: Path | None, **options: object
    ) -> None:
        started = time.perf_counter()
        try:
            records = read_attempt_log(file)
        except AttemptLogError as error:
            raise CommandError(f"{error}. Nothing was imported.") from error
        except OSError as error:
            raise CommandError(f"{file}: cannot read: {error}") from error
        names = read_skill_names(skill_names) if skill_names else {}
        summary = import_attempt_log(records, course, names)
        self.stdout.write(
            f"Imported {summary.attempts} attempts ({summary.skipped} already present) of "
            f"{summary.learners} learners on {summary.exercises} exercises and {summary.skills} skills "
            f"into '{summary.course.slug}' in {time.perf_counter() - started:.1f} s"
        )
