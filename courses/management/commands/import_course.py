"""python manage.py import_course FILE [--teacher USERNAME] [--dry-run]: create or update a course from its
document, and say what changed."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.documents import CourseDocumentError, parse_course_bytes
from courses.services import import_course


class Command(BaseCommand):
    help = (
        "Import a course document (JSON or YAML) and report what changed, key by key. All or nothing; every "
        "problem is reported with its path and line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--teacher", help="Username of a teacher (a staff account) to add to the course.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the document and report what would change; change nothing.",
        )

    def handle(
        self, *args: object, file: Path, teacher: str | None, dry_run: bool, **options: object
    ) -> None:
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
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: cannot read: {error}") from error
        try:
            summary = import_course(parse_course_bytes(data, file.name), teacher=user, dry_run=dry_run)
        except CourseDocumentError as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(
                f"{file}: nothing imported, {len(error.problems)} problem(s):\n{problems}"
            ) from error
        for line in summary.lines():
            self.stdout.write(line)
        for warning in summary.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}."))
        if not summary.has_teacher:
            seen = "it is published: students see it in the catalogue" if summary.published else "unpublished"
            self.stdout.write(
                self.style.WARNING(
                    f"Warning: course '{summary.course.slug}' has no teacher, so only superusers can manage "
                    f"it in the admin ({seen}). Import it again with --teacher USERNAME, or have a superuser "
                    "add one in the admin: the course's Teachers field."
                )
            )
        if dry_run:
            self.stdout.write("dry run: nothing was changed")
