"""The compiled hot loop of the label stage (SPEC 6): first touch of a stop or a target.

For every row t and mode the question is "which bar j in [t+1, q) first has
high_j >= up or low_j <= down", where q is the end of the row's horizon (the first bar
with ts_j - ts_(t+1) >= timeout, or the session's end). A plain scan costs up to
``timeout`` bars per row and mode, and it is exactly in calm stretches, where neither
level is touched, that it runs to the end of the horizon.

Instead each session gets two sparse tables (max of high, min of low over blocks of
2**k bars) and every query gallops: blocks of 1, 2, 4, ... bars are skipped while they
are clean, then a binary descent finds the first touching bar. A query costs
O(log(distance to the touch)) table lookups whatever the market does: an entry bar
touch is one lookup, a 900-bar timeout about 20. The MAE of a winner is a range minimum
(maximum for shorts) over bars t+1 .. hit, O(1) from the same tables.

Prices arrive in tick units (price / tick_size snapped to the grid), so levels are exact.
The loop is serial: ``parallel=True`` over sessions made the kernel 2.5x faster on two
cores (0.38 s -> 0.15 s a month) but the stage barely (pandas and Parquet dominate),
added 1.3 s of cold compile, and OpenMP threads are not fork-safe and oversubscribe when
DVC runs stages side by side. The functions release the GIL, so a caller may thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from numba.core.dispatcher import Dispatcher
    from numpy.typing import NDArray

F = TypeVar("F", bound=Callable[..., object])

WIN, STOP, TIMEOUT, SESSION_END = 0, 1, 2, 3  # codes; order of labeling.OUTCOMES


def _jit(**options: Any) -> Callable[[F], Dispatcher[F]]:
    """``njit(cache=True)`` when numba can store its cache, plain ``njit`` otherwise.

    Numba caches next to this file, or under NUMBA_CACHE_DIR / the user cache dir when
    the package directory is read-only; if no location is writable it refuses at
    decoration time, and compiling on every process start is then the fallback.
    """

    def wrap(func: F) -> Dispatcher[F]:
        try:
            return njit(cache=True, **options)(func)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(cache=False, **options)(func)

    return wrap


@_jit(nogil=True)
def _first_touch(hi: NDArray[np.float64], lo: NDArray[np.float64], p: int, q: int, up: float, down: float,
                 top: int) -> int:
    """First j in [p, q) with hi[0, j] >= up or lo[0, j] <= down; q if none."""
    k = 0
    while p < q:  # gallop: skip clean blocks of 1, 2, 4, ... bars
        width = 1 << k
        if p + width > q or hi[k, p] >= up or lo[k, p] <= down:
            break
        p += width
        if k < top:
            k += 1
    while k > 0:  # the touch (or q) lies in [p, p + 2**k): binary descent
        k -= 1
        width = 1 << k
        if p + width <= q and hi[k, p] < up and lo[k, p] > down:
            p += width
    return p


@_jit(nogil=True)
def _label_session(ts: NDArray[np.int64], open_: NDArray[np.float64], high: NDArray[np.float64],
                   low: NDArray[np.float64], a: int, e: int, signs: NDArray[np.int64], stops: NDArray[np.float64],
                   targets: NDArray[np.float64], timeout_ns: int | np.int64, bar_ns: int | np.int64,
                   outcome: NDArray[np.int8], mae: NDArray[np.float64], seconds: NDArray[np.float64]) -> None:
    n_bars = e - a
    if n_bars <= 0:
        return
    # Sparse tables over this session only, so no query can reach the next session.
    top = 0
    while (2 << top) <= n_bars:
        top += 1
    hi = np.empty((top + 1, n_bars))
    lo = np.empty((top + 1, n_bars))
    hi[0, :] = high[a:e]
    lo[0, :] = low[a:e]
    for k in range(1, top + 1):
        half = 1 << (k - 1)
        for i in range(n_bars - (1 << k) + 1):
            hi[k, i] = max(hi[k - 1, i], hi[k - 1, i + half])
            lo[k, i] = min(lo[k - 1, i], lo[k - 1, i + half])
    log2 = np.zeros(n_bars + 1, np.int64)
    for length in range(2, n_bars + 1):
        log2[length] = log2[length >> 1] + 1

    last_ts = ts[e - 1]
    q = 1  # horizon end (local, exclusive) for entry bar p; non-decreasing in p
    for p in range(1, n_bars):  # p = t + 1, local index of the entry bar
        t = p - 1
        start_ts = ts[a + p]
        if q < p + 1:
            q = p + 1
        while q < n_bars and ts[a + q] - start_ts < timeout_ns:
            q += 1
        # The whole horizon was seen if a later bar exists past it, or the session's last
        # bar (lasting bar_ns) reaches its end; otherwise the session cut it short.
        complete = q < n_bars or last_ts + bar_ns - start_ts >= timeout_ns
        entry = open_[a + p]
        for m in range(signs.shape[0]):
            if signs[m] > 0:
                up, down = entry + targets[m], entry - stops[m]
            else:
                up, down = entry + stops[m], entry - targets[m]
            j = _first_touch(hi, lo, p, q, up, down, top)
            if j == q:
                outcome[m, a + t] = TIMEOUT if complete else SESSION_END
                continue
            if (lo[0, j] <= down) if signs[m] > 0 else (hi[0, j] >= up):
                outcome[m, a + t] = STOP  # includes a bar touching both levels
                continue
            k = log2[j - p + 1]
            if signs[m] > 0:
                excursion = entry - min(lo[k, p], lo[k, j - (1 << k) + 1])
            else:
                excursion = max(hi[k, p], hi[k, j - (1 << k) + 1]) - entry
            outcome[m, a + t] = WIN
            mae[m, a + t] = max(excursion, 0.0)
            seconds[m, a + t] = (ts[a + j] - start_ts) / 1e9
    outcome[:, e - 1] = SESSION_END  # the session's last bar has no next bar to enter on


@_jit(nogil=True)
def label_kernel(ts: NDArray[np.int64], open_: NDArray[np.float64], high: NDArray[np.float64],
                 low: NDArray[np.float64], starts: NDArray[np.int64], ends: NDArray[np.int64],
                 signs: NDArray[np.int64], stops: NDArray[np.float64], targets: NDArray[np.float64],
                 timeout_ns: int | np.int64, bar_ns: int | np.int64,
                 ) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64]]:
    """Outcome codes, MAE (ticks) and seconds to target, each shaped (modes, rows).

    ts: int64 ns, strictly increasing; open_/high/low: float64 prices in ticks;
    starts/ends: each session's first row and end row (exclusive); signs: +1 long,
    -1 short; stops/targets: distances in ticks. MAE and seconds are NaN unless win.
    """
    n_modes, n_rows = signs.shape[0], ts.shape[0]
    outcome = np.full((n_modes, n_rows), SESSION_END, np.int8)
    mae = np.full((n_modes, n_rows), np.nan)
    seconds = np.full((n_modes, n_rows), np.nan)
    for s in range(starts.shape[0]):
        _label_session(ts, open_, high, low, starts[s], ends[s], signs, stops, targets,
                       timeout_ns, bar_ns, outcome, mae, seconds)
    return outcome, mae, seconds
