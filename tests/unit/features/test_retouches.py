"""Retouch counting: hand-built cooldown cases and a brute-force scan of every window."""

from __future__ import annotations

import math

import numpy as np
import pytest

from es_pipeline.features.retouches import rolling_retouches


def brute_retouches(high, low, w, zone, cooldown):
    """The definition, literally: scan the window, count in-zone bars spaced >= cooldown apart."""
    out = np.full(len(high), np.nan)
    for t in range(w - 1, len(high)):
        hi, lo = high[t - w + 1:t + 1], low[t - w + 1:t + 1]
        top, bottom = hi.max(), lo.min()
        size = top - bottom
        count, last = 0, -math.inf
        for j in range(w):
            if (hi[j] >= top - zone * size or lo[j] <= bottom + zone * size) and j - last >= cooldown:
                count, last = count + 1, j
        out[t] = count
    return out


def one(x):
    return np.array([0]), np.array([len(x)])


def test_retouches_hand_built_cooldown():
    # window 10, zone 0.1 of range 10 = 1 point: top zone high >= 109, bottom zone low <= 101
    high = np.array([110, 105, 109, 105, 105, 105, 109.5, 105, 105, 105], float)
    low = np.array([104, 100, 104, 104, 104, 104, 104, 104, 104, 101], float)
    s, e = one(high)
    # in-zone bars: 0 (top+bottom? no: low 104) top, 1 bottom, 2 top, 6 top, 9 bottom
    # cooldown 3: 0 counts, 1 and 2 are within 3 bars -> same touch, 6 counts (6-0>=3), 9 counts (9-6>=3)
    assert rolling_retouches(high, low, s, e, 10, 0.1, 3)[-1] == 3
    # cooldown 4: 0, then 6 (>= 4), then 9 is only 3 after 6 -> 2 touches
    assert rolling_retouches(high, low, s, e, 10, 0.1, 4)[-1] == 2
    # cooldown 0 or 1: every in-zone bar counts
    assert rolling_retouches(high, low, s, e, 10, 0.1, 0)[-1] == 5
    assert rolling_retouches(high, low, s, e, 10, 0.1, 1)[-1] == 5
    # cooldown larger than the window: only the first touch
    assert rolling_retouches(high, low, s, e, 10, 0.1, 50)[-1] == 1
    assert np.isnan(rolling_retouches(high, low, s, e, 10, 0.1, 3)[:9]).all()


def test_retouches_bar_in_both_zones_is_one_touch_and_flat_window():
    high = np.array([101.0, 101.0, 101.0])
    low = np.array([100.0, 100.0, 100.0])  # every bar spans the whole range
    s, e = one(high)
    assert rolling_retouches(high, low, s, e, 3, 0.1, 1)[-1] == 3
    flat = np.full(300, 6000.0)
    s, e = one(flat)
    # a flat window has every bar in a zone: ceil(300 / 30) = 10 touches at cooldown 30
    assert rolling_retouches(flat, flat, s, e, 300, 0.1, 30)[-1] == 10
    assert rolling_retouches(flat, flat, s, e, 300, 0.1, 7)[-1] == math.ceil(300 / 7)


def test_retouches_window_range_is_recomputed_per_row():
    # the spike at row 2 defines the top while it is inside the window; once it leaves, the range shrinks
    high = np.array([101, 101, 120, 101, 101, 101, 101, 101], float)
    low = np.full(8, 100.0)
    s, e = one(high)
    out = rolling_retouches(high, low, s, e, 4, 0.1, 1)
    # row 3 (window 0..3, top 120): zone top >= 118 -> spike; bottom <= 102 -> all bars; 4 bars -> 4
    assert out[3] == 4
    np.testing.assert_array_equal(out, brute_retouches(high, low, 4, 0.1, 1))


@pytest.mark.parametrize("w,zone,cooldown", [(10, 0.1, 3), (50, 0.1, 30), (64, 0.25, 5), (300, 0.1, 30),
                                             (33, 0.05, 0), (17, 0.5, 1), (2, 0.1, 1)])
def test_retouches_match_brute_force(w, zone, cooldown):
    rng = np.random.default_rng(w + cooldown)
    close = 6000 + 0.25 * np.cumsum(rng.integers(-2, 3, 1400))
    high = close + 0.25 * rng.integers(0, 3, 1400)
    low = close - 0.25 * rng.integers(0, 3, 1400)
    starts, ends = np.array([0, 700, 700 + w // 2]), np.array([700, 700 + w // 2, 1400])
    fast = rolling_retouches(high, low, starts, ends, w, zone, cooldown)
    expected = np.concatenate([brute_retouches(high[a:b], low[a:b], w, zone, cooldown)
                               for a, b in zip(starts, ends, strict=True)])
    np.testing.assert_array_equal(fast, expected)


def test_empty_input():
    empty = np.zeros(0)
    none = np.zeros(0, np.int64)
    assert rolling_retouches(empty, empty, none, none, 5, 0.1, 3).shape == (0,)
