"""python manage.py import_attempts FILE.csv --course SLUG [--skill-names FILE.tsv]."""

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import KEY_VALIDATOR, Course
from learners.imports import check_storable, import_attempt_log
from metamodel.ml.data import AttemptLogError, read_attempt_log, read_names


class Command(BaseCommand):
    help = (
        "Import a historical attempt log (CSV: learner,exercise,skills,correct,timestamp) into a course. "
        "A malformed row stops the import with its line number; nothing of the file is stored then. "
        "Ids lose surrounding spaces (' 7' is '7', in the log as in the TSV). Exercise and skill ids "
        f"become keys: {KEY_VALIDATOR.message}"
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
            Course._meta.get_field("slug").clean(course, None)
        except ValidationError as error:
            raise CommandError(f"--course {course!r}: {' '.join(error.messages)}") from error
        try:
            records = read_attempt_log(file)
            check_storable(records, course, str(file))
            names = read_names(skill_names, "skill") if skill_names else {}
        except AttemptLogError as error:
            raise CommandError(f"{error}. Nothing was imported.") from error
        except OSError as error:
            raise CommandError(
                f"{error.filename}: cannot read: {error.strerror}. Nothing was imported."
            ) from error
        summary = import_attempt_log(records, course, names)
        self.stdout.write(
            f"Imported {summary.attempts} attempts ({summary.skipped} already present) of "
            f"{summary.learners} learners on {summary.exercises} exercises and {summary.skills} skills "
            f"into '{summary.course.slug}' in {time.perf_counter() - started:.1f} s"
        )
