"""Per-session rolling kernels (numba): every window ends at row t inclusive and resets at session starts.

Conventions shared by every kernel here:

* ``starts``/``ends`` are the first row and one past the last row of each session
  (``tables.session_bounds``); a window never reaches into a previous session.
* A window of ``w`` bars at row t covers rows t-w+1 .. t. While it is not full (the first
  w-1 rows of a session) the output is NaN. A window holding any NaN input gives NaN.
* Cost is O(n) or O(n log w) per kernel except ``rolling_percentile_rank`` (O(n*w) simple
  compares, vectorised) — nothing is quadratic in the session length.
* Running sums are updated in O(1) per row and recomputed exactly every ``w`` rows, which
  bounds floating-point drift; on tick-aligned prices and integer volumes every sum is exact.
  Results depend only on rows <= t of the same session (no look-ahead).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Floats = NDArray[np.float64]
    Rows = NDArray[np.int64]

NAN = np.nan


def _check(x: np.ndarray, starts: Rows, ends: Rows, window: int) -> Floats:
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    return np.ascontiguousarray(x, dtype=np.float64)


def _apply(kernel: Callable[..., None], x: Floats, starts: Rows, ends: Rows, window: int, *args: int) -> Floats:
    """Validate ``x`` for ``window``, then fill a new output with ``kernel(x, starts, ends, *args, out)``."""
    x = _check(x, starts, ends, window)
    out = np.empty_like(x)
    kernel(x, starts, ends, *args, out)
    return out


# --------------------------------------------------------------------------- session-to-date


@njit(cache=True)
def _lag(x: Floats, starts: Rows, ends: Rows, k: int, out: Floats) -> None:
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        for t in range(a, b):
            out[t] = x[t - k] if t - a >= k else NAN


def lag(x: Floats, starts: Rows, ends: Rows, k: int) -> Floats:
    """x shifted k rows down inside each session; the first k rows of a session are NaN."""
    if k < 0:
        raise ValueError("lag k must be >= 0 (a negative lag would look ahead)")
    return _apply(_lag, x, starts, ends, 1, k)


@njit(cache=True)
def _cumulative(x: Floats, starts: Rows, ends: Rows, mode: int, out: Floats) -> None:
    # mode 0: sum, 1: max, 2: min
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        acc = 0.0
        for t in range(a, b):
            v = x[t]
            if t == a:
                acc = v
            elif mode == 0:
                acc += v
            elif mode == 1:
                acc = max(acc, v)
            else:
                acc = min(acc, v)
            out[t] = acc


def session_cumsum(x: Floats, starts: Rows, ends: Rows) -> Floats:
    """Session-to-date running sum (resets at each session start)."""
    return _apply(_cumulative, x, starts, ends, 1, 0)


def session_cummax(x: Floats, starts: Rows, ends: Rows) -> Floats:
    """Session-to-date running maximum."""
    return _apply(_cumulative, x, starts, ends, 1, 1)


def session_cummin(x: Floats, starts: Rows, ends: Rows) -> Floats:
    """Session-to-date running minimum."""
    return _apply(_cumulative, x, starts, ends, 1, 2)


# --------------------------------------------------------------------------- mean / std


@njit(cache=True)
def _rolling_mean(x: Floats, starts: Rows, ends: Rows, w: int, out: Floats) -> None:
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        total = 0.0
        nans = 0
        for t in range(a, b):
            k = t - a
            v = x[t]
            if math.isnan(v):
                nans += 1
            else:
                total += v
            if k >= w:
                u = x[t - w]
                if math.isnan(u):
                    nans -= 1
                else:
                    total -= u
            if k < w - 1:
                out[t] = NAN
                continue
            if (k + 1) % w == 0:  # exact refresh bounds drift
                total = 0.0
                for j in range(t - w + 1, t + 1):
                    if not math.isnan(x[j]):
                        total += x[j]
            out[t] = NAN if nans > 0 else total / w


def rolling_mean(x: Floats, starts: Rows, ends: Rows, window: int) -> Floats:
    """Mean of rows t-w+1 .. t (NaN until the window is full or if it holds a NaN)."""
    return _apply(_rolling_mean, x, starts, ends, window, window)


@njit(cache=True)
def _rolling_std(x: Floats, starts: Rows, ends: Rows, w: int, ddof: int, out: Floats) -> None:
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        s1 = 0.0
        s2 = 0.0
        nans = 0
        run = 0
        anchor = 0.0
        for t in range(a, b):
            k = t - a
            v = x[t]
            if k > 0 and v == x[t - 1]:
                run += 1
            else:
                run = 1
            if math.isnan(v):
                nans += 1
            else:
                d = v - anchor
                s1 += d
                s2 += d * d
            if k >= w:
                u = x[t - w]
                if math.isnan(u):
                    nans -= 1
                else:
                    d = u - anchor
                    s1 -= d
                    s2 -= d * d
            if k < w - 1:
                out[t] = NAN
                continue
            if (k + 1) % w == 0:  # re-anchor on the newest value and recompute exactly
                if not math.isnan(v):
                    anchor = v
                s1 = 0.0
                s2 = 0.0
                for j in range(t - w + 1, t + 1):
                    if not math.isnan(x[j]):
                        d = x[j] - anchor
                        s1 += d
                        s2 += d * d
            if nans > 0:
                out[t] = NAN
            elif run >= w:  # all w values identical: exactly 0, not rounding noise
                out[t] = 0.0
            else:
                var = (s2 - s1 * s1 / w) / (w - ddof)
                out[t] = math.sqrt(var) if var > 0.0 else 0.0


def rolling_std(x: Floats, starts: Rows, ends: Rows, window: int, ddof: int = 1) -> Floats:
    """Standard deviation (default ddof=1, the sample std) of rows t-w+1 .. t.

    A window of identical values gives exactly 0.0. Needs window > ddof.
    """
    if window <= ddof:
        raise ValueError(f"window {window} must exceed ddof {ddof}")
    return _apply(_rolling_std, x, starts, ends, window, window, ddof)


# --------------------------------------------------------------------------- min / max


@njit(cache=True)
def _rolling_extreme(x: Floats, starts: Rows, ends: Rows, w: int, sign: float, out: Floats, buf: Rows) -> None:
    # monotonic deque of row indices; sign=+1 max, -1 min (inputs must be NaN-free)
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        head = 0
        tail = 0
        for t in range(a, b):
            v = sign * x[t]
            while tail > head and sign * x[buf[tail - 1]] <= v:
                tail -= 1
            buf[tail] = t
            tail += 1
            if buf[head] <= t - w:
                head += 1
            out[t] = x[buf[head]] if t - a >= w - 1 else NAN


def _extreme(x: Floats, starts: Rows, ends: Rows, window: int, sign: float) -> Floats:
    x = _check(x, starts, ends, window)
    if np.isnan(x).any():
        raise ValueError("rolling min/max inputs must not contain NaN")
    out = np.empty_like(x)
    longest = int((ends - starts).max()) if len(starts) else 0
    _rolling_extreme(x, starts, ends, window, sign, out, np.empty(longest, np.int64))
    return out


def rolling_max(x: Floats, starts: Rows, ends: Rows, window: int) -> Floats:
    """Maximum of rows t-w+1 .. t via a monotonic deque (O(n)); inputs must be NaN-free."""
    return _extreme(x, starts, ends, window, 1.0)


def rolling_min(x: Floats, starts: Rows, ends: Rows, window: int) -> Floats:
    """Minimum of rows t-w+1 .. t via a monotonic deque (O(n)); inputs must be NaN-free."""
    return _extreme(x, starts, ends, window, -1.0)


# --------------------------------------------------------------------------- slope


@njit(cache=True)
def _rolling_slope(x: Floats, starts: Rows, ends: Rows, w: int, out: Floats) -> None:
    xbar = (w - 1) / 2.0
    sxx = w * (w * w - 1.0) / 12.0
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        sy = 0.0  # sum of (y - anchor) over the window
        sxy = 0.0  # sum of j * (y - anchor), j = 0 .. w-1 = position inside the window
        nans = 0
        run = 0
        anchor = 0.0
        for t in range(a, b):
            k = t - a
            v = x[t]
            if k > 0 and v == x[t - 1]:
                run += 1
            else:
                run = 1
            if math.isnan(v):
                nans += 1
                dv = 0.0
            else:
                dv = v - anchor
            if k < w:
                sy += dv
                sxy += k * dv
            else:
                u = x[t - w]
                if math.isnan(u):
                    nans -= 1
                    du = 0.0
                else:
                    du = u - anchor
                sy = sy - du + dv
                sxy = sxy + w * dv - sy  # every old value moves one position left
            if k < w - 1:
                out[t] = NAN
                continue
            if (k + 1) % w == 0:  # re-anchor and recompute exactly
                if not math.isnan(v):
                    anchor = v
                sy = 0.0
                sxy = 0.0
                for j in range(w):
                    y = x[t - w + 1 + j]
                    if not math.isnan(y):
                        sy += y - anchor
                        sxy += j * (y - anchor)
            if nans > 0:
                out[t] = NAN
            elif run >= w:  # all w values identical: exactly 0, not rounding noise
                out[t] = 0.0
            else:
                out[t] = (sxy - xbar * sy) / sxx


def rolling_slope(x: Floats, starts: Rows, ends: Rows, window: int) -> Floats:
    """Least-squares slope per bar of rows t-w+1 .. t against their position 0 .. w-1.

    O(1) per row from running sums of y and j*y (taken relative to an anchor value to keep
    digits); a window of identical values gives exactly 0. Needs window >= 2.
    """
    if window < 2:
        raise ValueError("a slope needs a window of at least 2 bars")
    return _apply(_rolling_slope, x, starts, ends, window, window)


# --------------------------------------------------------------------------- percentile rank


@njit(cache=True)
def _rolling_percentile_rank(x: Floats, starts: Rows, ends: Rows, w: int, out: Floats) -> None:
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        nans = 0
        for t in range(a, b):
            k = t - a
            if math.isnan(x[t]):
                nans += 1
            if k >= w and math.isnan(x[t - w]):
                nans -= 1
            if k < w - 1 or nans > 0:
                out[t] = NAN
                continue
            cur = x[t]
            below = 0
            tied = 0
            for j in range(t - w + 1, t + 1):
                below += x[j] < cur
                tied += x[j] == cur
            out[t] = 100.0 * (below + 0.5 * (tied + 1)) / w


def rolling_percentile_rank(x: Floats, starts: Rows, ends: Rows, window: int) -> Floats:
    """Percentile rank (0-100] of x[t] among rows t-w+1 .. t, ties given their average rank.

    As pandas ``rolling(w).rank(pct=True) * 100``: x[t]'s rank is (values below) + (values
    equal, itself included, + 1) / 2, divided by w. The unique minimum reads 100/w, the unique
    maximum 100, and w equal values (a flat stretch) 100 * (w + 1) / (2 w), just above 50.
    O(w) simple compares per row (vectorised by numba).
    """
    return _apply(_rolling_percentile_rank, x, starts, ends, window, window)
