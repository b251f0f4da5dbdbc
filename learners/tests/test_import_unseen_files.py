"""``manage.py import_attempts`` on logs the project has never seen: a row the database cannot hold is
refused on its line before anything is written, and what is stored is what the file says."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import KEY_VALIDATOR, Course, Exercise, Skill
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


def course_rows():
    return [model.objects.count() for model in (Course, Learner, Exercise, Skill, Attempt)]


# KEY_VALIDATOR's own words, less the full stop the command's "Nothing was imported." follows.
KEY_RULE = KEY_VALIDATOR.message.rstrip(".")


@pytest.mark.parametrize("bad", ["q 12", "ü1", "a/b", "#7", "-7", ".e", "a,b", "e\t1", "e\n1"])
@pytest.mark.parametrize("where", ["exercise", "skill"])
def test_an_id_that_cannot_be_a_key_is_refused_on_its_line_and_nothing_is_stored(tmp_path, bad, where):
    # The course already holds a first import; the refused file adds nothing to it, not even its good rows.
    call_command("import_attempts", str(write(tmp_path, HEADER + "a,e1,s1,1,1\n")), "--course", "history")
    before = course_rows()
    row = f'b,"{bad}",s1,1,2' if where == "exercise" else f'b,e2,"s1;{bad}",1,2'
    path = write(tmp_path, HEADER + "b,e2,s2,1,1\n" + row + "\n", "bad.csv")
    with pytest.raises(CommandError) as caught:
        call_command("import_attempts", str(path), "--course", "history")
    assert str(caught.value) == (
        f"{path}, line 3: {where} id {bad!r} cannot be a key: {KEY_RULE}. Nothing was imported."
    )
    assert course_rows() == before
    assert not Exercise.objects.filter(key__in=["e2", bad]).exists()


def test_the_first_line_with_a_problem_is_the_one_named(tmp_path):
    path = write(tmp_path, HEADER + "a,e1,s1,1,1\na,e 2,s1,1,2\n" + "l" * 187 + ",e1,s1,1,1\n")
    with pytest.raises(CommandError, match=r"line 3: exercise id 'e 2' cannot be a key"):
        call_command("import_attempts", str(path), "--course", "history")
    assert nothing_stored()


def test_learner_ids_are_free_text_within_their_length(tmp_path):
    path = write(tmp_path, HEADER + "q 12,e1,s1,1,1\nü1,e1,s1,1,1\na/b,e1,s1,1,1\n#7,e1,s1,1,1\n")
    call_command("import_attempts", str(path), "--course", "history")
    assert set(Learner.objects.values_list("external_id", flat=True)) == {
        "history:q 12", "history:ü1", "history:a/b", "history:#7"
    }  # fmt: skip


def test_ids_written_with_surrounding_spaces_are_the_same_ids(tmp_path):
    log = HEADER + 'a, 7,s1,1,1\n a ,7 , s1 ; s2 ,0,2\nb,\t7\t,s2,1,1\nb,"7\n",s2,1,2\n'
    call_command("import_attempts", str(write(tmp_path, log)), "--course", "history")
    assert list(Exercise.objects.values_list("key", flat=True)) == ["7"]
    assert sorted(Skill.objects.values_list("key", flat=True)) == ["s1", "s2"]
    assert sorted(Learner.objects.values_list("external_id", flat=True)) == ["history:a", "history:b"]
    assert Attempt.objects.filter(exercise__key="7").count() == 4
    assert sorted(Exercise.objects.get().skills.values_list("key", flat=True)) == ["s1", "s2"]


def test_a_names_file_naming_7_names_the_skill_the_log_writes_with_spaces(tmp_path):
    names = write(tmp_path, "skill\tname\n7\tFractions\n s8 \tDecimals\n", "names.tsv")
    log = write(tmp_path, HEADER + "a,e1, 7 ;s8,1,1\n")
    call_command("import_attempts", str(log), "--course", "history", "--skill-names", str(names))
    assert dict(Skill.objects.values_list("key", "name")) == {"7": "Fractions", "s8": "Decimals"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("  ,e1,s1,1,2", "line 3: learner is empty"),
        ("a, ,s1,1,2", "line 3: exercise is empty"),
        ("a,e1,s1; ,1,2", "line 3: empty skill id in 's1;'"),
    ],
)
def test_an_id_of_spaces_alone_is_refused_as_an_empty_one(tmp_path, row, message):
    path = write(tmp_path, HEADER + "a,e1,s1,1,1\n" + row + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("import_attempts", str(path), "--course", "history")
    assert nothing_stored()
