"""python manage.py import_accounts ROSTER.csv [--course SLUG ...] [--slips OUT.csv] [--dry-run]: a school's
administrator makes its pupils' student accounts from a roster, hundreds at a time (``learners.rosters``), and
hands out their temporary passwords. All or nothing: every problem is reported with its line, and nothing is
stored.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.template.defaultfilters import pluralize

from learners.rosters import (
    SLIP_COLUMNS,
    RosterLine,
    RosterPlan,
    RosterRefused,
    carry_out,
    plan_roster,
    read_roster,
    slip_rows,
    write_slips,
)


class Command(BaseCommand):
    help = (
        "Make student accounts from a roster (CSV in UTF-8, a header line: username, and optionally email, "
        "first_name, last_name, courses: slugs separated by spaces or semicolons), each new one with a "
        "temporary password its pupil replaces at their first sign-in, and enroll them. Existing student "
        "accounts have their e-mail and names brought up to date. All or nothing: every problem is named by "
        "its line, and nothing is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("roster", type=Path)
        parser.add_argument(
            "--course",
            dest="courses",
            action="append",
            default=[],
            metavar="SLUG",
            help="Enroll every pupil of the roster in this course too (repeatable).",
        )
        parser.add_argument(
            "--slips",
            type=Path,
            metavar="OUT.csv",
            help="Write the new accounts' temporary passwords there (a new file) rather than on the screen.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report; store nothing.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            self.import_roster(**options)
        except RosterRefused as refused:
            raise CommandError(str(refused)) from refused

    def import_roster(
        self, *, roster: Path, courses: list[str], slips: Path | None, dry_run: bool, **options: object
    ) -> None:
        started = time.perf_counter()
        if slips is not None and slips.exists():
            raise CommandError(f"{slips} exists already: the slips go to a new file, never over another.")
        if slips is not None and not slips.parent.is_dir():
            raise CommandError(f"{slips}: the folder {slips.parent} does not exist.")
        lines, problems = read_roster(roster, courses)
        if dry_run:
            self.report(plan_roster(roster, lines, courses, problems), dry_run=True)
            return
        written = False
        try:
            with transaction.atomic():
                plan = plan_roster(roster, lines, courses, problems)
                if plan.new:
                    self.stdout.write(
                        f"Creating {len(plan.new)} account{pluralize(len(plan.new))}: each password takes a "
                        "moment to hash…"
                    )
                made = carry_out(roster, plan)
                if slips is not None and made:
                    write_slips(slips, made)
                    written = True
        except BaseException:
            if written:  # the commit failed: the passwords on the slips are no one's
                slips.unlink()
            raise
        self.report(plan, dry_run=False, seconds=time.perf_counter() - started)
        self.hand_out(made, slips)

    def report(self, plan: RosterPlan, *, dry_run: bool, seconds: float = 0.0) -> None:
        """What the import did, or would do, in numbers, and the accounts whose e-mail or names change."""
        new, changed, enrollments = len(plan.new), len(plan.changed), len(plan.enrollments)
        if dry_run:
            self.stdout.write(
                f"Dry run, nothing stored: would create {new} account{pluralize(new)}, update {changed}, "
                f"leave {plan.unchanged} unchanged, and make {enrollments} "
                f"enrollment{pluralize(enrollments)} ({plan.already_enrolled} already there)."
            )
        else:
            self.stdout.write(
                f"Created {new} account{pluralize(new)}, updated {changed}, left {plan.unchanged} unchanged, "
                f"and made {enrollments} enrollment{pluralize(enrollments)} ({plan.already_enrolled} already "
                f"there), in {seconds:.1f} s."
            )
        for user, line, fields in plan.changed:
            self.stdout.write(f"  {user.get_username()} (line {line.number}): {', '.join(fields)}")

    def hand_out(self, made: list[tuple[RosterLine, str]], slips: Path | None) -> None:
        """The new accounts' temporary passwords, this once: in the slips file, or else on the screen."""
        if not made:
            if slips is not None:
                self.stdout.write(f"No new accounts: {slips} was not written.")
            return
        new = f"the {len(made)} new account{pluralize(len(made))}"
        if slips is not None:
            self.stdout.write(f"The temporary passwords of {new} are in {slips} (readable by you alone).")
        else:
            self.stdout.write(f"The temporary passwords of {new}, shown this once:")
            rows = [list(SLIP_COLUMNS), *slip_rows(made)]
            widths = [max(len(row[column]) for row in rows) for column in range(len(SLIP_COLUMNS))]
            for row in rows:
                self.stdout.write(
                    "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                )
        self.stdout.write(
            "Hand each pupil theirs: they sign in with it (/accounts/login/) and choose their own password."
        )
        if with_email := sum("email" in line.details for line, _ in made):
            self.stdout.write(
                f"{with_email} of them {pluralize(with_email, 'has,have')} an e-mail address: they may "
                "instead choose their password from the sign-in page's “Forgotten your password?” "
                "(/accounts/password-reset/), which e-mails them a link."
            )
