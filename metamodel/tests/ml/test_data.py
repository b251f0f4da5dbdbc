import hashlib

import pytest

from metamodel.ml.data import (
    AttemptLogError,
    AttemptRecord,
    is_test_learner,
    parse_attempt_log_text,
    read_attempt_log,
    read_exercise_texts,
)

HEADER = "learner,exercise,skills,correct,timestamp\n"


def error_of(text: str) -> AttemptLogError:
    with pytest.raises(AttemptLogError) as caught:
        parse_attempt_log_text(text, "data.csv")
    return caught.value


def test_it_reads_a_valid_log_with_multi_skill_and_skill_less_attempts():
    records = parse_attempt_log_text(HEADER + "78276,84805,37;54,0,1\n78276,85341,,1,2\n9,x,5,1,7\n")
    assert records == [
        AttemptRecord("78276", "84805", ("37", "54"), 0, 1, 2),
        AttemptRecord("78276", "85341", (), 1, 2, 3),
        AttemptRecord("9", "x", ("5",), 1, 7, 4),
    ]


def test_it_reports_a_bad_correct_value_with_its_line():
    error = error_of(HEADER + "a,e,s,1,1\n" * 15 + "a,e,s,2,16\n")
    assert (error.path, error.line) == ("data.csv", 17)
    assert str(error) == "data.csv, line 17: correct must be 0 or 1, got '2'"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("learner,exercise,skill,correct,timestamp\n", 1, "expected the header"),
        ("", 1, "empty"),
        (HEADER + "a,e,s,1\n", 2, "expected 5 fields"),
        (HEADER + ",e,s,1,1\n", 2, "learner is empty"),
        (HEADER + "a,,s,1,1\n", 2, "exercise is empty"),
        (HEADER + "a,e,s;;t,1,1\n", 2, "empty skill id"),
        (HEADER + "a,e,s,1,1.5\n", 2, "timestamp must be an integer"),
        (HEADER + "a,e,s,1,1\nb,e,s,1,1\na,e,s,1,2\n", 4, "reappears"),
        (HEADER + "a,e,s,1,5\na,e,s,1,4\n", 3, "earlier than"),
    ],
)
def test_it_rejects_malformed_rows(text, line, fragment):
    error = error_of(text)
    assert error.line == line
    assert fragment in error.message


def test_line_numbers_count_physical_lines_across_quoted_newlines():
    error = error_of(HEADER + 'a,"two\nlines",s,1,1\na,e,s,x,2\n')
    assert error.line == 4


def test_split_rule_matches_the_readme_formula():
    assert [is_test_learner(str(n)) for n in range(1, 6)] == [
        int(hashlib.sha256(str(n).encode()).hexdigest(), 16) % 5 == 0 for n in range(1, 6)
    ]
    assert sum(is_test_learner(str(n), fold) for n in range(100) for fold in range(5)) == 100


def test_fold_zero_of_statics_has_the_documented_counts(shared_dataset):
    records = read_attempt_log(shared_dataset("statics2011.csv"))
    test = [r for r in records if is_test_learner(r.learner)]
    assert len(records) == 189_297
    assert len({r.learner for r in test}) == 53
    assert len(test) == 28_182


def test_exercise_texts_are_read_from_a_tab_separated_file(tmp_path):
    path = tmp_path / "texts.tsv"
    path.write_text("exercise\tname\n1\t_m2_assess_q1_point1i1 UpdateComboBox\n2\t\n", encoding="utf-8")
    assert read_exercise_texts(path) == {"1": "_m2_assess_q1_point1i1 UpdateComboBox", "2": ""}


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("learner,exercise\n", 1, "header"),
        ("exercise\tname\n1\ta\tb\n", 2, "expected 2 tab-separated fields, got 3"),
        ("exercise\tname\n1\ta\n\tb\n", 3, "empty exercise id"),
        ("exercise\tname\n1\ta\n2\tb\n1\tc\n", 4, "exercise '1' is listed twice"),
    ],
)
def test_a_bad_texts_file_is_refused_with_its_line(tmp_path, text, line, fragment):
    path = tmp_path / "texts.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AttemptLogError) as caught:
        read_exercise_texts(path)
    assert caught.value.line == line and fragment in caught.value.message


def test_every_statics_exercise_has_its_step_name(shared_dataset):
    texts = read_exercise_texts(shared_dataset("statics2011_exercises.tsv"))
    exercises = {r.exercise for r in read_attempt_log(shared_dataset("statics2011.csv"))}
    assert exercises <= texts.keys() and len(texts) == 1_223


def test_ids_lose_surrounding_whitespace_so_the_same_id_is_one_id():
    records = parse_attempt_log_text(
        HEADER + "a, 7, 37 ; 54 ,0,1\n a ,7\t,54,1,2\nb,\u00a07,,1,1\nc,8,  ,1,1\n"
    )
    assert records == [
        AttemptRecord("a", "7", ("37", "54"), 0, 1, 2),
        AttemptRecord("a", "7", ("54",), 1, 2, 3),  # " a " continues a's block
        AttemptRecord("b", "7", (), 1, 1, 4),
        AttemptRecord("c", "8", (), 1, 1, 5),  # a skills field of spaces lists no skill, as an empty one
    ]


def test_a_skill_written_twice_with_different_spaces_counts_once():
    assert parse_attempt_log_text(HEADER + "a,e,s; s ;t,1,1\n")[0].skills == ("s", "t")


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (" ,e,s,1,1", "learner is empty"),
        ("a,\t,s,1,1", "exercise is empty"),
        ("a,e,s; ;t,1,1", "empty skill id"),
    ],
)
def test_an_id_of_whitespace_alone_is_refused_as_an_empty_one(row, fragment):
    error = error_of(HEADER + "a,e,s,1,1\n" + row + "\n")
    assert error.line == 3 and fragment in error.message


def test_correct_and_timestamp_are_still_read_as_written():
    assert "correct must be 0 or 1, got ' 1'" in error_of(HEADER + "a,e,s, 1,1\n").message


def test_the_evaluate_reader_takes_ids_the_platform_could_not_store_as_keys():
    # The key rule is the importer's (learners.imports); researchers' files keep any id.
    records = parse_attempt_log_text(HEADER + 'q 12,ü1,"a/b;#7",1,1\n')
    assert records == [AttemptRecord("q 12", "ü1", ("a/b", "#7"), 1, 1, 2)]


def test_exercise_texts_name_the_exercise_the_log_writes_with_spaces(tmp_path):
    path = tmp_path / "texts.tsv"
    path.write_text("exercise\tname\n7\tSeven\n 8 \tEight\n", encoding="utf-8")
    log = tmp_path / "log.csv"
    log.write_text(HEADER + "a, 7 ,s,1,1\na,8,s,1,2\n", encoding="utf-8")
    texts = read_exercise_texts(path)
    assert [texts[record.exercise] for record in read_attempt_log(log)] == ["Seven", "Eight"]
