"""Microstructure group: bar range, relative size, uptick percentages and their derivatives."""

from __future__ import annotations

import numpy as np
from feature_bars import concat_sessions, make_session

from es_pipeline.features import microstructure, volatility
from es_pipeline.features.base import BarArrays


def compute(frame, params):
    bars = BarArrays.from_frame(frame)
    atr = volatility.compute(bars, params)["atr_30s"]
    return microstructure.compute(bars, params, atr)


def test_alternating_bars(feature_params):
    close = np.where(np.arange(200) % 2 == 0, 100.0, 101.0)
    out = compute(make_session("2025-12-01", close), feature_params)
    assert np.isnan(out["uptick_pct_30s"][:30]).all() and (out["uptick_pct_30s"][30:] == 50.0).all()
    assert np.isnan(out["uptick_pct_60s"][:60]).all() and (out["uptick_pct_60s"][60:] == 50.0).all()
    assert (out["bar_flow_consistency"][60:] == 0.0).all()
    assert (out["directional_strength"][30:] == 0.0).all()
    assert (out["bar_range"][1:] == 1.0).all() and out["bar_range"][0] == 0.0
    assert (out["relative_bar_size"][30:] == 1.0).all()
    np.testing.assert_allclose(out["relative_bar_size"][29], 1.0 / (29 / 30))


def test_ramp_and_flat(feature_params):
    out = compute(make_session("2025-12-01", 100.0 + 0.25 * np.arange(100)), feature_params)
    assert (out["uptick_pct_30s"][30:] == 100.0).all() and (out["directional_strength"][30:] == 100.0).all()
    flat = compute(make_session("2025-12-01", np.full(100, 100.0)), feature_params)
    assert (flat["uptick_pct_30s"][30:] == 0.0).all()  # unchanged close is not an up bar
    assert (flat["directional_strength"][30:] == 100.0).all()
    assert np.isnan(flat["relative_bar_size"]).all()  # 0 / 0 -> NaN


def test_first_bar_is_not_counted(feature_params):
    # the session's first bar "rises" from nothing; it must not count as an up bar
    close = np.concatenate([[100.0], np.full(60, 100.0)])
    close[30] = 101.0  # one up bar at row 30 (and a down bar at row 31)
    out = compute(make_session("2025-12-01", close), feature_params)
    np.testing.assert_allclose(out["uptick_pct_30s"][30], 100 / 30)
    np.testing.assert_allclose(out["uptick_pct_30s"][59], 100 / 30)
    assert out["uptick_pct_30s"][60] == 0.0
    np.testing.assert_allclose(out["bar_flow_consistency"][60], 100 / 60)


def test_spike_and_session_boundary(feature_params):
    close = np.full(100, 100.0)
    high = close.copy()
    high[50] = 104.0
    first = make_session("2025-12-01", close, high=high)
    second = make_session("2025-12-02", np.where(np.arange(100) % 2 == 0, 50.0, 51.0))
    out = compute(concat_sessions(first, second), feature_params)
    assert out["bar_range"][50] == 4.0
    np.testing.assert_allclose(out["relative_bar_size"][50], 4.0 / (4.0 / 30))
    assert np.isnan(out["uptick_pct_30s"][100:130]).all() and (out["uptick_pct_30s"][130:] == 50.0).all()
