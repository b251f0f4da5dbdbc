"""``manage.py import_attempts`` on logs the project has never seen: a row the database cannot hold is
refused on its line before anything is written, and what is stored is what the file says."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import Course, Exercise
from learners.models import Attempt, Learner

pytestmark = pytest.mark.django_db

HEADER = "learner,exercise,skills,correct,timestamp\n"


def write(tmp_path, content, name="log.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def nothing_stored():
    return not (
        Course.objects.exists()
        or Learner.objects.exists()
        or Exercise.objects.exists()
        or Attempt.objects.exists()
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "a," + "e" * 101 + ",s1,1,2",
            "line 3: exercise id 'eeeeeeeeeeeeeeeeeeee'... is too long: at most 100",
        ),
        (
            "a,e2,s1;" + "s" * 101 + ",1,2",
            "line 3: skill id 'ssssssssssssssssssss'... is too long: at most 100",
        ),
        ("a,e2\0,s1,1,2", "line 3: an id holds a NUL character"),
        ("a,e2,s1,1,1700000000000", "line 3: timestamp 1700000000000 is after the year 9999 in seconds"),
    ],
)
def test_a_row_the_database_cannot_hold_is_refused_on_its_line_and_nothing_is_stored(tmp_path, row, message):
    path = write(tmp_path, HEADER + "a,e1,s1,1,1\n" + row + "\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_attempts", str(path), "--course", "history")
    assert str(caught.value).startswith(f"{path}, {message}")
    assert str(caught.value).endswith("Nothing was imported.")
    assert nothing_stored()


def test_a_learner_id_too_long_for_its_keys_is_refused_with_the_longest_that_fits(tmp_path):
    # "log:history:<learner>:1" must fit the attempt key's 200 characters: 186 for the learner.
    path = write(tmp_path, HEADER + "a,e1,s1,1,1\n" + "l" * 187 + ",e1,s1,1,1\n")
    with pytest.raises(
        CommandError, match=r"line 3: learner id 'l{20}'\.\.\. is too long: at most 186 characters"
    ):
        call_command("import_attempts", str(path), "--course", "history")
    assert nothing_stored()


def test_a_file_with_only_its_header_is_refused_and_creates_no_course(tmp_path):
    path = write(tmp_path, HEADER)
    with pytest.raises(CommandError, match="line 1: the file has a header but no attempts"):
        call_command("import_attempts", str(path), "--course", "history")
    assert nothing_stored()


def test_a_byte_that_is_not_utf8_is_reported_on_its_line(tmp_path):
    path = write(tmp_path, HEADER.encode() + b"a,e1,s1,1,1\na,e2,s1,1,2\nb,\xff,s1,1,1\n")
    with pytest.raises(CommandError, match="line 4: byte 0xff is not UTF-8 text"):
        call_command("import_attempts", str(path), "--course", "history")
    assert nothing_stored()


@pytest.mark.parametrize(
    ("slug", "message"),
    [("Old Exams", "Enter a valid “slug”"), ("import", "'import' is reserved"), ("", "cannot be blank")],
)
def test_a_course_slug_the_platform_cannot_serve_is_refused(tmp_path, slug, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_attempts", str(write(tmp_path, HEADER + "a,e1,s1,1,1\n")), "--course", slug)
    assert nothing_stored()


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (None, "names.tsv: cannot read: No such file"),
        (b"skill\tname\ns1\t\xe9\n", "line 2: byte 0xe9"),
        (b"skill\tname\ns0\tok\ns1\tBox\x00plot\n", "line 3: a NUL character"),
    ],
)
def test_an_unreadable_skill_names_file_is_refused_and_nothing_is_stored(tmp_path, names, message):
    names_path = tmp_path / "names.tsv"
    if names is not None:
        names_path.write_bytes(names)
    log = write(tmp_path, HEADER + "a,e1,s1,1,1\n")
    with pytest.raises(CommandError, match=message):
        call_command("import_attempts", str(log), "--course", "history", "--skill-names", str(names_path))
    assert nothing_stored()


def test_an_exercise_has_every_skill_its_attempts_list(tmp_path):
    path = write(tmp_path, HEADER + "a,e1,,1,1\na,e1,s1,0,2\nb,e1,s2;s1,1,1\n")
    call_command("import_attempts", str(path), "--course", "history")
    assert sorted(Exercise.objects.get(key="e1").skills.values_list("key", flat=True)) == ["s1", "s2"]


def test_the_summary_counts_the_learners_of_the_file(tmp_path, capsys):
    call_command(
        "import_attempts", str(write(tmp_path, HEADER + "a,e1,s1,1,1\nb,e1,s1,1,1\n")), "--course", "history"
    )
    call_command(
        "import_attempts", str(write(tmp_path, HEADER + "c,e1,s1,1,1\n", "more.csv")), "--course", "history"
    )
    assert "Imported 1 attempts (0 already present) of 1 learners" in capsys.readouterr().out.splitlines()[-1]
