"""python manage.py export_course SLUG [--format yaml|json] [--output FILE]: the course as a document."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Course
from courses.services import course_document_text


class Command(BaseCommand):
    help = "Export a course as a course document that import_course reads back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--output", type=Path, help="Write to this file instead of standard output.")

    def handle(self, *args: object, slug: str, format: str, output: Path | None, **options: object) -> None:
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise CommandError(f"No course '{slug}'.")
        text = course_document_text(course, format)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
