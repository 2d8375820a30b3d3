"""Returns group: k-bar returns, momentum acceleration and consistency."""

from __future__ import annotations

import numpy as np
from feature_bars import concat_sessions, make_session

from es_pipeline.features import returns
from es_pipeline.features.base import BarArrays


def compute(frame, params):
    return returns.compute(BarArrays.from_frame(frame), params)


def test_ramp(feature_params):
    close = 100.0 + np.arange(400)
    out = compute(make_session("2025-12-01", close), feature_params)
    t = np.arange(400)
    for name, k in (("return_30s", 30), ("return_60s", 60), ("return_300s", 300)):
        assert np.isnan(out[name][:k]).all()
        np.testing.assert_allclose(out[name][k:], k / (100.0 + t[k:] - k), rtol=1e-13)
    np.testing.assert_allclose(out["momentum_acceleration"][60:], out["return_30s"][60:] - out["return_60s"][60:])
    assert np.isnan(out["momentum_acceleration"][:60]).all()
    # 1-bar returns 1 / (99 + j): window t-29 .. t, sample std
    expected = [np.std(1.0 / (99.0 + np.arange(s - 29, s + 1)), ddof=1) for s in range(30, 400)]
    np.testing.assert_allclose(out["momentum_consistency"][30:], expected, rtol=1e-8)


def test_flat_market_is_exactly_zero(feature_params):
    out = compute(make_session("2025-12-01", np.full(400, 6000.0)), feature_params)
    for name in ("return_30s", "return_60s", "return_300s", "momentum_acceleration"):
        assert (out[name][~np.isnan(out[name])] == 0.0).all()
    assert np.isnan(out["momentum_consistency"][:30]).all()  # the first bar has no 1-bar return
    assert (out["momentum_consistency"][30:] == 0.0).all()


def test_alternating_bars(feature_params):
    close = np.where(np.arange(200) % 2 == 0, 100.0, 101.0)
    out = compute(make_session("2025-12-01", close), feature_params)
    assert (out["return_30s"][30:] == 0.0).all()  # even lag: same phase
    one_bar = np.tile([0.01, 100.0 / 101.0 - 1.0], 15)
    np.testing.assert_allclose(out["momentum_consistency"][30:], np.std(one_bar, ddof=1), rtol=1e-9)


def test_single_spike(feature_params):
    close = np.full(200, 100.0)
    close[50] = 110.0
    out = compute(make_session("2025-12-01", close), feature_params)
    r30 = out["return_30s"]
    np.testing.assert_allclose(r30[50], 0.1)
    np.testing.assert_allclose(r30[80], 100.0 / 110.0 - 1.0)
    assert (r30[np.r_[30:50, 51:80, 81:200]] == 0.0).all()
    mc = out["momentum_consistency"]
    assert (mc[30:50] == 0.0).all() and (mc[50:81] > 0).all() and (mc[81:] == 0.0).all()


def test_session_boundary(feature_params):
    first = make_session("2025-12-01", np.full(100, 200.0))
    second = make_session("2025-12-02", np.full(100, 100.0))
    out = compute(concat_sessions(first, second), feature_params)
    assert np.isnan(out["return_30s"][100:130]).all() and (out["return_30s"][130:] == 0.0).all()
    assert np.isnan(out["momentum_consistency"][100:130]).all()
