import itertools

import numpy as np
import pytest

from metamodel.ml.metrics import auc, expected_calibration_error, score_predictions


def brute_force_auc(y, p):
    pairs = [(a, b) for a, b in itertools.product(range(len(y)), repeat=2) if y[a] == 1 and y[b] == 0]
    return sum(1.0 if p[a] > p[b] else 0.5 if p[a] == p[b] else 0.0 for a, b in pairs) / len(pairs)


def test_auc_matches_the_pairwise_definition_with_ties():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60)
    p = rng.integers(0, 5, 60) / 4.0
    assert auc(y, p) == pytest.approx(brute_force_auc(y, p))


def test_auc_is_nan_with_one_class():
    assert np.isnan(auc(np.ones(4), np.linspace(0, 1, 4)))


def test_ece_of_a_calibrated_and_a_miscalibrated_predictor():
    y = np.array([1, 0, 1, 0])
    assert expected_calibration_error(y, np.full(4, 0.5)) == pytest.approx(0.0)
    assert expected_calibration_error(y, np.full(4, 0.9)) == pytest.approx(0.4)
    assert expected_calibration_error(np.array([1]), np.array([1.0])) == pytest.approx(0.0)


def test_score_reports_every_readme_figure():
    y = np.array([1, 0, 1, 1, 0, 1, 0, 1])
    p = np.array([0.9, 0.2, 0.6, 0.4, 0.5, 0.7, 0.1, 0.8])
    position = np.array([1, 2, 3, 7, 8, 12, 30, 60])
    report = score_predictions(y, p, position)
    assert report["accuracy"] == pytest.approx(6 / 8)
    assert report["rmse"] == pytest.approx(np.sqrt(np.mean((p - y) ** 2)))
    assert report["log_loss"] == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert set(report["auc_by_position"]) == {"1-5", "6-10", "11-20", "21-50", "51+"}
    assert report["auc_by_position"]["1-5"]["n"] == 3
