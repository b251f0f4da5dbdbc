import numpy as np
import pytest

from metamodel.ml import text as text_module
from metamodel.ml.text import (
    SHRINKAGE,
    SimilarityAmong,
    SimilarityTo,
    TextNeighbours,
    lagged_similarity,
    text_vectors,
)

STEPS = {
    "a": "tutor_08_10_q2_C UpdateComboBox",
    "b": "tutor_08_10_q2_D UpdateComboBox",
    "c": "tutor_08_11_q3_C UpdateComboBox",
    "d": "_m6_assess_q5_i1 UpdateRadioButton",
    "e": "",
}


def test_the_steps_of_one_problem_are_each_others_nearest_texts():
    neighbours = TextNeighbours(list(STEPS), STEPS)
    similarity = neighbours.similarity.toarray()
    assert similarity[0].argmax() == 1 and similarity[1].argmax() == 0
    assert similarity[0, 1] > similarity[0, 2] > similarity[0, 3]
    assert not similarity[4].any() and not similarity[:, 4].any()  # an empty text has no neighbour
    assert np.all(np.diag(similarity) == 0)  # an exercise is not its own neighbour


def test_an_untried_exercise_borrows_its_tried_neighbours_value_shrunk_towards_the_fallback():
    neighbours = TextNeighbours(list(STEPS), STEPS)
    values = np.array([0.0, -2.0, 1.0, 3.0, 0.0])
    tried = np.array([False, True, True, True, False])
    estimate = neighbours.estimate(np.array([0, 4]), values, tried, np.array([0.5, 0.5]))
    s = neighbours.similarity.toarray()[0]
    expected = (s[1] * -2.0 + s[2] * 1.0 + s[3] * 3.0 + SHRINKAGE * 0.5) / (s[1] + s[2] + s[3] + SHRINKAGE)
    assert estimate[0] == pytest.approx(expected)
    assert estimate[0] < 0  # pulled most by its sibling step, the hardest
    assert estimate[1] == 0.5  # no text: the fallback


@pytest.mark.parametrize("texts", [{}, {"a": "", "b": "  "}, {"a": "● ● ●", "b": "∑ = ?"}])
def test_without_a_word_in_any_text_every_estimate_is_the_fallback(texts):
    neighbours = TextNeighbours(["a", "b"], texts)
    fallback = np.array([0.2, 0.3])
    assert neighbours.estimate(np.array([0, 1]), np.ones(2), np.ones(2, bool), fallback).tolist() == [
        0.2,
        0.3,
    ]


def test_a_texts_vector_is_the_same_alone_as_among_others():
    together = text_vectors(list(STEPS.values()))
    for i, text in enumerate(STEPS.values()):
        assert (text_vectors([text]) != together[i]).nnz == 0
    similarity = (together @ together.T).toarray()
    assert np.allclose(np.diag(similarity)[:4], 1.0) and similarity[4, 4] == 0.0
    assert similarity[0, 1] > similarity[0, 2] > similarity[0, 3]


def test_lagged_similarity_compares_each_attempt_with_the_ones_before_it_in_its_sequence():
    vectors = text_vectors(list(STEPS.values()))
    full = (vectors @ vectors.T).toarray()
    # Two sequences: texts a, b, a, -1 (none), c and then d, a.
    ids = np.array([0, 1, 0, -1, 2, 3, 0])
    position = np.array([1, 2, 3, 4, 5, 1, 2])
    out = lagged_similarity(SimilarityAmong(vectors).pairs, ids, position, lags=3)
    expected = np.zeros((7, 3))
    for row, (here, at) in enumerate(zip(ids, position, strict=True)):
        for lag in range(1, 4):
            earlier = row - lag
            if at > lag and here >= 0 and ids[earlier] >= 0:
                expected[row, lag - 1] = full[here, ids[earlier]]
    assert np.allclose(out, expected)
    assert out[2, 1] > 0.99  # a two attempts after a
    assert not out[5].any() and out[6, 1] == 0.0  # nothing is read across sequences
    assert not out[3].any() and out[4, 0] == 0.0  # nor to or from an attempt without text


def test_a_large_set_of_texts_computes_the_similarities_its_table_would_hold(monkeypatch):
    vectors = text_vectors(list(STEPS.values()))
    small = SimilarityAmong(vectors)
    monkeypatch.setattr(text_module, "TABLE_LIMIT", len(STEPS) - 1)
    large = SimilarityAmong(vectors)
    assert small.table is not None and large.table is None
    a, b = np.array([0, 1, 0, 3, 4, 2]), np.array([1, 0, 0, 2, 0, 2])
    assert np.allclose(large.pairs(a, b), small.pairs(a, b))
    assert small.pairs(a, b)[2] == pytest.approx(1.0) and small.pairs(a, b)[4] == 0.0  # itself; no words
    assert np.allclose(large.columns([3, 0]), small.columns([3, 0]))
    assert np.allclose(small.columns([3, 0]), (vectors @ vectors[[3, 0]].T).toarray())


@pytest.mark.parametrize("others", [["b", "d", "a"], ["e"], []])
def test_similarity_to_a_set_of_texts_is_the_product_of_their_vectors(others):
    vectors = text_vectors(list(STEPS.values()))
    asked = text_vectors([STEPS[key] for key in others] + ["a text that shares no word with any"])
    assert np.allclose(SimilarityTo(vectors)(asked), (vectors @ asked.T).toarray())
    assert not SimilarityTo(text_vectors(["", "!"]))(asked).any()  # a set without words
