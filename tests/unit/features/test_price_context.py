"""Price-context group: session VWAP (typical or close), its distance and slope, session high/low."""

from __future__ import annotations

import dataclasses

import numpy as np
from feature_bars import concat_sessions, make_session

from es_pipeline.features import price_context
from es_pipeline.features.base import BarArrays


def compute(frame, params):
    return price_context.compute(BarArrays.from_frame(frame), params)


def test_vwap_known_answer_typical_and_close(feature_params):
    frame = make_session("2025-12-01", [100.0, 104.0], high=[101.0, 106.0], low=[99.0, 102.0], volume=[1, 3])
    out = compute(frame, feature_params)  # typical prices 100 and 104
    np.testing.assert_allclose(out["vwap"], [100.0, (100.0 + 3 * 104.0) / 4])
    np.testing.assert_allclose(out["distance_from_vwap_pct"], [0.0, (104.0 - 103.0) / 103.0 * 100])
    frame["close"] = [100.0, 101.0]  # typical of bar 2 becomes (106 + 102 + 101) / 3 = 103
    close_params = dataclasses.replace(feature_params, vwap_price="close")
    np.testing.assert_allclose(compute(frame, close_params)["vwap"], [100.0, (100.0 + 3 * 101.0) / 4])
    np.testing.assert_allclose(compute(frame, feature_params)["vwap"], [100.0, (100.0 + 3 * 103.0) / 4])


def test_flat_market(feature_params):
    out = compute(make_session("2025-12-01", np.full(100, 6012.25)), feature_params)
    assert (out["vwap"] == 6012.25).all()
    assert (out["distance_from_vwap_pct"] == 0.0).all()
    assert np.isnan(out["vwap_slope"][:29]).all() and (out["vwap_slope"][29:] == 0.0).all()
    assert (out["distance_from_rth_high"] == 0.0).all() and (out["distance_from_rth_low"] == 0.0).all()


def test_ramp_with_constant_volume(feature_params):
    close = 6000.0 + 0.25 * np.arange(200)
    params = dataclasses.replace(feature_params, vwap_price="close")
    out = compute(make_session("2025-12-01", close), params)
    # equal volumes: vwap = running mean of closes = 6000 + 0.25 * t / 2, slope 0.125 per bar
    np.testing.assert_allclose(out["vwap"], 6000.0 + 0.125 * np.arange(200))
    np.testing.assert_allclose(out["vwap_slope"][29:], 0.125, rtol=1e-9)
    # an up ramp closes at its high every bar; the low is the first bar's
    assert (out["distance_from_rth_high"] == 0.0).all()
    np.testing.assert_array_equal(out["distance_from_rth_low"], close - 6000.0)
    assert (out["distance_from_rth_low"] >= 0).all()


def test_alternating_bars(feature_params):
    close = np.where(np.arange(100) % 2 == 0, 100.0, 101.0)
    volume = np.where(np.arange(100) % 2 == 0, 3, 1)
    out = compute(make_session("2025-12-01", close, volume=volume),
                  dataclasses.replace(feature_params, vwap_price="close"))
    # after each odd bar: equal numbers of both bars -> (3 * 100 + 1 * 101) / 4
    np.testing.assert_allclose(out["vwap"][1::2], 100.25)
    np.testing.assert_allclose(out["distance_from_vwap_pct"][1::2], 0.75 / 100.25 * 100)
    assert (out["distance_from_rth_high"][0::2][1:] == -1.0).all() and (out["distance_from_rth_low"] >= 0).all()


def test_spike_sets_session_high(feature_params):
    close = np.full(10, 100.0)
    high = close.copy()
    high[3] = 110.0
    out = compute(make_session("2025-12-01", close, high=high), feature_params)
    np.testing.assert_array_equal(out["distance_from_rth_high"], [0, 0, 0, -10, -10, -10, -10, -10, -10, -10])


def test_no_volume_yet_gives_nan_vwap(feature_params):
    volume = np.zeros(60, np.int64)
    volume[5:] = 10
    out = compute(make_session("2025-12-01", np.full(60, 100.0), volume=volume), feature_params)
    assert np.isnan(out["vwap"][:5]).all() and np.isnan(out["distance_from_vwap_pct"][:5]).all()
    assert (out["vwap"][5:] == 100.0).all()
    # the slope window must hold 30 valid vwaps: first value at row 5 + 29
    assert np.isnan(out["vwap_slope"][:34]).all() and (out["vwap_slope"][34:] == 0.0).all()


def test_session_boundary_resets(feature_params):
    first = make_session("2025-12-01", np.full(50, 200.0))
    second = make_session("2025-12-02", np.full(50, 100.0))
    out = compute(concat_sessions(first, second), feature_params)
    assert (out["vwap"][50:] == 100.0).all()
    assert (out["distance_from_rth_high"][50:] == 0.0).all()
    assert np.isnan(out["vwap_slope"][50:79]).all() and (out["vwap_slope"][79:] == 0.0).all()
