"""Fixtures for the feature tests (the bar builders live in feature_bars.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from es_pipeline.params import load_params

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:  # so `tests.reference.features` imports under plain `pytest`
    sys.path.insert(0, str(REPO_ROOT))
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # so the test modules can `import feature_bars` whatever the import mode
    sys.path.insert(0, HERE)

from feature_bars import concat_sessions, random_walk_day  # noqa: E402


@pytest.fixture(scope="session")
def feature_params():
    return load_params(REPO_ROOT / "params").features


@pytest.fixture(scope="session")
def walk_day() -> pd.DataFrame:
    return random_walk_day("2025-12-03", 27_000, seed=7)


@pytest.fixture(scope="session")
def two_walk_days() -> pd.DataFrame:
    return concat_sessions(
        random_walk_day("2025-12-02", 1_500, seed=1),
        random_walk_day("2025-12-03", 1_500, seed=2),
    )
