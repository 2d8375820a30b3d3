"""Prices: a mid-price random walk over second boundaries, and 1-second OHLC bars around it.

Trades print at the bid or the ask of a one-tick market around the mid, so a bar's open is the
previous close or one tick away, as in real ES data; highs and lows reach a few extra ticks when
the second is volatile. Prices are kept as integer ticks so they sit exactly on the grid.
"""

from __future__ import annotations

import numpy as np

MAX_EXCURSION_TICKS = 3.0
EXCURSION_PER_SIGMA = 0.5


def random_walk(start: float, sigma: np.ndarray | float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Mid price at the n + 1 boundaries of n seconds; sigma is the per-second standard deviation."""
    steps = np.broadcast_to(sigma, (n,)) * rng.standard_normal(n)
    return start + np.concatenate([[0.0], np.cumsum(steps)])


def bars(mid_start: np.ndarray, mid_end: np.ndarray, sigma: np.ndarray | float, tick: float,
         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(open, high, low, close) in integer ticks for seconds whose mid moves from start to end."""
    n = len(mid_start)
    open_ = np.floor(mid_start / tick).astype(np.int64) + rng.integers(0, 2, n)
    close = np.floor(mid_end / tick).astype(np.int64) + rng.integers(0, 2, n)
    excursion = np.minimum(EXCURSION_PER_SIGMA * np.broadcast_to(sigma, (n,)) / tick, MAX_EXCURSION_TICKS)
    high = np.maximum(open_, close) + rng.poisson(excursion)
    low = np.minimum(open_, close) - rng.poisson(excursion)
    return open_, high, low, close
