"""Shared rolling kernels: per-session windows, warm-up NaN, exactness, and agreement with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from es_pipeline.features import rolling as r

# three sessions, the middle one shorter than most windows below
LENGTHS = (400, 7, 650)
STARTS = np.array([0, 400, 407], np.int64)
ENDS = np.array([400, 407, 1057], np.int64)
KEYS = np.repeat(np.arange(3), LENGTHS)


def pandas_rolling(x: np.ndarray, window: int, how) -> np.ndarray:
    rolled = pd.Series(x).groupby(KEYS).rolling(window)
    result = how(rolled) if callable(how) else getattr(rolled, how)()
    return result.reset_index(level=0, drop=True).sort_index().to_numpy()


def direct_rolling(x: np.ndarray, window: int, fn) -> np.ndarray:
    """fn over explicit sliding windows of each session (two-pass, no running sums)."""
    out = np.full(len(x), np.nan)
    for a, b in zip(STARTS, ENDS, strict=True):
        if b - a >= window:
            out[a + window - 1:b] = fn(np.lib.stride_tricks.sliding_window_view(x[a:b], window))
    return out


@pytest.fixture(scope="module")
def walk() -> np.ndarray:
    rng = np.random.default_rng(3)
    return 5000.0 + np.cumsum(rng.normal(0, 0.7, ENDS[-1]))


@pytest.mark.parametrize("window", [2, 5, 30, 300])
def test_mean_std_max_min_match_pandas_per_session(walk, window):
    np.testing.assert_allclose(r.rolling_mean(walk, STARTS, ENDS, window), pandas_rolling(walk, window, "mean"),
                               rtol=1e-12, equal_nan=True)
    # pandas' online variance loses digits on values ~5000 (window 2: 1.6e-6 relative), so the
    # std is checked against an explicit two-pass computation instead
    np.testing.assert_allclose(r.rolling_std(walk, STARTS, ENDS, window),
                               direct_rolling(walk, window, lambda v: v.std(axis=1, ddof=1)),
                               rtol=1e-9, equal_nan=True)
    np.testing.assert_array_equal(r.rolling_max(walk, STARTS, ENDS, window), pandas_rolling(walk, window, "max"))
    np.testing.assert_array_equal(r.rolling_min(walk, STARTS, ENDS, window), pandas_rolling(walk, window, "min"))


@pytest.mark.parametrize("window", [2, 5, 30, 300])
def test_slope_matches_least_squares_fit(walk, window):
    def fit(y):
        return np.polyfit(np.arange(len(y)), y, 1)[0]

    expected = pandas_rolling(walk, window, lambda x: x.apply(fit, raw=True))
    np.testing.assert_allclose(r.rolling_slope(walk, STARTS, ENDS, window), expected, rtol=1e-7, atol=1e-9,
                               equal_nan=True)


def test_percentile_rank_matches_pandas_average_rank(walk):
    values = np.round(walk)  # plenty of ties
    expected = pandas_rolling(values, 50, lambda x: x.rank(pct=True) * 100.0)
    np.testing.assert_allclose(r.rolling_percentile_rank(values, STARTS, ENDS, 50), expected, rtol=1e-12,
                               equal_nan=True)


def test_warmup_is_nan_and_never_crosses_sessions(walk):
    w = 30
    for fn in (r.rolling_mean, r.rolling_std, r.rolling_max, r.rolling_min, r.rolling_slope,
               r.rolling_percentile_rank):
        out = fn(walk, STARTS, ENDS, w)
        for a, b in zip(STARTS, ENDS, strict=True):
            assert np.isnan(out[a:min(a + w - 1, b)]).all(), fn.__name__
            assert not np.isnan(out[a + w - 1:b]).any(), fn.__name__
        # changing the first session leaves the others unchanged
        other = walk.copy()
        other[:400] += 37.0
        np.testing.assert_array_equal(fn(other, STARTS, ENDS, w)[400:], out[400:])


def test_window_with_nan_gives_nan():
    x = np.arange(20, dtype=float)
    x[7] = np.nan
    s, e = np.array([0]), np.array([20])
    for fn in (r.rolling_mean, r.rolling_std, r.rolling_slope, r.rolling_percentile_rank):
        out = fn(x, s, e, 4)
        missing = np.isnan(out)
        expected = np.zeros(20, bool)
        expected[[0, 1, 2, 7, 8, 9, 10]] = True  # warm-up 0..2; windows holding row 7: 7..10
        np.testing.assert_array_equal(missing, expected, err_msg=fn.__name__)


def test_exact_values_on_simple_series():
    s, e = np.array([0]), np.array([10])
    ramp = 3.0 + 0.5 * np.arange(10)
    flat = np.full(10, 6123.37)
    np.testing.assert_array_equal(r.rolling_slope(ramp, s, e, 4)[3:], 0.5)
    assert (r.rolling_slope(flat, s, e, 4)[3:] == 0.0).all()  # exactly 0, not rounding noise
    step = np.concatenate([np.full(7, 6000.1), np.full(50, 6003.7)])  # constant again after a refresh
    assert (r.rolling_slope(step, np.array([0]), np.array([57]), 4)[10:] == 0.0).all()
    assert (r.rolling_std(step, np.array([0]), np.array([57]), 4)[10:] == 0.0).all()
    assert (r.rolling_std(flat, s, e, 4)[3:] == 0.0).all()
    np.testing.assert_allclose(r.rolling_std(ramp, s, e, 4)[3:], np.std([0, 0.5, 1, 1.5], ddof=1))
    np.testing.assert_array_equal(r.rolling_mean(ramp, s, e, 4)[3:], ramp[3:] - 0.75)
    np.testing.assert_array_equal(r.rolling_percentile_rank(ramp, s, e, 4)[3:], 100.0)
    np.testing.assert_array_equal(r.rolling_percentile_rank(ramp[::-1].copy(), s, e, 4)[3:], 25.0)
    np.testing.assert_array_equal(r.rolling_percentile_rank(flat, s, e, 4)[3:], 62.5)  # 4 ties: rank 2.5 of 4


def test_long_session_does_not_drift():
    """O(1) running sums stay accurate over a very long session (exact refresh every w rows)."""
    rng = np.random.default_rng(0)
    x = 6000.0 + np.cumsum(rng.normal(0, 0.13, 200_000))  # not tick-aligned: sums are inexact
    s, e = np.array([0]), np.array([len(x)])
    w = 37
    tail = slice(len(x) - 500, len(x))
    windows = np.lib.stride_tricks.sliding_window_view(x, w)[tail.start - w + 1:]
    pos = np.arange(w) - (w - 1) / 2
    np.testing.assert_allclose(r.rolling_mean(x, s, e, w)[tail], windows.mean(axis=1), rtol=1e-13)
    np.testing.assert_allclose(r.rolling_slope(x, s, e, w)[tail], windows @ pos / (pos @ pos), rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(r.rolling_std(x, s, e, w)[tail], windows.std(axis=1, ddof=1), rtol=1e-8)


def test_lag_and_session_to_date():
    x = np.array([1.0, 3.0, 2.0, 9.0, 4.0, 5.0])
    s, e = np.array([0, 3]), np.array([3, 6])
    np.testing.assert_array_equal(r.lag(x, s, e, 1), [np.nan, 1, 3, np.nan, 9, 4])
    np.testing.assert_array_equal(r.lag(x, s, e, 3), [np.nan] * 6)
    np.testing.assert_array_equal(r.session_cumsum(x, s, e), [1, 4, 6, 9, 13, 18])
    np.testing.assert_array_equal(r.session_cummax(x, s, e), [1, 3, 3, 9, 9, 9])
    np.testing.assert_array_equal(r.session_cummin(x, s, e), [1, 1, 1, 9, 4, 4])
    with pytest.raises(ValueError):
        r.lag(x, s, e, -1)


def test_empty_input():
    empty = np.zeros(0)
    none = np.zeros(0, np.int64)
    for fn in (r.rolling_mean, r.rolling_std, r.rolling_max, r.rolling_slope, r.rolling_percentile_rank):
        assert fn(empty, none, none, 5).shape == (0,)
