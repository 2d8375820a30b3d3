"""Retouch counting for the consolidation features: distinct touches of a range's edges.

Kept apart from the generic rolling kernels because it is one feature's definition, not a
reusable window statistic; it shares their window and session conventions (see ``rolling``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from es_pipeline.features.rolling import NAN, _check

if TYPE_CHECKING:
    from es_pipeline.features.rolling import Floats, Rows


@njit(cache=True)
def _rolling_retouches(high: Floats, low: Floats, starts: Rows, ends: Rows, w: int, zone: float, step: int,
                       out: Floats) -> None:
    top = 0
    while (1 << (top + 1)) <= w:
        top += 1  # 2**top <= w < 2**(top+1)
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        n = b - a
        if n < w:
            for t in range(a, b):
                out[t] = NAN
            continue
        # sparse tables: mx[k, i] = max(high[a+i .. a+i+2**k-1]), mn likewise for low
        mx = np.empty((top + 1, n))
        mn = np.empty((top + 1, n))
        for i in range(n):
            mx[0, i] = high[a + i]
            mn[0, i] = low[a + i]
        for k in range(1, top + 1):
            half = 1 << (k - 1)
            for i in range(n - (1 << k) + 1):
                mx[k, i] = max(mx[k - 1, i], mx[k - 1, i + half])
                mn[k, i] = min(mn[k - 1, i], mn[k - 1, i + half])
        for i in range(n):
            if i < w - 1:
                out[a + i] = NAN
                continue
            lo = i - w + 1
            right = i - (1 << top) + 1
            hi_ = max(mx[top, lo], mx[top, right])
            lo_ = min(mn[top, lo], mn[top, right])
            z = zone * (hi_ - lo_)
            upper = hi_ - z
            lower = lo_ + z
            count = 0
            p = lo
            while p <= i:
                # jump to the first bar >= p whose high >= upper or low <= lower
                for k in range(top, -1, -1):
                    if p + (1 << k) - 1 <= i and mx[k, p] < upper and mn[k, p] > lower:
                        p += 1 << k
                if p > i:
                    break
                count += 1
                p += step
            out[a + i] = count


def rolling_retouches(high: Floats, low: Floats, starts: Rows, ends: Rows, window: int, zone: float,
                      cooldown: int) -> Floats:
    """Distinct touches of the top or bottom ``zone`` share of the window's range, per row.

    At row t the window is rows t-w+1 .. t with range high H = max(high), low L = min(low)
    and size = H - L. Bar j of the window is *in a zone* when
    ``high_j >= H - zone * size`` (top) or ``low_j <= L + zone * size`` (bottom); a bar in
    both zones is one touch. Scanning the window from its oldest bar, the first in-zone bar
    is a touch, and each later in-zone bar j is a new touch when j >= (previous counted
    touch) + cooldown; in-zone bars before that are the same touch (cooldown 0 or 1: every
    in-zone bar counts). Top and bottom share one cooldown. A flat window (size 0) has every
    bar in a zone, so it counts ceil(w / max(cooldown, 1)) touches. Float output (NaN until the
    window is full). Each next touch is found in O(log w) with sparse tables, so a row costs
    O(touches * log w), not O(w).
    """
    high = _check(high, starts, ends, window)
    low = _check(low, starts, ends, window)
    if np.isnan(high).any() or np.isnan(low).any():
        raise ValueError("retouch inputs must not contain NaN")
    out = np.empty_like(high)
    _rolling_retouches(high, low, starts, ends, window, float(zone), max(int(cooldown), 1), out)
    return out
