"""Shared fixtures of the ML tests: where the shared data sets live, and whether they must be there."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
DATASETS = REPO_ROOT.parent / "shared" / "datasets"


@pytest.fixture
def shared_dataset():
    """Return a function giving the path of a shared data set; skip without it, fail on CI without it."""

    def locate(name: str) -> Path:
        path = DATASETS / name
        if not path.is_file():
            if os.environ.get("CI") == "true":
                pytest.fail(f"{path} is missing, and CI=true requires the shared data sets")
            pytest.skip(f"{path} is not available")
        return path

    return locate


def synthetic_log(n_learners: int = 120, length: int = 40, n_exercises: int = 40, seed: int = 0, course="c"):
    """Attempts drawn from a known model: P = sigma(ability + 0.4 log(1 + skill practice) - difficulty).

    Abilities are N(0, 1.2^2), difficulties N(0, 1); each exercise has one of 5 skills. ``seed`` draws
    the learners; the exercise bank is fixed.
    """
    import math

    import numpy as np

    from metamodel.ml.data import AttemptRecord

    bank = np.random.default_rng(12345)  # the same exercises whatever the learners' seed
    difficulty = bank.normal(0.0, 1.0, n_exercises)
    skill_of = bank.integers(0, 5, n_exercises)
    rng = np.random.default_rng(seed)
    records = []
    oracle: list[float] = []
    for learner in range(n_learners):
        ability = rng.normal(0.0, 1.2)
        practice = [0] * 5
        for position in range(1, length + 1):
            exercise = int(rng.integers(n_exercises))
            skill = int(skill_of[exercise])
            logit = ability + 0.4 * math.log1p(practice[skill]) - difficulty[exercise]
            probability = 1.0 / (1.0 + math.exp(-logit))
            correct = int(rng.random() < probability)
            oracle.append(probability)
            practice[skill] += 1
            records.append(
                AttemptRecord(f"{course}-l{learner}", f"e{exercise}", (f"s{skill}",), correct, position)
            )
    synthetic_log.oracle = oracle  # the generating probabilities of the last call, for reference
    return records


@pytest.fixture
def synthetic():
    return synthetic_log
