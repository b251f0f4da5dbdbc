"""python manage.py import_course FILE [--teacher USERNAME] [--dry-run]: create or update a course from its
document, and say what changed."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.documents import CourseDocumentError, parse_course_bytes
from courses.services import ImportSummary, import_course


def report(summary: ImportSummary) -> list[str]:
    """The summary as lines for a person: what was created, changed, deactivated, kept, key by key."""
    if summary.dry_run:
        verb = "Would create" if summary.created else "Would update"
    else:
        verb = "Created" if summary.created else "Updated"
    lines = [
        f"{verb} course '{summary.course.slug}' ({'' if summary.published else 'not '}published): "
        f"{summary.skills} skills, {summary.exercises} exercises"
    ]
    rows = [
        ("skills created", summary.skills_created),
        ("skills updated", summary.skills_updated),
        ("exercises created", summary.exercises_created),
        ("exercises updated", summary.exercises_updated),
        ("answer changed (attempts keep the result they were given)", summary.answers_changed),
        ("deactivated (not in the document; attempts are kept)", summary.exercises_deactivated),
        (
            "reactivated (they had been deactivated, in the admin or by an earlier import)",
            summary.exercises_reactivated,
        ),
        ("skills not in the document, kept", summary.skills_not_in_document),
        ("skills not in the document, deleted (nothing referred to them)", summary.skills_deleted),
    ]
    lines += [f"  {label}: {', '.join(str(item) for item in items)}" for label, items in rows if items]
    return lines


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
        for line in report(summary):
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
