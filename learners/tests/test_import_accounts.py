"""A school's administrator makes its pupils' accounts from a roster file (``manage.py import_accounts``):
temporary passwords handed out once, existing students brought up to date, all or nothing."""

import csv
import re
from io import StringIO

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from courses.tests.factories import CourseFactory
from learners.classroom import deletion_refusal
from learners.models import Enrollment, Learner
from learners.rosters import MADE_BY_ROSTER
from learners.tests.test_class_accounts import OWN_PASSWORD, enrolled_names, signs_in
from learners.tests.test_password_reset import link_in, set_new_password

pytestmark = pytest.mark.django_db

HEADER = "username,email,first_name,last_name,courses\n"


def import_accounts(roster, *args: str) -> str:
    """Run the command on the roster file; what it printed."""
    out = StringIO()
    call_command("import_accounts", str(roster), *args, stdout=out)
    return out.getvalue()


def roster_file(tmp_path, text: str | bytes):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(text if isinstance(text, bytes) else text.encode())
    return roster


def test_a_roster_makes_accounts_that_sign_in_with_their_slip_and_choose_their_own_password(
    course, teacher, tmp_path
):
    draft = CourseFactory(slug="next-term", published=False)
    roster = roster_file(
        tmp_path, HEADER + "ana,ana@example.org,Ana,Smith,arithmetic; next-term\nben,,Ben,,\n"
    )
    slips = tmp_path / "slips.csv"
    output = import_accounts(roster, "--slips", str(slips))

    assert "Created 2 accounts, updated 0, left 0 unchanged, and made 2 enrollments" in output
    with slips.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(row["username"], row["first_name"], row["last_name"], row["courses"]) for row in rows] == [
        ("ana", "Ana", "Smith", "arithmetic next-term"),
        ("ben", "Ben", "", ""),
    ]
    assert all(row["temporary_password"] not in output for row in rows)  # shown once, in the file alone
    assert enrolled_names(course) == enrolled_names(draft) == {"ana"}
    ana = get_user_model().objects.get(username="ana")
    assert (ana.email, ana.first_name, ana.last_name, ana.is_staff) == (
        "ana@example.org",
        "Ana",
        "Smith",
        False,
    )
    for row in rows:
        pupil = Client()
        signed_in = pupil.post(
            "/accounts/login/", {"username": row["username"], "password": row["temporary_password"]}
        )
        assert signed_in.status_code == 302
        assert pupil.get("/")["Location"].startswith("/account/password/")  # their own password first
    made = LogEntry.objects.filter(object_id=str(ana.pk), action_flag=ADDITION).get()
    assert made.change_message == f"{MADE_BY_ROSTER}, from roster.csv line 2."
    # The school's accounts, not a teacher's: no teacher deletes one as made by mistake.
    assert "was not made by a teacher enrolling a class" in deletion_refusal(ana.learner, teacher)


def test_importing_the_same_roster_again_changes_nothing(course, tmp_path):
    roster = roster_file(tmp_path, HEADER + "ana,ana@example.org,Ana,,arithmetic\nben,,,,arithmetic\n")
    import_accounts(roster)
    passwords = dict(get_user_model().objects.values_list("username", "password"))

    again = import_accounts(roster)

    assert (
        "Created 0 accounts, updated 0, left 2 unchanged, and made 0 enrollments (2 already there)" in again
    )
    assert "temporary_password" not in again
    assert dict(get_user_model().objects.values_list("username", "password")) == passwords


def test_an_existing_students_email_and_names_are_brought_up_to_date(course, student, tmp_path):
    password = student.password
    roster = roster_file(tmp_path, HEADER + "sam,sam@example.org,,Sparrow,arithmetic\n")

    output = import_accounts(roster)

    assert "Created 0 accounts, updated 1, left 0 unchanged, and made 1 enrollment" in output
    assert "sam (line 2): email, last_name" in output
    student.refresh_from_db()
    assert (student.email, student.last_name, student.password) == ("sam@example.org", "Sparrow", password)
    assert not student.learner.must_change_password and enrolled_names(course) == {"sam"}
    changed = LogEntry.objects.get(object_id=str(student.pk), action_flag=CHANGE).change_message
    assert changed == "Changed email, last_name by manage.py import_accounts, from roster.csv line 2."


def test_every_problem_is_named_by_its_line_and_nothing_is_stored(course, student, other_teacher, tmp_path):
    CourseFactory(slug="next-term", published=False)  # a draft: nothing to say
    roster = roster_file(
        tmp_path,
        HEADER.encode()
        + b"newbie,,,,arithmetic next-term\n"
        + b"bad/name,,,,\n"
        + b"otto,,,,\n"  # a staff account's
        + b"SAM,,,,\n"  # a student's in other capitals
        + b"cleo,cleo@,,,\n"
        + b"dan,,,,arithmetc\n"
        + b"eve,,,,\n"
        + b"Eve,,,,\n"
        + b",eve@example.org,Eve,,\n"
        + b"f\x00,,,,\n"
        + b"g\xe9rard,,,,\n",
    )
    accounts = get_user_model().objects.count()

    with pytest.raises(CommandError) as refused:
        import_accounts(roster, "--course", "arithmetic", "--course", "geometry")

    taken = "is taken (whatever its capitals) by an account that cannot be enrolled by this name"
    assert str(refused.value).splitlines() == [
        "--course geometry: no course has this slug.",
        f"{roster} line 3: “bad/name” cannot be a username: letters, digits and @ . + - _ only, no spaces.",
        f"{roster} line 4: “otto” {taken}: type a student's username exactly as it is written, or choose "
        "another name.",
        f"{roster} line 5: “SAM” {taken}: type a student's username exactly as it is written, or choose "
        "another name.",
        f"{roster} line 6: email “cleo@”: Enter a valid email address.",
        f"{roster} line 7: no course has the slug “arithmetc”.",
        f"{roster} line 9: “Eve” is “eve” of line 8 in other capitals: two accounts cannot differ only so; "
        "keep one of them.",
        f"{roster} line 10: no username.",
        f"{roster} line 11: a NUL character (a zero byte): is this a text file?",
        f"{roster} line 12: the byte 0xe9 is not UTF-8: save the file as UTF-8 (a spreadsheet's “CSV "
        "UTF-8”).",
        "Nothing was stored (10 problems).",
    ]
    assert get_user_model().objects.count() == accounts and not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "roster.csv: no such file."),
        (b"", "roster.csv is empty: its first line names the columns, username (required), email,"),
        (
            b"\xef\xbb\xbfusername,email\n",
            "roster.csv has its header line only: no pupils to make accounts for.",
        ),
        (
            b"username,mail,first_name\nana,ana@example.org,Ana\n",
            "roster.csv line 1: unknown column “mail”: the columns are username (required), email,",
        ),
    ],
)
def test_a_file_that_is_no_roster_is_refused(content, problem, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if content is not None:
        roster_file(tmp_path, content)
    with pytest.raises(CommandError, match=re.escape(problem)):
        import_accounts("roster.csv")
    assert not get_user_model().objects.exists()


def test_a_dry_run_reports_and_stores_nothing(course, student, tmp_path):
    roster = roster_file(tmp_path, HEADER + "ana,,,,arithmetic\nsam,sam@example.org,,,arithmetic\n")

    output = import_accounts(roster, "--dry-run")

    assert output.splitlines() == [
        "Dry run, nothing stored: would create 1 account, update 1, leave 0 unchanged, and make 2 "
        "enrollments (0 already there).",
        "  sam (line 3): email",
    ]
    student.refresh_from_db()
    assert student.email == "" and not get_user_model().objects.filter(username="ana").exists()
    assert not Enrollment.objects.exists()


def test_the_slips_never_go_over_an_existing_file(course, tmp_path):
    roster = roster_file(tmp_path, HEADER + "ana,,,,arithmetic\n")
    slips = tmp_path / "slips.csv"
    slips.write_text("last term's slips")

    with pytest.raises(CommandError, match=r"slips\.csv exists already"):
        import_accounts(roster, "--slips", str(slips))

    assert slips.read_text() == "last term's slips" and not get_user_model().objects.exists()


def test_a_pupil_with_an_email_from_the_roster_may_choose_their_password_from_a_reset_link(course, tmp_path):
    roster = roster_file(tmp_path, HEADER + "ana,ana@example.org,,,arithmetic\n")
    output = import_accounts(roster)
    assert (
        "1 of them has an e-mail address: they may instead choose their password from the sign-in" in output
    )

    pupil = Client()
    pupil.post("/accounts/password-reset/", {"email": "ana@example.org"})
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    saved = set_new_password(pupil, link_in(message), OWN_PASSWORD)

    assert saved.status_code == 302 and signs_in("ana", OWN_PASSWORD)
    assert not Learner.objects.get(user__username="ana").must_change_password
