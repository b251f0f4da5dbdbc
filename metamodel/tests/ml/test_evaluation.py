import csv
import dataclasses
import json

import numpy as np
import pytest

from metamodel.ml.data import AttemptLogError, is_test_learner
from metamodel.ml.evaluation import run_evaluation
from metamodel.ml.features import build_feature_table
from metamodel.ml.replay import OnlineOffsets, chunks, replay_order
from metamodel.ml.text import SHRINKAGE


def write_log(path, records):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "exercise", "skills", "correct", "timestamp"])
        for r in records:
            writer.writerow([r.learner, r.exercise, ";".join(r.skills), r.correct, r.timestamp])
    return path


@pytest.fixture
def course_file(tmp_path, synthetic):
    return write_log(tmp_path / "course.csv", synthetic(n_learners=60, length=15))


@pytest.fixture
def other_course(tmp_path, synthetic):
    """Another course's log, to pretrain on."""
    return write_log(tmp_path / "other.csv", synthetic(n_learners=40, length=15, seed=3, course="o"))


def replay(course_file, other_course, tmp_path, model):
    return run_evaluation(
        course_file,
        tmp_path / "p.csv",
        tmp_path / "r.json",
        pretrain=[other_course],
        protocol="replay",
        model=model,
    )


@pytest.mark.parametrize("model", ["elo", "best-lr", "bkt"])
def test_baselines_predict_every_test_attempt_and_report(course_file, tmp_path, model, synthetic):
    report = run_evaluation(
        course_file, tmp_path / "p.csv", tmp_path / "r.json", model=model, command="python manage.py evaluate"
    )
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    test_learners = {r.learner for r in synthetic(n_learners=60, length=15) if is_test_learner(r.learner)}
    assert {row["learner"] for row in rows} == test_learners
    assert len(rows) == 15 * len(test_learners) == report["n"]
    assert all(0.0 <= float(row["p"]) <= 1.0 for row in rows)
    assert len({(row["learner"], row["position"]) for row in rows}) == len(rows)
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["command"] == "python manage.py evaluate" and saved["model"] == model
    # Per-skill BKT cannot see the synthetic learners' abilities or the exercises' difficulties.
    assert report["auc"] > (0.55 if model == "bkt" else 0.6)
    for key in (
        "accuracy",
        "rmse",
        "log_loss",
        "ece",
        "auc_positions_1_10",
        "auc_by_position",
        "peak_memory_mb",
    ):
        assert key in saved


def test_the_meta_model_uses_pretrain_files(course_file, other_course, tmp_path):
    report = run_evaluation(
        course_file,
        tmp_path / "p.csv",
        tmp_path / "r.json",
        pretrain=[other_course],
        model="ablation",
        command="x",
    )
    assert report["pretrain"] == [str(other_course)] and report["auc"] > 0.6


def test_replay_predicts_every_attempt_of_an_unseen_course(course_file, other_course, tmp_path):
    for model in ("elo", "meta"):
        report = replay(course_file, other_course, tmp_path, model)
        assert report["n"] == 60 * 15
        assert report["first_1000"]["n"] == 900


def test_replay_is_round_robin_on_position_data(synthetic):
    table = build_feature_table([("c", synthetic(n_learners=3, length=2))])
    order = replay_order(table)
    assert [(int(table.task[r]), int(table.position[r])) for r in order] == [
        (0, 1),
        (1, 1),
        (2, 1),
        (0, 2),
        (1, 2),
        (2, 2),
    ]
    assert [list(c) for c in chunks(order, table.task, 2)] == [[0, 2], [4, 1], [3, 5]]
    assert [len(c) for c in chunks(np.arange(200), np.arange(200), 256)][:3] == [4, 4, 4]


def test_replay_learns_an_exercise_from_each_attempt_before_the_next_one_in_the_same_chunk(synthetic):
    """Three learners meet the same new exercise one after another, all in one chunk: each prediction
    already has the Elo step of the answers before it, as online Elo's would."""
    records = [
        dataclasses.replace(r, exercise="e1", skills=("s1",), correct=1)
        for r in synthetic(n_learners=3, length=1)
    ]
    table = build_feature_table([("c", records)])
    rows = replay_order(table)
    offsets = OnlineOffsets(table)
    p = offsets.predict_and_learn(rows, np.zeros(3), table.correct[rows])
    assert p[0] == pytest.approx(0.5)
    assert p[0] < p[1] < p[2]
    # K(0) = 1, so one right answer at p = 0.5 moves the exercise half a logit easier.
    assert p[1] == pytest.approx(1 / (1 + np.exp(-0.5)))
    assert offsets.prior(rows[:1])[0] > 0.5


def test_an_exercise_learns_from_its_first_attempt_onwards_from_the_prior_it_was_predicted_with(synthetic):
    """Learners find e1 hard; e2, of the same skill, is first predicted from the skill's offset, and its
    first Elo step starts there (as online Elo starts an unrated item from its fallback), not from 0."""
    records = [
        dataclasses.replace(r, exercise="e1", skills=("s1",), correct=0)
        for r in synthetic(n_learners=4, length=1)
    ]
    records.append(dataclasses.replace(records[0], learner="late", exercise="e2", correct=1))
    table = build_feature_table([("c", records)])
    rows = replay_order(table)
    offsets = OnlineOffsets(table)
    offsets.predict_and_learn(rows[:4], np.zeros(4), table.correct[rows[:4]])
    skill_prior = offsets.prior(rows[4:])[0]
    assert skill_prior < -1.0
    p = offsets.predict_and_learn(rows[4:], np.zeros(1), table.correct[rows[4:]])[0]
    assert p == pytest.approx(1 / (1 + np.exp(-skill_prior)))
    assert offsets.prior(rows[4:])[0] == pytest.approx(skill_prior + (1 - p))  # K(0) = 1


def test_an_untried_exercise_starts_from_its_text_neighbours_learned_offset(synthetic):
    """Two steps of one problem: after learners found the first hard, the second, never tried, starts
    from the first's offset (shrunk towards its skill's), where without texts it starts from the skill's."""
    records = [
        dataclasses.replace(r, exercise="q1_a", skills=("s1",), correct=0)
        for r in synthetic(n_learners=4, length=1)
    ]
    records.append(dataclasses.replace(records[0], learner="late", exercise="q1_b", skills=("s2",)))
    texts = {"c/q1_a": "tutor_08_10_q1_a UpdateComboBox", "c/q1_b": "tutor_08_10_q1_b UpdateComboBox"}
    table = build_feature_table([("c", records)])
    rows = replay_order(table)
    with_text, without = OnlineOffsets(table, texts), OnlineOffsets(table)
    for offsets in (with_text, without):
        offsets.predict_and_learn(rows[:4], np.zeros(4), table.correct[rows[:4]])
    learned = with_text.prior(rows[:1])[0]
    assert learned < -1.0  # four wrong answers
    assert without.prior(rows[4:])[0] == 0.0  # its skill s2 has no answer yet
    similarity = with_text.text.similarity[with_text.keys.index("c/q1_b"), with_text.keys.index("c/q1_a")]
    assert similarity > 0.3
    assert with_text.prior(rows[4:])[0] == pytest.approx(similarity * learned / (similarity + SHRINKAGE))


def test_an_invalid_file_or_model_is_refused(tmp_path, course_file):
    bad = tmp_path / "bad.csv"
    bad.write_text("learner,exercise,skills,correct,timestamp\na,e,s,2,1\n")
    with pytest.raises(AttemptLogError):
        run_evaluation(bad, tmp_path / "p.csv", tmp_path / "r.json")
    with pytest.raises(ValueError, match="unknown model"):
        run_evaluation(course_file, tmp_path / "p.csv", tmp_path / "r.json", model="nope")
    with pytest.raises(ValueError, match="no replay protocol"):
        run_evaluation(course_file, tmp_path / "p.csv", tmp_path / "r.json", protocol="replay", model="bkt")
    texts = tmp_path / "texts.tsv"
    texts.write_text("exercise\ttext\ne1\ta\tb\n")
    with pytest.raises(AttemptLogError, match=r"texts\.tsv, line 2"):
        run_evaluation(course_file, tmp_path / "p.csv", tmp_path / "r.json", exercise_texts=texts)


def test_replay_re_meta_trains_at_its_cadence(course_file, other_course, tmp_path, monkeypatch):
    import metamodel.ml.replay as replay_module

    monkeypatch.setattr(replay_module, "RETRAIN_AT", 200)
    report = replay(course_file, other_course, tmp_path, "meta")
    first, second = report["retrained_after_attempts"][:2]
    assert 200 <= first < 260 and 400 <= second < 460  # at the first chunk boundary past 200, then 400
    assert report["auc"] > 0.6
