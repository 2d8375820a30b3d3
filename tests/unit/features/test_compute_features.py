"""compute_features end to end: columns, dtypes, reference agreement, no look-ahead, no overnight bleed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from feature_bars import TZ, concat_sessions, make_session, random_walk_day
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from es_pipeline.features.frame import (
    DATA_NAN,
    FEATURE_NAMES,
    FLAG_NAMES,
    compute_features,
    feature_metrics,
    nan_check,
    warmup_rows,
)
from tests.reference.features import REFERENCE_NAMES, compute_features_reference

SPEC_ORDER = REFERENCE_NAMES  # written out by hand in the reference, in SPEC 7 table order


def features(bars, params):
    return compute_features(bars, params, TZ)


def test_columns_and_dtypes(two_walk_days, feature_params):
    out = features(two_walk_days, feature_params)
    assert list(out.columns) == ["ts_event", *SPEC_ORDER]
    assert FEATURE_NAMES == SPEC_ORDER and len(FEATURE_NAMES) == 43
    assert str(out["ts_event"].dtype) == "datetime64[ns, UTC]"
    assert (out["ts_event"].to_numpy() == two_walk_days["ts_event"].to_numpy()).all()
    for name in FEATURE_NAMES:
        assert out[name].dtype == (np.int8 if name in FLAG_NAMES else np.float64), name
    assert len(out) == len(two_walk_days)


def test_agrees_with_pandas_reference(walk_day, feature_params):
    bars = concat_sessions(random_walk_day("2025-12-02", 2_000, seed=11), walk_day)
    fast = features(bars, feature_params)
    ref = compute_features_reference(bars, feature_params, TZ)
    assert list(ref.columns) == list(fast.columns)
    for name in FEATURE_NAMES:
        a, b = fast[name].to_numpy(np.float64), ref[name].to_numpy(np.float64)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=name)
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, equal_nan=True, err_msg=name)
    assert fast[list(FEATURE_NAMES)].isna().to_numpy().any()  # warm-ups exist
    assert fast.iloc[-1, 1:].notna().all()  # and every feature is defined late in the day


def test_no_inf_on_realistic_and_degenerate_sessions(walk_day, feature_params):
    zero_volume = make_session("2025-12-04", 6000.0 + 0.25 * (np.arange(1000) % 7), volume=np.zeros(1000))
    degenerate = concat_sessions(
        make_session("2025-12-01", np.full(1200, 6000.0)),  # flat
        zero_volume,
        make_session("2025-12-05", [6000.0]),  # a one-bar session
        make_session("2025-12-08", np.full(10, 5.0)),  # shorter than every window
    )
    for bars in (walk_day, degenerate):
        values = features(bars, feature_params)[list(FEATURE_NAMES)].to_numpy(np.float64)
        assert not np.isinf(values).any()
    out = features(degenerate, feature_params)
    assert out.loc[1200:2199, "vwap"].isna().all()  # no volume traded: VWAP undefined
    assert out.loc[2200, ["vwap", "bar_range", "is_pre_open"]].notna().all()


def test_warmup_rows_match_observed_leading_nans(two_walk_days, feature_params):
    out = features(two_walk_days, feature_params)
    warm = warmup_rows(feature_params)
    for start in (0, 1500):
        session = out.iloc[start:start + 1500]
        for name in FEATURE_NAMES:
            missing = session[name].isna().to_numpy()
            assert missing[:warm[name]].all(), name
            assert not missing[warm[name]:].any() or name in DATA_NAN, name
    check = nan_check(out, two_walk_days["session_date"], feature_params)
    assert check["passed"].all(), check.loc[~check["passed"]]
    assert (check["expected_nan"] == check["observed_nan"]).all()


def test_nan_check_flags_a_wrong_warmup(two_walk_days, feature_params):
    out = features(two_walk_days, feature_params)
    out.loc[1500 + 400, "atr_300s"] = np.nan  # a NaN where the window is full
    out.loc[1500 + 10, "return_300s"] = 0.0  # a value inside the warm-up
    check = nan_check(out, two_walk_days["session_date"], feature_params).set_index("feature")
    assert not check.loc["atr_300s", "passed"] and not check.loc["return_300s", "passed"]
    assert check["passed"].sum() == 41


def test_short_sessions_and_empty_input(feature_params):
    bars = concat_sessions(make_session("2025-12-01", [6000.0]), make_session("2025-12-02", np.full(40, 6000.0)))
    out = features(bars, feature_params)
    assert len(out) == 41 and out["short_range_high"].isna().all() and out["atr_30s"].iloc[40] == 0.0
    empty = features(bars.iloc[:0], feature_params)
    assert list(empty.columns) == ["ts_event", *FEATURE_NAMES] and len(empty) == 0
    metrics = feature_metrics(empty)
    assert metrics["rows"] == 0 and metrics["features"]["vwap"]["mean"] is None


def test_feature_metrics_are_plain_json(two_walk_days, feature_params):
    metrics = feature_metrics(features(two_walk_days, feature_params))
    json.dumps(metrics, allow_nan=False)
    assert metrics["rows"] == 3000 and list(metrics["features"]) == list(FEATURE_NAMES)
    atr = metrics["features"]["atr_300s"]
    assert atr["nan_share"] == 2 * 299 / 3000 and 0 < atr["min"] <= atr["mean"] <= atr["max"]


# ------------------------------------------------------------------------- no look-ahead


@pytest.fixture(scope="module")
def base_features(two_walk_days, feature_params):
    return features(two_walk_days, feature_params)


def rewrite_after(bars: pd.DataFrame, t: int, seed: int) -> pd.DataFrame:
    """A different (valid) future: every bar after row t gets new prices and volume."""
    rng = np.random.default_rng(seed)
    out = bars.copy()
    n = len(bars) - t - 1
    if n <= 0:
        return out
    close = out["close"].iloc[t] + 0.25 * np.cumsum(rng.integers(-6, 7, n))
    open_ = close + 0.25 * rng.integers(-3, 4, n)
    rows = slice(t + 1, None)
    out.iloc[rows, out.columns.get_loc("open")] = open_
    out.iloc[rows, out.columns.get_loc("close")] = close
    out.iloc[rows, out.columns.get_loc("high")] = np.maximum(open_, close) + 0.25 * rng.integers(0, 9, n)
    out.iloc[rows, out.columns.get_loc("low")] = np.minimum(open_, close) - 0.25 * rng.integers(0, 9, n)
    out.iloc[rows, out.columns.get_loc("volume")] = rng.integers(0, 500, n)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(t=st.integers(0, 2999), seed=st.integers(0, 2**32 - 1))
def test_no_look_ahead(two_walk_days, feature_params, base_features, t, seed):
    changed = features(rewrite_after(two_walk_days, t, seed), feature_params)
    pd.testing.assert_frame_equal(changed.iloc[: t + 1], base_features.iloc[: t + 1], check_exact=True)


@pytest.mark.parametrize("t", [0, 299, 899, 1499, 1500, 1829, 2998])
def test_no_look_ahead_at_window_edges(two_walk_days, feature_params, base_features, t):
    changed = features(rewrite_after(two_walk_days, t, seed=t), feature_params)
    pd.testing.assert_frame_equal(changed.iloc[: t + 1], base_features.iloc[: t + 1], check_exact=True)
    assert not changed.iloc[t + 1:].equals(base_features.iloc[t + 1:])  # the change did reach the output


def test_no_overnight_bleed(two_walk_days, feature_params, base_features):
    yesterday = rewrite_after(two_walk_days.iloc[:1500], -1, seed=5)  # a wholly different previous session
    changed = features(concat_sessions(yesterday, two_walk_days.iloc[1500:]), feature_params)
    pd.testing.assert_frame_equal(changed.iloc[1500:], base_features.iloc[1500:], check_exact=True)
    alone = features(two_walk_days.iloc[1500:].reset_index(drop=True), feature_params)
    pd.testing.assert_frame_equal(alone, base_features.iloc[1500:].reset_index(drop=True), check_exact=True)
