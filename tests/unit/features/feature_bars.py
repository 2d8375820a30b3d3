"""Bar builders for the feature tests: hand-built sessions and a realistic random-walk day.

``make_session`` turns plain price/volume lists into a filtered-bar frame (SPEC 5.6 columns,
1-second grid starting at the session's local open); ``random_walk_day`` builds a realistic
gap-filled day (tick-aligned prices, ~30% of seconds without trades, a U-shaped activity
profile). Neither depends on the project's own synthetic-data generator. Imported by the
tests as ``feature_bars`` (a unique name: every conftest.py is a module called ``conftest``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from es_pipeline.features.params import FEATURE_WINDOWS

TZ = "America/Chicago"
TICK = 0.25
SESSION_OPEN = dt.time(7, 30)


def session_start_utc(date: str, clock: dt.time = SESSION_OPEN, tz: str = TZ) -> pd.Timestamp:
    local = pd.Timestamp(f"{date} {clock.isoformat()}").tz_localize(tz)
    return local.tz_convert("UTC")


def make_session(
    date: str,
    close,
    *,
    high=None,
    low=None,
    open_=None,
    volume=None,
    start: dt.time = SESSION_OPEN,
    symbol: str = "ESZ5",
) -> pd.DataFrame:
    """One session of 1-second bars from a close path (high/low default to max/min(open, close))."""
    close = np.asarray(close, dtype=np.float64)
    n = len(close)
    if open_ is None:
        open_ = np.concatenate([close[:1], close[:-1]])
    open_ = np.asarray(open_, dtype=np.float64)
    high = np.maximum(open_, close) if high is None else np.asarray(high, dtype=np.float64)
    low = np.minimum(open_, close) if low is None else np.asarray(low, dtype=np.float64)
    volume = np.full(n, 10, np.int64) if volume is None else np.asarray(volume, dtype=np.int64)
    t0 = session_start_utc(date, start)
    ts = pd.date_range(t0, periods=n, freq="s").astype("datetime64[ns, UTC]")
    return pd.DataFrame({
        "ts_event": ts,
        "session_date": pd.Series(np.full(n, np.datetime64(date, "ns"))),
        "symbol": symbol,
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "volume": volume,
        "filled": volume == 0,
    })


def concat_sessions(*sessions: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(sessions, ignore_index=True)


def random_walk_day(date: str, n: int = 27_000, seed: int = 0, price: float = 6000.0) -> pd.DataFrame:
    """A realistic gap-filled session: tick-aligned random walk, volume 0 on ~30% of seconds."""
    rng = np.random.default_rng(seed)
    u = np.linspace(-1.0, 1.0, n)
    activity = 0.55 + 0.4 * u**2  # U-shaped: busy open and close, quiet lunch
    traded = rng.random(n) < activity
    traded[0] = True
    steps = np.rint(rng.normal(0.0, 0.6 + 0.8 * activity, n)).astype(np.int64) * traded
    close_ticks = np.rint(price / TICK) + np.cumsum(steps)
    open_ticks = np.concatenate([[close_ticks[0]], close_ticks[:-1]])
    open_ticks = open_ticks + traded * rng.choice([-1, 0, 0, 0, 1], n)
    extra_up = rng.geometric(0.7, n) - 1
    extra_dn = rng.geometric(0.7, n) - 1
    high_ticks = np.maximum(open_ticks, close_ticks) + traded * extra_up
    low_ticks = np.minimum(open_ticks, close_ticks) - traded * extra_dn
    volume = np.where(traded, rng.geometric(0.08, n) + rng.poisson(20 * activity), 0).astype(np.int64)
    # gap-filled seconds copy the previous close into open/high/low/close (SPEC 5.5)
    idle = ~traded
    for arr in (open_ticks, high_ticks, low_ticks):
        arr[idle] = np.concatenate([[close_ticks[0]], close_ticks[:-1]])[idle]
    return make_session(
        date,
        close_ticks * TICK,
        open_=open_ticks * TICK,
        high=high_ticks * TICK,
        low=low_ticks * TICK,
        volume=volume,
    )


def random_month(days: int = 22, n: int = 27_000, seed: int = 0) -> pd.DataFrame:
    dates = pd.bdate_range("2025-12-01", periods=days).strftime("%Y-%m-%d")
    return concat_sessions(*(random_walk_day(d, n, seed + i) for i, d in enumerate(dates)))


def with_windows(params, **changes):
    """FeatureParams with some windows (or other fields) replaced."""
    windows = {key: value for key, value in changes.items() if key in FEATURE_WINDOWS}
    other = {key: value for key, value in changes.items() if key not in FEATURE_WINDOWS}
    return dataclasses.replace(params, windows=dataclasses.replace(params.windows, **windows), **other)


