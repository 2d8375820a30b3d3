"""Simulate a month of ES.FUT 1-second bars as plain numpy arrays (no I/O).

Sessions are simulated in order, each from its own random stream spawned from (seed, month),
carrying only the closing mid price and the volatility regime into the next session. So the
first N days of a month are the same whether or not the rest is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from es_pipeline.synth import activity, market, prices
from es_pipeline.synth.contracts import Contract, listed_contracts
from es_pipeline.synth.sessions import SECOND_NS, Session, clock_minutes, month_sessions

PRICE_SCALE = 1_000_000_000  # DBN prices are integers in units of 1e-9
DAILY_VOL = (0.005, 0.012)  # calm, volatile: daily standard deviation as a fraction of price
VOLATILE_ACTIVITY = 1.5
DAY_SPREAD = 0.25  # log-sd of a day's activity (volatility follows with DAY_VOL_LINK)
DAY_VOL_LINK = 1.2
EARLY_CLOSE_ACTIVITY = 0.4  # holiday sessions are thin
GAP_VOL_PER_SQRT_HOUR = 0.0005  # price move across a closed period, fraction of price
BASIS_SIGMA = 0.002  # per-second noise of the next contract's carry, points
CARRY_YEARS = 0.25  # the next quarterly expires three months after the front
MONTH_LEVEL_SPREAD = 0.03  # log-sd of the month's starting price around the year's level


@dataclass(frozen=True)
class Records:
    """Columns of DBN ohlcv records, sorted by (ts_event, instrument_id); prices scaled by 1e9."""

    ts_event: np.ndarray
    instrument_id: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray


@dataclass(frozen=True)
class SimulatedMonth:
    contracts: tuple[Contract, Contract, Contract]  # front, next, spread
    sessions: tuple[Session, ...]
    records: Records


@dataclass(frozen=True)
class _Carry:
    """What one session hands the next."""

    mid: float
    volatile: bool
    close_ns: int


def _session(session: Session, contracts: tuple[Contract, ...], state: _Carry, year: float,
             rng: np.random.Generator) -> tuple[list[tuple[np.ndarray, ...]], _Carry]:
    ts = session.seconds()
    n = len(ts)
    intensity = activity.intraday_intensity(clock_minutes(ts))
    day = rng.standard_normal()
    volatile = activity.regimes(n, state.volatile, rng)
    daily_vol = np.where(volatile, DAILY_VOL[1], DAILY_VOL[0]) * np.exp(DAY_SPREAD * DAY_VOL_LINK * day)
    sigma = state.mid * daily_vol * np.sqrt(intensity / activity.full_day_intensity())
    closed_hours = (session.open_ns - state.close_ns) / (3600 * SECOND_NS)
    start = state.mid * (1 + GAP_VOL_PER_SQRT_HOUR * np.sqrt(closed_hours) * rng.standard_normal())
    front_mid = prices.random_walk(start, sigma, n, rng)
    next_mid = front_mid * (1 + market.net_carry(year) * CARRY_YEARS) + prices.random_walk(0.0, BASIS_SIGMA, n, rng)
    busy = np.exp(DAY_SPREAD * day) * (EARLY_CLOSE_ACTIVITY if session.early_close else 1.0)
    trades = intensity * busy * np.where(volatile, VOLATILE_ACTIVITY, 1.0)
    shares = activity.contract_shares(ts, contracts[0])
    mids_and_sigmas = ((front_mid, sigma), (next_mid, sigma), (front_mid - next_mid, BASIS_SIGMA))
    columns = []
    for contract, share, (mid, contract_sigma) in zip(contracts, shares, mids_and_sigmas, strict=True):
        rate = trades * share
        idx = activity.trade_seconds(rate * market.activity_scale(year), rng)
        ticks = prices.bars(mid[idx], mid[idx + 1], np.broadcast_to(contract_sigma, (n,))[idx], contract.tick, rng)
        tick_value = round(contract.tick * PRICE_SCALE)
        columns.append((ts[idx], np.full(len(idx), contract.instrument_id, np.int64),
                        *(t * tick_value for t in ticks), activity.volumes(rate[idx], rng)))
    return columns, _Carry(float(front_mid[-1]), bool(volatile[-1]), session.close_ns)


def simulate_month(year: int, month: int, seed: int = 0, days: int | None = None) -> SimulatedMonth:
    """All records of the month's first ``days`` trading days (all of them by default)."""
    contracts = listed_contracts(year, month)
    sessions = month_sessions(year, month, days)
    when = market.fractional_year(year, month)
    month_seed, *session_seeds = np.random.SeedSequence([seed, year, month]).spawn(1 + len(sessions))
    month_rng = np.random.default_rng(month_seed)
    calm_mean, volatile_mean = activity.REGIME_MEAN_SECONDS
    state = _Carry(market.price_level(when) * np.exp(MONTH_LEVEL_SPREAD * month_rng.standard_normal()),
                   bool(month_rng.random() < volatile_mean / (calm_mean + volatile_mean)),
                   sessions[0].open_ns - 3600 * SECOND_NS)  # as if after a one-hour halt
    columns = []
    for session, session_seed in zip(sessions, session_seeds, strict=True):
        session_columns, state = _session(session, contracts, state, when, np.random.default_rng(session_seed))
        columns.extend(session_columns)
    stacked = [np.concatenate(parts) for parts in zip(*columns, strict=True)]
    order = np.lexsort((stacked[1], stacked[0]))
    return SimulatedMonth(contracts, tuple(sessions), Records(*(col[order] for col in stacked)))
