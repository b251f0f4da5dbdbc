"""python manage.py simulate --course SLUG --learners N --steps T --policy P --seed S [--setting NAME] ..."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from courses.models import Course
from learners.models import Learner
from metamodel.management.commands.simulate_histories import course_specs
from metamodel.simulation import SETTINGS
from metamodel.teaching import (
    POLICIES,
    ApiError,
    format_table,
    run_adaptive,
    run_baseline,
    run_via_api,
    sim_learner_ids,
    summarise,
)


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Teach simulated learners a course with one policy and report, with 95 % intervals, true mastery "
        "after T steps, steps to master the whole course and learning per step (metamodel.teaching). "
        "'adaptive' is the platform itself: its simulated learners are real learners (sim-run:<seed>:<n>) "
        "whose attempts and recommendations are written to the database inside a transaction that is "
        "rolled back at the end, unless --keep."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", required=True, help="The course's slug.")
        parser.add_argument("--learners", type=positive, default=30, help="Simulated learners (≥ 1).")
        parser.add_argument("--steps", type=positive, default=60, help="Exercises each one answers (≥ 1).")
        parser.add_argument("--policy", choices=POLICIES, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--setting", choices=sorted(SETTINGS), default="default")
        parser.add_argument(
            "--via-api",
            metavar="URL",
            help="adaptive only: practise through the REST API of the platform at URL (e.g. "
            "http://127.0.0.1:8000), registering one account per simulated learner; the course's answers "
            "are read from this database.",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="adaptive only: keep the simulated learners, their attempts and recommendations.",
        )
        parser.add_argument("--json", metavar="OUT", help="Also write the report as JSON to OUT.")

    def handle(self, *args: object, **options) -> None:
        slug, policy, seed = options["course"], options["policy"], options["seed"]
        learners, steps, setting = options["learners"], options["steps"], options["setting"]
        if policy != "adaptive" and (options["via_api"] or options["keep"]):
            raise CommandError("--via-api and --keep apply to --policy adaptive only.")
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise CommandError(f"No course '{slug}'.")
        skills, exercises = course_specs(course)
        if not exercises:
            raise CommandError(f"Course '{slug}' has no practisable exercise to simulate.")
        settings = SETTINGS[setting]
        if policy != "adaptive":
            outcomes = run_baseline(policy, skills, exercises, settings, learners, steps, seed)
        elif options["via_api"]:
            self.stdout.write(f"Registering {learners} simulated students at {options['via_api']}.")
            try:
                outcomes = run_via_api(options["via_api"], course, skills, settings, learners, steps, seed)
            except (ApiError, OSError) as error:
                raise CommandError(f"The API at {options['via_api']} failed: {error}") from error
        else:
            if Learner.objects.filter(external_id__in=sim_learner_ids(seed, learners)).exists():
                raise CommandError(
                    f"Simulated learners sim-run:{seed}:* are already stored; use another seed."
                )
            kept = "kept" if options["keep"] else "rolled back at the end"
            self.stdout.write(
                f"Writing {learners} simulated learners (sim-run:{seed}:0..{learners - 1}) to the database; "
                f"{kept}."
            )
            with transaction.atomic():
                outcomes = run_adaptive(course, skills, settings, learners, steps, seed)
                transaction.set_rollback(not options["keep"])
        report = summarise(
            outcomes, course=slug, setting=setting, policy=policy, steps=steps, seed=seed, skills=len(skills)
        )
        self.stdout.write(format_table([report]))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(report.as_dict(), indent=2) + "\n")
            self.stdout.write(f"Report written to {options['json']}.")
