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
