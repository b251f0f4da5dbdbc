"""A school's roster of pupils made into student accounts (``manage.py import_accounts``): read and checked
whole, every problem named by its line, then planned and carried out in one transaction.

The roster is CSV in UTF-8 with a header line: ``username`` and, optionally, ``email``, ``first_name``,
``last_name`` and ``courses`` (slugs separated by spaces or semicolons). A username that is no one's
becomes a new account with a temporary password, as a teacher's are made (``learners.classroom``); an
existing student account's has its e-mail and names brought up to date (never its password), so a roster
imported twice changes nothing the second time.
"""

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.template.defaultfilters import pluralize

from courses.models import Course
from learners.classroom import create_student_account, in_other_capitals, new_name_problems
from learners.models import Enrollment, Learner
from learners.services import enroll, learner_for

COLUMNS = ("username", "email", "first_name", "last_name", "courses")
COLUMNS_IN_WORDS = "username (required), email, first_name, last_name and courses"
DETAILS = ("email", "first_name", "last_name")  # what an existing account has brought up to date
SLIP_COLUMNS = ("username", "temporary_password", "first_name", "last_name", "courses")


class RosterRefused(Exception):
    """A roster that makes no account: a file that cannot be read, or its problems each with its line (the
    message); nothing is stored."""


# How the admin's log begins the entry of each account made here. Not learners.classroom's
# MADE_BY_CLASS_ENROLLMENT: these accounts are the school's, which no teacher may delete.
MADE_BY_ROSTER = "Created with a temporary password by manage.py import_accounts"


@dataclass(frozen=True)
class RosterLine:
    """A pupil of the roster: the line it starts on, the username, the e-mail and names it gives (its empty
    cells left out), and its courses' slugs, --course's included."""

    number: int
    username: str
    details: dict[str, str]
    courses: list[str]


@dataclass(frozen=True)
class RosterPlan:
    """What importing the roster does, or in a dry run would do."""

    new: list[RosterLine]
    changed: list[tuple[AbstractBaseUser, RosterLine, list[str]]]  # the account, its line, what changes
    unchanged: int
    students: dict[str, AbstractBaseUser]  # the existing accounts, by username
    enrollments: list[tuple[str, Course]]  # to make: the username and the course
    already_enrolled: int


# A problem of the roster: the line it is on (0 for --course), and what is wrong there.
Problem = tuple[int, str]


def _roster_rows(path: Path) -> tuple[list[tuple[int, list[str], bool]], list[Problem]]:
    """The roster's rows that are not blank, each with the line it starts on and whether it is all UTF-8,
    and the problems of the file's encoding: a byte that is not UTF-8 is named by its line, and a row csv
    cannot read ends the file there. RosterRefused for a file that cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise RosterRefused(f"{path}: no such file.") from error
    except OSError as error:
        raise RosterRefused(f"{path}: cannot read: {error.strerror}.") from error
    data = data.removeprefix(b"\xef\xbb\xbf")  # the BOM spreadsheets write before UTF-8
    problems: list[Problem] = []
    texts, unreadable = [], set()
    # bytes.splitlines ends lines where the csv module does (\n, \r, \r\n), so the numbers agree.
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        try:
            texts.append(line.decode())
        except UnicodeDecodeError as error:
            byte = f"the byte 0x{line[error.start]:02x}"
            problems.append(
                (number, f"{byte} is not UTF-8: save the file as UTF-8 (a spreadsheet's “CSV UTF-8”).")
            )
            unreadable.add(number)
            texts.append(line.decode(errors="replace"))
    reader = csv.reader(io.StringIO("".join(texts), newline=""))
    rows, start = [], 1
    try:
        for row in reader:
            end = reader.line_num
            if any(cell.strip() for cell in row):
                rows.append((start, row, unreadable.isdisjoint(range(start, end + 1))))
            start = end + 1
    except csv.Error as error:  # a cell beyond csv's size limit, say
        problems.append((start, f"{error}."))
    return rows, problems


def read_roster(path: Path, extra_courses: list[str]) -> tuple[list[RosterLine], list[Problem]]:
    """The pupils of the roster, each with ``extra_courses`` (--course) among its courses, and every problem
    of the file itself (columns, cells, usernames twice), each naming its line. RosterRefused for a file that
    cannot be read, is empty or has a header alone."""
    user_model = get_user_model()
    rows, problems = _roster_rows(path)
    if not rows and not problems:
        raise RosterRefused(f"{path} is empty: its first line names the columns, {COLUMNS_IN_WORDS}.")
    if not rows:
        return [], problems
    (header_line, header, header_readable), rows = rows[0], rows[1:]
    columns = [cell.strip() for cell in header]
    header_problems = []
    if unknown := [column for column in columns if column not in COLUMNS]:
        named = ", ".join(f"“{column}”" for column in unknown)
        header_problems.append(
            f"unknown column{pluralize(len(unknown))} {named}: the columns are {COLUMNS_IN_WORDS}."
        )
    for column in dict.fromkeys(column for column in columns if columns.count(column) > 1):
        header_problems.append(f"the column “{column}” is named twice.")
    if "username" not in columns:
        header_problems.append(f"no username column: the columns are {COLUMNS_IN_WORDS}.")
    if header_problems or not header_readable:  # the cells cannot be read without their columns
        return [], [*problems, *((header_line, problem) for problem in header_problems)]
    if not rows:
        raise RosterRefused(f"{path} has its header line only: no pupils to make accounts for.")
    lines: list[RosterLine] = []
    first_of: dict[str, RosterLine] = {}  # lowered username: the line that names it first
    for number, row, readable in rows:
        if not readable:
            continue  # its bytes are among the problems already
        if len(row) > len(columns):
            problems.append(
                (
                    number,
                    f"{len(row)} cells, but the header names {len(columns)} columns (a comma in a name? put "
                    "that cell in double quotes).",
                )
            )
            continue
        if any("\0" in cell for cell in row):
            problems.append((number, "a NUL character (a zero byte): is this a text file?"))
            continue
        cells = {column: cell.strip() for column, cell in zip(columns, row, strict=False)}
        username = user_model.normalize_username(cells.get("username", ""))
        if not username:
            problems.append((number, "no username."))
            continue
        details = {}
        for column in DETAILS:
            if value := cells.get(column, ""):
                if column == "email":
                    value = user_model.objects.normalize_email(value)
                try:
                    user_model._meta.get_field(column).run_validators(value)
                except ValidationError as error:
                    problems.append((number, f"{column} “{value}”: {' '.join(error.messages)}"))
                details[column] = value
        courses = [*re.split(r"[;\s]+", cells.get("courses", "")), *extra_courses]
        line = RosterLine(number, username, details, list(dict.fromkeys(slug for slug in courses if slug)))
        if (first := first_of.get(username.lower())) is None:
            first_of[username.lower()] = line
            lines.append(line)
        elif first.username == username:
            problems.append((number, f"“{username}” is on line {first.number} too: one line for each pupil."))
        else:
            problems.append((number, in_other_capitals(username, first.username, f"line {first.number}")))
    return lines, problems


def plan_roster(
    path: Path, lines: list[RosterLine], extra_courses: list[str], problems: list[Problem]
) -> RosterPlan:
    """What importing the roster's lines does, once checked against the database: a username that is an
    existing student account's names it (exactly, capitals included), any other must be a new account's
    (``learners.classroom.new_name_problems``: so a staff account's name is refused), and every course
    must exist (a draft is fine). RosterRefused listing ``problems`` and these, each with its line, if any."""
    courses = Course.objects.in_bulk(
        {slug for line in lines for slug in line.courses} | set(extra_courses), field_name="slug"
    )
    problems.extend(
        (0, f"--course {slug}: no course has this slug.") for slug in extra_courses if slug not in courses
    )
    students = {
        user.get_username(): user
        for user in get_user_model().objects.filter(
            username__in=[line.username for line in lines], is_staff=False, is_superuser=False
        )
    }
    refused = new_name_problems([line.username for line in lines if line.username not in students])
    for line in lines:
        if problem := refused.get(line.username):
            problems.append((line.number, problem))
        problems.extend(
            (line.number, f"no course has the slug “{slug}”.")
            for slug in line.courses
            if slug not in courses and slug not in extra_courses
        )
    if problems:
        listed = [
            f"{path} line {number}: {problem}" if number else problem for number, problem in sorted(problems)
        ]
        count = f"{len(problems)} problem{pluralize(len(problems))}"
        raise RosterRefused("\n".join([*listed, f"Nothing was stored ({count})."]))
    enrolled = set(
        Enrollment.objects.filter(
            learner__user__in=students.values(), course__in=courses.values()
        ).values_list("learner__user__username", "course__slug")
    )
    new, changed, enrollments = [], [], []
    for line in lines:
        if (user := students.get(line.username)) is None:
            new.append(line)
        elif fields := [field for field, value in line.details.items() if getattr(user, field) != value]:
            changed.append((user, line, fields))
        enrollments.extend(
            (line.username, courses[slug]) for slug in line.courses if (line.username, slug) not in enrolled
        )
    return RosterPlan(
        new=new,
        changed=changed,
        unchanged=len(students) - len(changed),
        students=students,
        enrollments=enrollments,
        already_enrolled=sum(len(line.courses) for line in lines) - len(enrollments),
    )


def carry_out(path: Path, plan: RosterPlan) -> list[tuple[RosterLine, str]]:
    """Make the new accounts, bring the others up to date and make the enrollments; the new accounts' lines
    with their temporary passwords. The admin's log records each account made or changed: as its entries
    need a user, and a command run on the server has none, each is the account's own, naming the command."""
    learners: dict[str, Learner] = {}
    made = []
    for line in plan.new:
        try:
            learner, password = create_student_account(line.username, **line.details)
        except IntegrityError as error:  # made by someone else since the check
            raise RosterRefused(
                f"{path} line {line.number}: “{line.username}” was taken a moment ago: run the command "
                "again. Nothing was stored."
            ) from error
        LogEntry.objects.log_actions(
            learner.user_id,
            [learner.user],
            ADDITION,
            f"{MADE_BY_ROSTER}, from {path.name} line {line.number}.",
        )
        learners[line.username] = learner
        made.append((line, password))
    for user, line, fields in plan.changed:
        for field in fields:
            setattr(user, field, line.details[field])
        user.save(update_fields=fields)
        changes = (
            f"Changed {', '.join(fields)} by manage.py import_accounts, from {path.name} line {line.number}."
        )
        LogEntry.objects.log_actions(user.pk, [user], CHANGE, changes)
    for username, course in plan.enrollments:
        if username not in learners:
            learners[username] = learner_for(plan.students[username])
        enroll(learners[username], course)
    return made


def slip_rows(made: list[tuple[RosterLine, str]]) -> list[list[str]]:
    """A sign-in slip's row for each new account (``SLIP_COLUMNS``)."""
    return [
        [
            line.username,
            password,
            line.details.get("first_name", ""),
            line.details.get("last_name", ""),
            " ".join(line.courses),
        ]
        for line, password in made
    ]


def write_slips(path: Path, made: list[tuple[RosterLine, str]]) -> None:
    """Write the slips to ``path`` whole or not at all, and never over a file: to a temporary file beside
    it (readable by its owner alone, as tempfile makes it), then linked to its name, which fails if the name
    was taken meanwhile. UTF-8 with a BOM, so that a spreadsheet reads the names' accents right."""
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8-sig", newline="", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as file:
            try:
                writer = csv.writer(file)
                writer.writerow(SLIP_COLUMNS)
                writer.writerows(slip_rows(made))
                file.flush()
                os.fsync(file.fileno())
                os.link(file.name, path)
            finally:
                os.unlink(file.name)
    except FileExistsError as error:
        raise RosterRefused(
            f"{path} was made meanwhile: nothing was stored. Run again with another --slips."
        ) from error
    except OSError as error:
        raise RosterRefused(f"{path}: cannot write: {error.strerror}. Nothing was stored.") from error
