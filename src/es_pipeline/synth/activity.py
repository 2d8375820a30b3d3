"""How busy each second is: the intraday U-shape, calm and volatile regimes, and the roll.

Intensities are expected trades per second. A record exists where at least one trade arrives
(a Poisson draw), so thin overnight seconds are often empty while the dominant contract trades
in nearly every RTH second. Contract shares move volume from the front to the next contract
around the roll and give the calendar spread its burst of activity in roll week.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from es_pipeline.synth.contracts import Contract

DAY_NS = 86_400 * 1_000_000_000
# (hours after 17:00 CT, trades per second of the dominant contract, late-2025 level)
INTRADAY_KNOTS = (
    (0.0, 1.0), (0.25, 0.35), (1.0, 0.22), (3.0, 0.25), (5.0, 0.17), (8.0, 0.15), (9.0, 0.35),
    (11.0, 0.28), (13.0, 0.3), (14.0, 0.55), (14.5, 1.3), (15.49, 2.0), (15.5, 28.0),
    (16.0, 16.0), (16.5, 10.0), (18.0, 5.0), (19.0, 3.5), (20.5, 4.5), (21.5, 9.0),
    (21.9, 20.0), (22.0, 4.0), (22.25, 1.2), (23.0, 0.5), (24.0, 0.5),
)
GLOBEX_OPEN_MINUTE = 17 * 60
REGIME_MEAN_SECONDS = (5 * 3600, 90 * 60)  # calm, volatile stretches
THIN_SHARE = 0.008  # the contract out of favour still trades a little
ROLL_WIDTH_DAYS = 0.4
SPREAD_BASE, SPREAD_PEAK, SPREAD_PEAK_LEAD_DAYS, SPREAD_PEAK_WIDTH_DAYS = 0.006, 0.12, 1.0, 2.0
VOLUME_SHAPE, VOLUME_BASE, LOTS_PER_TRADE = 1.2, 2.0, 4.0


def intraday_intensity(clock_minutes: np.ndarray) -> np.ndarray:
    """Trades per second by CT clock time: thin overnight, peaks at 08:30-09:30 and 14:30-15:00."""
    hours, rates = np.array(INTRADAY_KNOTS).T
    since_open = ((clock_minutes - GLOBEX_OPEN_MINUTE) % 1440) / 60
    return np.interp(since_open, hours, rates)


@cache
def full_day_intensity() -> float:
    """Sum of the intensity over a normal 17:00-16:00 session, to normalise daily variance."""
    return float(intraday_intensity(np.arange(GLOBEX_OPEN_MINUTE, GLOBEX_OPEN_MINUTE + 23 * 60, 1 / 60)).sum())


def regimes(n: int, volatile: bool, rng: np.random.Generator) -> np.ndarray:
    """Per-second volatile flags: alternating calm/volatile stretches of exponential length."""
    states, lengths, total = [], [], 0
    while total < n:
        length = max(1, int(rng.exponential(REGIME_MEAN_SECONDS[volatile])))
        states.append(volatile)
        lengths.append(length)
        total += length
        volatile = not volatile
    return np.repeat(np.array(states, dtype=bool), lengths)[:n]


def contract_shares(ts: np.ndarray, front: Contract) -> np.ndarray:
    """Share of the market's trades going to (front, next, front-next spread) each second, shape (3, n)."""
    days_from_roll = (ts - front.roll_ns) / DAY_NS
    rolled = 0.5 * (1 + np.tanh(days_from_roll / (2 * ROLL_WIDTH_DAYS)))
    front_alive = ts < front.expiration_ns
    spread_bump = np.exp(-0.5 * ((days_from_roll + SPREAD_PEAK_LEAD_DAYS) / SPREAD_PEAK_WIDTH_DAYS) ** 2)
    return np.stack([
        np.where(front_alive, THIN_SHARE + (1 - THIN_SHARE) * (1 - rolled), 0.0),
        THIN_SHARE + (1 - THIN_SHARE) * rolled,
        np.where(front_alive, SPREAD_BASE + SPREAD_PEAK * spread_bump, 0.0),
    ])


def trade_seconds(intensity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of the seconds with at least one trade."""
    return np.flatnonzero(rng.random(len(intensity)) < -np.expm1(-intensity))


def volumes(intensity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Contracts traded in seconds with trades: at least 1, heavy-tailed, larger when busy."""
    mean = VOLUME_BASE + LOTS_PER_TRADE * intensity
    return 1 + rng.poisson(rng.gamma(VOLUME_SHAPE, mean / VOLUME_SHAPE))
