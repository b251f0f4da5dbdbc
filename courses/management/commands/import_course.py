"""python manage.py import_course FILE [--teacher USERNAME]: create or update a course from its document."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.documents import CourseDocumentError, parse_course_text
from courses.services import import_course


class Command(BaseCommand):
    help = "Import a course document (JSON or YAML). All or nothing; every problem is reported with its path."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--teacher", help="Username of a teacher (a staff account) to add to the course.")

    def handle(self, *args: object, file: Path, teacher: str | None, **options: object) -> None:
        user = None
        if teacher:
            user = get_user_model().objects.filter(username=teacher).first()
            if user is None:
                raise CommandError(f"No user '{teacher}'.")
            if not user.is_staff:
                # Teachers are staff accounts: making a student teach a course would give them nothing
                # they could use, and no one should become a teacher as a side effect of an import.
                raise CommandError(
                    f"'{teacher}' is not a teacher (not a staff account); nothing imported. Make them one "
                    "first: in the admin, open their account under Users, tick 'Staff status' and add them "
                    "to the Teachers group."
                )
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: cannot read: {error}") from error
        try:
            summary = import_course(parse_course_text(text, file.name), teacher=user)
        except CourseDocumentError as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(
                f"{file}: nothing imported, {len(error.problems)} problem(s):\n{problems}"
            ) from error
        verb = "Created" if summary.created else "Updated"
        self.stdout.write(
            f"{verb} course '{summary.course.slug}': {summary.skills} skills, {summary.exercises} exercises"
            + (f", {summary.deactivated} deactivated" if summary.deactivated else "")
        )
