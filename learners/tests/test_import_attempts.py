import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import Exercise, Skill
from learners.models import Attempt, Learner

pytestmark = pytest.mark.django_db

LOG = """learner,exercise,skills,correct,timestamp
a7,e1,s1;s2,0,1
a7,e2,s2,1,2
a7,e1,s1;s2,1,3
b9,e3,s3,1,1700000000
b9,e2,s2,0,1700000060
"""


def write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_it_stores_learners_skills_contentless_exercises_and_attempts_in_order(tmp_path):
    call_command("import_attempts", str(write(tmp_path, LOG)), "--course", "history")
    assert set(Learner.objects.values_list("external_id", flat=True)) == {"history:a7", "history:b9"}
    assert set(Skill.objects.values_list("key", flat=True)) == {"s1", "s2", "s3"}
    e1 = Exercise.objects.get(key="e1")
    assert e1.imported and not e1.active
    assert sorted(e1.skills.values_list("key", flat=True)) == ["s1", "s2"]
    a7 = Attempt.objects.filter(learner__external_id="history:a7").order_by("created_at", "id")
    assert [(a.exercise.key, a.correct, a.log_timestamp) for a in a7] == [
        ("e1", False, 1), ("e2", True, 2), ("e1", True, 3)
    ]  # fmt: skip
    b9 = Attempt.objects.filter(learner__external_id="history:b9").order_by("created_at")
    assert [a.created_at.timestamp() for a in b9] == [1700000000, 1700000060]  # real time kept as time


def test_importing_the_same_file_again_adds_nothing(tmp_path, capsys):
    path = write(tmp_path, LOG)
    call_command("import_attempts", str(path), "--course", "history")
    call_command("import_attempts", str(path), "--course", "history")
    assert Attempt.objects.count() == 5
    assert "Imported 0 attempts (5 already present)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("a7,e9,s1,yes,4", "line 5: correct must be 0 or 1, got 'yes'"),
        ("a7,e9,s1,1", "line 5: expected 5 fields, got 4"),
        ("a7,e9,s1,1,0", "line 5: timestamp 0 is earlier than the learner's previous one (3)"),
    ],
)
def test_a_malformed_row_stops_the_import_with_its_line_and_stores_nothing(tmp_path, bad_line, message):
    lines = LOG.splitlines()
    path = write(tmp_path, "\n".join([*lines[:4], bad_line, *lines[4:]]) + "\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_attempts", str(path), "--course", "history")
    assert str(caught.value) == f"{path}, {message}. Nothing was imported."
    assert not Attempt.objects.exists() and not Learner.objects.exists() and not Exercise.objects.exists()


def test_a_learner_split_across_the_file_is_refused(tmp_path):
    path = write(tmp_path, LOG + "a7,e1,s1,1,9\n")
    with pytest.raises(CommandError, match="line 7: learner 'a7' reappears"):
        call_command("import_attempts", str(path), "--course", "history")


def test_skill_names_come_from_the_side_file(tmp_path):
    names = write(tmp_path, "skill\tname\ns1\tFractions\ns2\tDecimals\n", "skills.tsv")
    call_command(
        "import_attempts", str(write(tmp_path, LOG)), "--course", "history", "--skill-names", str(names)
    )
    assert Skill.objects.get(key="s1").name == "Fractions"
    assert Skill.objects.get(key="s3").name == "s3"


def test_the_head_of_the_real_assist2009_log_imports(tmp_path, shared_datasets):
    with (shared_datasets / "assist2009.csv").open() as source:
        head = "".join(itertools.islice(source, 3001))
    call_command("import_attempts", str(write(tmp_path, head)), "--course", "assist2009")
    assert Attempt.objects.count() == 3000
    assert Exercise.objects.filter(course__slug="assist2009", imported=True).exists()
