import math

import pytest

from metamodel.ml.features import KnowledgeState, build_feature_table, timestamps_are_positions


def test_features_count_earlier_attempts_only():
    state = KnowledgeState(real_time=False)
    first, per_skill = state.features("e1", ("s",), 1)
    assert first[:2] == [0.0, 0.0] and per_skill == [0.0, 0.0, 0.0, 0.0]
    state.update("e1", ("s",), 1, 1)
    state.update("e2", ("s",), 0, 2)
    global_features, per_skill = state.features("e1", ("s", "t"), 3)
    assert global_features[0] == pytest.approx(math.log(3))  # two attempts
    assert global_features[1] == pytest.approx(math.log(2))  # one success
    assert global_features[6] == 1.0  # last outcome on e1: correct
    assert per_skill[:2] == pytest.approx([math.log(3), math.log(2)])
    assert per_skill[3] == 0.0  # the run of correct answers on s ended with the wrong one
    assert per_skill[4:] == [0.0, 0.0, 0.0, 0.0]  # skill t never practised


def test_time_gaps_count_only_with_real_timestamps():
    state = KnowledgeState(real_time=True)
    state.update("e", ("s",), 1, 100)
    global_features, _ = state.features("e", ("s",), 100 + 3600)
    assert global_features[8] == pytest.approx(math.log1p(3600))
    assert timestamps_are_positions([1, 2, 3]) and not timestamps_are_positions([5, 9])


def test_feature_table_namespaces_keys_by_course(synthetic):
    table = build_feature_table([("algebra", synthetic(n_learners=3, length=4))])
    assert table.exercises[0].startswith("algebra/") and table.skills[0][0].startswith("algebra/s")
    assert list(table.starts) == [0, 4, 8, 12]
    assert list(table.position[:4]) == [1, 2, 3, 4]


@pytest.mark.parametrize("real_time", [True, False])
def test_candidate_features_equal_the_one_at_a_time_features(real_time):
    import numpy as np

    from metamodel.ml.features import SkillSlots

    state = KnowledgeState(real_time=real_time)
    for t, (exercise, skills, correct) in enumerate(
        [("e1", ("a",), 1), ("e2", ("a", "b"), 0), ("e1", ("a",), 1), ("e3", ("b",), 1)], start=1
    ):
        state.update(exercise, skills, correct, 10 * t)
    exercises = ["e1", "e2", "e9", "e4"]
    skills = [("a",), ("a", "b"), ("z",), ()]
    slots = SkillSlots.of(skills, 75)
    batch_global, batch_skill = state.candidate_features(exercises, slots)
    for row, (exercise, keys) in enumerate(zip(exercises, skills, strict=True)):
        one_global, one_skill = state.features(exercise, keys, 75)
        assert np.allclose(batch_global[row], one_global)
        assert np.allclose(batch_skill[row].ravel()[: len(one_skill)], one_skill)
