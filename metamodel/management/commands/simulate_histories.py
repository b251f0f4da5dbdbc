"""python manage.py simulate_histories --course SLUG [--learners N] [--steps T] [--seed S] [--setting S]."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Course
from learners.imports import import_attempt_log
from learners.models import Attempt, Learner
from learners.progress import rebuild_skill_progress
from metamodel.simulation import SETTINGS, ExerciseSpec, SkillSpec, simulate_histories


def course_specs(course: Course) -> tuple[list[SkillSpec], list[ExerciseSpec]]:
    """The course's skill graph and practisable exercises as the simulator's plain data."""
    skills = [
        SkillSpec(skill.key, tuple(sorted(p.key for p in skill.prerequisites.all())))
        for skill in course.skills.prefetch_related("prerequisites").order_by("id")
    ]
    exercises = [
        ExerciseSpec(e.key, tuple(sorted(s.key for s in e.skills.all())), e.difficulty)
        for e in course.exercises.practisable().prefetch_related("skills").order_by("id")
    ]
    return skills, exercises


class Command(BaseCommand):
    help = (
        "Store attempt histories of simulated learners (metamodel.simulation) in a course, so the model "
        "has something to learn from before real learners arrive. Running it again with the same seed "
        "adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", required=True)
        parser.add_argument("--learners", type=int, default=60)
        parser.add_argument("--steps", type=int, default=60)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--setting", choices=sorted(SETTINGS), default="default")

    def handle(
        self, *args: object, course: str, learners: int, steps: int, seed: int, setting: str, **_
    ) -> None:
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"No course '{course}'.")
        skills, exercises = course_specs(found)
        if not exercises:
            raise CommandError(f"Course '{course}' has no practisable exercise to simulate.")
        records = simulate_histories(
            skills, exercises, learners, steps, seed=seed, settings=SETTINGS[setting]
        )
        summary = import_attempt_log(records, course, source=Attempt.Source.SIMULATION)
        if (
            summary.attempts
        ):  # their progress, as after a real learner's answers: the class mastery counts them
            simulated = Learner.objects.filter(external_id__in={f"{course}:{r.learner}" for r in records})
            for learner_id in simulated.values_list("pk", flat=True):
                rebuild_skill_progress(learner_id, found.pk)
        self.stdout.write(
            f"Simulated {learners} learners in '{course}': {summary.attempts} attempts stored "
            f"({summary.skipped} already present)."
        )
