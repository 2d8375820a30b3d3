"""Volume group: ratio to the mean of the bars BEFORE t, slopes, exhaustion."""

from __future__ import annotations

import numpy as np
from feature_bars import concat_sessions, make_session

from es_pipeline.features import volume
from es_pipeline.features.base import BarArrays


def compute(frame, params):
    return volume.compute(BarArrays.from_frame(frame), params)


def test_flat_volume(feature_params):
    out = compute(make_session("2025-12-01", np.full(200, 6000.0), volume=np.full(200, 10)), feature_params)
    assert np.isnan(out["volume_ratio_30s"][:30]).all()
    assert (out["volume_ratio_30s"][30:] == 1.0).all()
    assert np.isnan(out["volume_slope_30s"][:33]).all() and (out["volume_slope_30s"][33:] == 0.0).all()
    assert np.isnan(out["volume_slope_5s"][:4]).all() and (out["volume_slope_5s"][4:] == 0.0).all()
    assert (out["volume_exhaustion"][30:] == 0.0).all()


def test_volume_ramp(feature_params):
    v = np.arange(1, 201)
    out = compute(make_session("2025-12-01", np.full(200, 6000.0), volume=v), feature_params)
    t = np.arange(30, 200)
    # mean of v over rows t-30 .. t-1 = (t - 30 + 1 + t) / 2 = t - 14.5, and v_t = t + 1
    np.testing.assert_allclose(out["volume_ratio_30s"][30:], (t + 1) / (t - 14.5), rtol=1e-14)
    np.testing.assert_allclose(out["volume_slope_5s"][4:], 1.0, rtol=1e-12)
    np.testing.assert_allclose(out["volume_slope_30s"][33:], 1.0, rtol=1e-12)  # the 5-bar mean is a ramp too
    np.testing.assert_allclose(out["volume_exhaustion"][30:], out["volume_ratio_30s"][30:], rtol=1e-12)


def test_alternating_volume(feature_params):
    v = np.where(np.arange(100) % 2 == 0, 10, 20)
    out = compute(make_session("2025-12-01", np.full(100, 6000.0), volume=v), feature_params)
    np.testing.assert_allclose(out["volume_ratio_30s"][30:], v[30:] / 15.0)  # 30 bars before: mean 15
    np.testing.assert_allclose(out["volume_slope_5s"][4:], 0.0, atol=1e-12)  # odd window: symmetric
    # 5-bar means alternate 14 / 16; over 30 of them the fitted slope is +-2 * 15 * ... / sum x^2
    sm = np.where(np.arange(100) % 2 == 0, 14.0, 16.0)
    x = np.arange(30) - 14.5
    np.testing.assert_allclose(out["volume_slope_30s"][33:], [x @ sm[t - 29:t + 1] / (x @ x) for t in range(33, 100)])


def test_single_spike_uses_bars_before_t(feature_params):
    v = np.full(100, 10)
    v[40] = 100
    out = compute(make_session("2025-12-01", np.full(100, 6000.0), volume=v), feature_params)
    ratio = out["volume_ratio_30s"]
    assert ratio[39] == 1.0
    assert ratio[40] == 10.0  # the spike is not part of its own baseline
    np.testing.assert_allclose(ratio[41:71], 10.0 / 13.0)  # (29 * 10 + 100) / 30 = 13
    assert ratio[71] == 1.0
    # slope of the last 5 volumes at the spike: y = (10, 10, 10, 10, 100) -> 90 * 2 / 10 = 18
    np.testing.assert_allclose(out["volume_slope_5s"][40], 18.0)
    np.testing.assert_allclose(out["volume_exhaustion"][40], 180.0)


def test_zero_volume_baseline_is_nan_not_inf(feature_params):
    v = np.zeros(80, np.int64)
    v[60] = 5
    out = compute(make_session("2025-12-01", np.full(80, 6000.0), volume=v), feature_params)
    ratio = out["volume_ratio_30s"]
    assert np.isnan(ratio[:61]).all()  # 0/0 and 5/0 -> NaN
    assert ratio[61] == 0.0  # baseline (29 * 0 + 5) / 30 > 0
    assert not np.isinf(out["volume_exhaustion"]).any()


def test_session_boundary_resets(feature_params):
    first = make_session("2025-12-01", np.full(100, 6000.0), volume=np.full(100, 1000))
    second = make_session("2025-12-02", np.full(100, 6000.0), volume=np.full(100, 10))
    out = compute(concat_sessions(first, second), feature_params)
    assert np.isnan(out["volume_ratio_30s"][100:130]).all()
    assert (out["volume_ratio_30s"][130:] == 1.0).all()
    assert np.isnan(out["volume_slope_5s"][100:104]).all()
    assert np.isnan(out["volume_slope_30s"][100:133]).all()


def test_windows_come_from_params(feature_params):
    from feature_bars import with_windows

    params = with_windows(feature_params, volume_ratio=10, volume_slope_short=3)
    out = compute(make_session("2025-12-01", np.full(50, 6000.0), volume=np.full(50, 7)), params)
    assert np.isnan(out["volume_ratio_30s"][:10]).all() and (out["volume_ratio_30s"][10:] == 1.0).all()
    assert np.isnan(out["volume_slope_5s"][:2]).all() and not np.isnan(out["volume_slope_5s"][2:]).any()
