"""python manage.py setup_demo: the demo courses, a demo teacher and a demo student, and a trained model."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from courses.documents import parse_course_text
from courses.services import import_course
from courses.teachers import make_teacher
from learners.services import learner_for
from metamodel.ml.artifact import ArtifactError
from metamodel.training import active_version, load_version

DEMO_DIR = Path(settings.BASE_DIR) / "courses" / "demo"
# Well-known credentials for the embedded demo only; a deployment creates its own accounts.
DEMO_TEACHER = ("teacher", "demo-teacher-2026")
DEMO_STUDENT = ("student", "demo-student-2026")


def usable_active_version() -> bool:
    """An active version whose artifact this code can load (an upgrade may change the format)."""
    version = active_version()
    if version is None:
        return False
    try:
        load_version(version)
    except ArtifactError:
        return False
    return True


class Command(BaseCommand):
    @staticmethod
    def demo_user(username: str, password: str):
        """The demo account, its password reset to the printed one so the printed credentials hold; a new
        one has an address at example.org (a reset link asked for it is printed by the embedded server)."""
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        user.set_password(password)
        user.save()
        return user

    help = (
        "Load (or refresh) the demo courses, create the demo teacher and student, store simulated learners' "
        "histories and, unless a usable model version is active, meta-train one on them. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-model", action="store_true", help="Skip the histories and the training.")

    def handle(self, *args: object, no_model: bool, **options: object) -> None:
        teacher = self.demo_user(*DEMO_TEACHER)
        make_teacher(teacher)
        learner_for(self.demo_user(*DEMO_STUDENT))
        for path in sorted(DEMO_DIR.glob("*.yaml")):
            summary = import_course(
                parse_course_text(path.read_text(encoding="utf-8"), path.name), teacher=teacher
            )
            self.stdout.write(
                f"Course '{summary.course.slug}': {summary.skills} skills, {summary.exercises} exercises"
            )
        if not no_model:
            for path in sorted(DEMO_DIR.glob("*.yaml")):
                call_command("simulate_histories", "--course", path.stem, stdout=self.stdout)
            if not usable_active_version():
                self.stdout.write("Meta-training a model on the demo histories ...")
                call_command("train", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo teacher: {DEMO_TEACHER[0]} / {DEMO_TEACHER[1]} (admin at /admin/)\n"
                f"Demo student: {DEMO_STUDENT[0]} / {DEMO_STUDENT[1]}"
            )
        )
