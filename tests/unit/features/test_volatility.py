"""Volatility group: true range, ATRs and their ratios, breakout, ATR percentile."""

from __future__ import annotations

import numpy as np
from feature_bars import concat_sessions, make_session

from es_pipeline.features import volatility
from es_pipeline.features.base import BarArrays


def compute(frame, params):
    return volatility.compute(BarArrays.from_frame(frame), params)


def test_true_range_first_bar_and_gap():
    frame = concat_sessions(
        make_session("2025-12-01", [100.0, 104.0, 104.0], open_=[100.0, 104.0, 104.0],
                     high=[102.0, 105.0, 104.0], low=[99.0, 103.0, 104.0]),
        make_session("2025-12-02", [90.0, 90.0], high=[91.0, 90.0], low=[89.5, 90.0]),
    )
    tr = volatility.true_range(BarArrays.from_frame(frame))
    # first bar: high - low; gap up: max(105, 100) - min(103, 100); new session: no previous close
    np.testing.assert_array_equal(tr, [3.0, 5.0, 0.0, 1.5, 0.0])


def test_flat_market(feature_params):
    out = compute(make_session("2025-12-01", np.full(500, 6000.0)), feature_params)
    assert (out["atr_30s"][29:] == 0.0).all() and (out["atr_300s"][299:] == 0.0).all()
    for name in ("volatility_regime", "volatility_acceleration", "volatility_breakout"):
        assert np.isnan(out[name]).all(), name  # 0 / 0 -> NaN, documented
    assert np.isnan(out["atr_percentile"][:328]).all()
    # all 300 tied: average rank (1 + 300) / 2 of 300 -> 50.17, not 100
    np.testing.assert_allclose(out["atr_percentile"][328:], 100 * 150.5 / 300)


def test_alternating_bars(feature_params):
    close = np.where(np.arange(500) % 2 == 0, 100.0, 101.0)
    out = compute(make_session("2025-12-01", close), feature_params)  # TR = 1 except the first bar (0)
    atr30, atr300 = out["atr_30s"], out["atr_300s"]
    assert np.isnan(atr30[:29]).all() and atr30[29] == 29 / 30 and (atr30[30:] == 1.0).all()
    assert np.isnan(atr300[:299]).all() and atr300[299] == 299 / 300 and (atr300[300:] == 1.0).all()
    np.testing.assert_allclose(out["volatility_regime"][299], 1.0 / (299 / 300))
    accel = out["volatility_acceleration"]
    assert np.isnan(accel[:59]).all()
    np.testing.assert_allclose(accel[59], (1 - 59 / 60) / (59 / 60))
    assert (accel[60:] == 0.0).all()
    breakout = out["volatility_breakout"]
    assert np.isnan(breakout[:328]).all()
    # row 328: atr_30s values 29/30 (row 29) and 299 ones; z-score of 1.0 among them
    window = np.r_[29 / 30, np.ones(299)]
    np.testing.assert_allclose(breakout[328], (1.0 - window.mean()) / window.std(ddof=1))
    assert np.isnan(breakout[329:]).all()  # atr_30s constant over 300 bars: std 0 -> NaN
    np.testing.assert_allclose(out["atr_percentile"][328], 100 * (1 + 150) / 300)  # one below, 299 tied
    np.testing.assert_allclose(out["atr_percentile"][329:], 100 * 150.5 / 300)


def test_single_spike(feature_params):
    close = np.full(400, 100.0)
    high = close.copy()
    high[100] = 103.0  # TR 3 on that bar only
    out = compute(make_session("2025-12-01", close, high=high), feature_params)
    atr30 = out["atr_30s"]
    assert (atr30[29:100] == 0.0).all() and (atr30[130:] == 0.0).all()
    np.testing.assert_allclose(atr30[100:130], 0.1)
    np.testing.assert_allclose(out["atr_300s"][299:400], 0.01)
    assert (out["volatility_regime"][299:] == 0.0).all()  # the spike left the 30-bar window at row 130
    np.testing.assert_allclose(out["volatility_regime"][100:130], np.nan)  # atr_300s not full yet
    # atr_30s = 0 from row 130; while the 30 values of 0.1 (rows 100..129) are among its last
    # 300 values, 0 ties with 270 zeros and is below none: average rank 135.5 of 300 -> 45.17;
    # from row 429 all 300 tie: 150.5 of 300 -> 50.17
    np.testing.assert_allclose(out["atr_percentile"][328:429], 100 * 135.5 / 300)
    np.testing.assert_allclose(out["atr_percentile"][429:], 100 * 150.5 / 300)


def test_breakout_known_answer(feature_params):
    from feature_bars import with_windows

    params = with_windows(feature_params, atr_short=2, atr_long=4, volatility_breakout=3, atr_percentile=3)
    # TR per bar: 0 (first bar), 1, 1, 3, 1, 1 -> atr2: nan 0.5 1 2 2 1 ; atr4: nan nan nan 1.25 1.5 1.5
    close = np.array([100.0, 101.0, 100.0, 103.0, 102.0, 103.0])
    out = compute(make_session("2025-12-01", close), params)
    np.testing.assert_allclose(out["atr_30s"], [np.nan, 0.5, 1, 2, 2, 1])
    np.testing.assert_allclose(out["atr_300s"], [np.nan, np.nan, np.nan, 1.25, 1.5, 1.5])
    # z-score of atr2 among its last 3 values: (0.5, 1, 2), (1, 2, 2), (2, 2, 1)
    z = [(2 - 7 / 6) / np.std([0.5, 1, 2], ddof=1), (2 - 5 / 3) / np.std([1, 2, 2], ddof=1),
         (1 - 5 / 3) / np.std([2, 2, 1], ddof=1)]
    np.testing.assert_allclose(out["volatility_breakout"], [np.nan, np.nan, np.nan, *z])
    # percentile of atr2 among its last 3 values, ties averaged: 2 in (0.5, 1, 2) -> rank 3 -> 100;
    # 2 in (1, 2, 2) -> rank 2.5 -> 83.3; 1 in (2, 2, 1) -> rank 1 -> 33.3
    np.testing.assert_allclose(out["atr_percentile"], [np.nan, np.nan, np.nan, 100, 250 / 3, 100 / 3])


def test_percentile_of_shrinking_volatility(feature_params):
    n = 700
    close = 6000.0 + np.where(np.arange(n) % 2 == 0, 0.0, 1.0) * np.linspace(20, 1, n)  # shrinking swings
    out = compute(make_session("2025-12-01", close), feature_params)
    np.testing.assert_allclose(out["atr_percentile"][400:], 100 / 300)  # each atr is the window's minimum


def test_percentile_matches_pandas_rolling_rank_on_ties(feature_params):
    import pandas as pd
    from feature_bars import with_windows

    params = with_windows(feature_params, atr_short=2, atr_percentile=5)
    rng = np.random.default_rng(3)
    close = 6000 + np.cumsum(rng.choice([-0.25, 0.0, 0.25], 400))  # few distinct ATR values: many ties
    out = compute(make_session("2025-12-01", close), params)
    expected = pd.Series(out["atr_30s"]).rolling(5).rank(pct=True) * 100
    np.testing.assert_allclose(out["atr_percentile"], expected.to_numpy())


def test_session_boundary(feature_params):
    first = make_session("2025-12-01", np.where(np.arange(400) % 2 == 0, 100.0, 110.0))
    second = make_session("2025-12-02", np.full(400, 100.0))
    out = compute(concat_sessions(first, second), feature_params)
    assert np.isnan(out["atr_30s"][400:429]).all() and (out["atr_30s"][429:] == 0.0).all()
    assert np.isnan(out["atr_percentile"][400:728]).all()
