"""Fixtures for the feature tests (the bar builders live in feature_bars.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from feature_bars import concat_sessions, random_walk_day

from tests.params import load_params

REPO_ROOT = Path(__file__).resolve().parents[3]


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
