"""``manage.py evaluate`` on attempt logs the project has never seen: valid files that are unusual, and
malformed ones, which must be refused on their line without touching earlier outputs."""

import csv
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

HEADER = "learner,exercise,skills,correct,timestamp\n"
# Learners of fold 0 (the default test fold): b, d, e. Of other folds: a, c, f, g, h.
TRAIN, TEST = ("a", "c", "f", "g", "h"), ("b", "d", "e")


def log(learners, length=6, correct=None, skills="s1"):
    """A log of ``length`` attempts per learner on three exercises, right and wrong in turn (or all
    ``correct``)."""
    rows = []
    for learner in learners:
        for position in range(1, length + 1):
            outcome = (position + len(learner)) % 2 if correct is None else correct
            rows.append(f"{learner},e{position % 3},{skills},{outcome},{position}\n")
    return HEADER + "".join(rows)


def strict_json(path):
    """The report, read as JSON proper: NaN is not JSON."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def evaluate(tmp_path, text, model="elo", *options):
    data = tmp_path / "course.csv"
    data.write_bytes(text.encode() if isinstance(text, str) else text)
    outputs = tmp_path / "p.csv", tmp_path / "r.json"
    call_command(
        "evaluate", "--data", str(data), "--model", model, "--predictions", str(outputs[0]),
        "--report", str(outputs[1]), *options,
    )  # fmt: skip
    return list(csv.DictReader(outputs[0].open(newline=""))), strict_json(outputs[1])


@pytest.mark.parametrize("model", ["elo", "best-lr"])
def test_a_fold_without_test_learners_gives_an_empty_predictions_file_and_null_figures(tmp_path, model):
    rows, report = evaluate(tmp_path, log(TRAIN), model)
    assert rows == [] and report["n"] == 0
    assert (
        report["auc"] is None
        and report["accuracy"] is None
        and report["auc_by_position"]["1-5"]["auc"] is None
    )


@pytest.mark.parametrize("model", ["elo", "best-lr"])
def test_a_file_of_right_answers_only_is_predicted_and_its_auc_is_null(tmp_path, model):
    rows, report = evaluate(tmp_path, log(TRAIN + TEST, correct=1), model)
    assert len(rows) == 6 * len(TEST) == report["n"]
    assert all(0.0 <= float(row["p"]) <= 1.0 for row in rows)
    assert report["auc"] is None and report["accuracy"] is not None


def test_bkt_on_a_file_without_skills_predicts_the_training_success_rate(tmp_path):
    rows, report = evaluate(tmp_path, log(TRAIN + TEST, skills=""), "bkt")
    assert len(rows) == 6 * len(TEST) == report["n"]
    assert {row["p"] for row in rows} == {"0.500000"}


def test_a_fold_holding_every_learner_is_refused_as_nothing_to_train_on(tmp_path):
    with pytest.raises(CommandError, match="nothing to train on: every learner of course is in test fold 0"):
        evaluate(tmp_path, log(TEST))
    assert not (tmp_path / "p.csv").exists() and not (tmp_path / "r.json").exists()


def test_blank_lines_are_skipped(tmp_path):
    text = log(TRAIN + TEST)
    rows, report = evaluate(tmp_path, text.replace("\nb,", "\n\nb,", 1) + "\n\n")
    assert len(rows) == 6 * len(TEST) == report["n"]
    assert [int(row["position"]) for row in rows if row["learner"] == "b"] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER.encode(), "course.csv, line 1: the file has a header but no attempts"),
        (HEADER.encode() + "a,e1,s1,1,1\na,é,s1,1,2\n".encode("latin-1"), "course.csv, line 3: byte 0xe9"),
        (
            (HEADER + "a,e1,s1,1,1\na,e2,s1,1,99999999999999999999\n").encode(),
            "course.csv, line 3: timestamp",
        ),
    ],
)
def test_a_malformed_file_is_refused_on_its_line_and_earlier_outputs_stay(tmp_path, text, message):
    (tmp_path / "p.csv").write_text("earlier predictions\n")
    with pytest.raises(CommandError, match=message):
        evaluate(tmp_path, text)
    assert (tmp_path / "p.csv").read_text() == "earlier predictions\n"
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(
    ("report", "message"),
    [("missing/r.json", r"missing/r\.json: there is no directory"), ("folder", "folder: it is a directory")],
)
def test_a_report_that_cannot_be_written_is_refused_before_any_output_is_written(tmp_path, report, message):
    data = tmp_path / "course.csv"
    data.write_text(log(TRAIN + TEST))
    (tmp_path / "folder").mkdir()
    (tmp_path / "p.csv").write_text("earlier predictions\n")
    with pytest.raises(CommandError, match=f"cannot write .*{message}"):
        call_command(
            "evaluate", "--data", str(data), "--model", "elo", "--predictions", str(tmp_path / "p.csv"),
            "--report", str(tmp_path / report),
        )  # fmt: skip
    assert (tmp_path / "p.csv").read_text() == "earlier predictions\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["course.csv", "folder", "p.csv"]


def test_pretraining_on_the_data_file_itself_is_refused(tmp_path):
    same_file = tmp_path / ".." / tmp_path.name / "course.csv"
    with pytest.raises(CommandError, match="is the --data file itself"):
        evaluate(tmp_path, log(TRAIN + TEST), "elo", "--pretrain", str(same_file))


def test_a_skill_listed_twice_in_an_attempt_counts_once(tmp_path):
    once, _ = evaluate(tmp_path, log(TRAIN + TEST, skills="s1;s2"), "best-lr")
    twice, _ = evaluate(tmp_path, log(TRAIN + TEST, skills="s1;s2;s1"), "best-lr")
    assert twice == once
