"""Consolidation group: rolling ranges, position in range, compression, retouch counts."""

from __future__ import annotations

import numpy as np
from feature_bars import concat_sessions, make_session, with_windows

from es_pipeline.features import consolidation
from es_pipeline.features.base import BarArrays


def compute(frame, params):
    return consolidation.compute(BarArrays.from_frame(frame), params)


def test_ramp(feature_params):
    close = 6000.0 + 0.25 * np.arange(1200)  # open = previous close: high = close, low = previous close
    out = compute(make_session("2025-12-01", close), feature_params)
    assert np.isnan(out["short_range_high"][:299]).all() and np.isnan(out["medium_range_size"][:899]).all()
    np.testing.assert_array_equal(out["short_range_high"][299:], close[299:])
    np.testing.assert_array_equal(out["short_range_low"][300:], close[:-300])  # low of bar t-299 = close t-300
    assert out["short_range_size"][299] == 0.25 * 299  # the first bar's low is its own close
    assert (out["short_range_size"][300:] == 75.0).all()
    assert (out["position_in_short_range"][299:] == 1.0).all()
    assert (out["medium_range_size"][900:] == 225.0).all()
    np.testing.assert_allclose(out["range_compression_ratio"][900:], 1 / 3)
    # zone = 10% of 75 = 7.5 points = 30 ticks: the oldest 31 bars of the window are in the bottom
    # zone (positions 0..30) and the newest 31 in the top zone (269..299). Touches, 30 bars apart:
    # positions 0, 30, then 269, 299 -> 4
    assert (out["short_range_retouches"][300:] == 4).all()
    # medium: zone 22.5 points = 90 ticks -> positions 0..90 and 809..899: 0, 30, 60, 90, 809, 839, 869, 899
    assert (out["medium_range_retouches"][900:] == 8).all()


def test_flat_market(feature_params):
    out = compute(make_session("2025-12-01", np.full(1000, 6000.0)), feature_params)
    assert (out["short_range_size"][299:] == 0.0).all()
    assert np.isnan(out["position_in_short_range"]).all()  # 0 / 0 -> NaN, documented
    assert np.isnan(out["range_compression_ratio"]).all()
    # every bar of a flat window is in a zone: a touch every 30 bars
    assert (out["short_range_retouches"][299:] == 10).all()
    assert (out["medium_range_retouches"][899:] == 30).all()


def test_single_spike(feature_params):
    close = np.full(700, 100.0)
    high = close.copy()
    high[350] = 110.0
    params = with_windows(feature_params, short_range=100)
    out = compute(make_session("2025-12-01", close, high=high), params)
    # while the spike is in the window (rows 350 .. 449) the range is 100 .. 110
    assert (out["short_range_high"][350:450] == 110.0).all() and (out["short_range_high"][450:] == 100.0).all()
    assert (out["position_in_short_range"][350:450] == 0.0).all()
    # spike (top zone) and every other bar (bottom zone, low = 100) are in a zone; cooldown 30
    # over 100 bars from the window start gives ceil(100 / 30) = 4 touches, spike or not
    assert (out["short_range_retouches"][350:450] == 4).all()


def test_retouch_cooldown_on_oscillation(feature_params):
    # period of 20 bars: 5 at the top (high 101), 5 mid, 5 at the bottom (low 99), 5 mid.
    # In a 40-bar window starting at a top phase the in-zone positions are 0-4, 10-14, 20-24, 30-34
    # (zone 10% of the 2-point range: high >= 100.8 or low <= 99.2; mid bars are in neither).
    n = 200
    phase = (np.arange(n) // 5) % 4
    high = np.choose(phase, [101.0, 100.5, 100.0, 100.5])
    low = np.choose(phase, [100.0, 99.5, 99.0, 99.5])
    close = (high + low) / 2
    params = with_windows(feature_params, short_range=40)
    expected = {
        1: 20,  # every in-zone bar
        3: 8,  # 0, 3, 10, 13, 20, 23, 30, 33
        5: 4,  # 0, 10, 20, 30
        11: 4,  # 0, 11, 22, 33: the cooldown runs from the previous *counted* touch
        12: 3,  # 0, 12, 24
        30: 2,  # 0, 30
        40: 1,
    }
    for cooldown, count in expected.items():
        got = compute(make_session("2025-12-01", close, high=high, low=low, open_=close),
                      with_windows(params, touch_cooldown=cooldown))["short_range_retouches"]
        assert np.isnan(got[:39]).all()
        assert got[-1] == count, cooldown  # window rows 160..199 starts at a top phase


def test_session_boundary_resets(feature_params):
    first = make_session("2025-12-01", 6000.0 + 0.25 * np.arange(400))
    second = make_session("2025-12-02", np.full(400, 5000.0))
    out = compute(concat_sessions(first, second), feature_params)
    assert np.isnan(out["short_range_high"][400:699]).all()
    assert (out["short_range_high"][699:] == 5000.0).all()
    assert np.isnan(out["short_range_retouches"][400:699]).all()
    assert np.isnan(out["medium_range_size"]).all()  # neither session reaches 900 bars
