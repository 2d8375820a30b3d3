"""Gap fill onto the 1-second grid of each kept session (SPEC 5.5).

Every second of every session gets exactly one row. A second with a trade keeps its bar;
a second without one copies the previous row's close into open/high/low/close with
volume 0 and ``filled = True``; seconds before the session's first trade take the close of
the same contract's last trade before the window (``prior_closes``: Globex trades
overnight, so it is in the raw month) and only when there is none that first trade's open.
Everything is index arithmetic on one flat grid (no per-row Python), and the forward fill
never crosses from one session into the next.

A session without any trade cannot be priced: it gets no rows (the caller reports it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from es_pipeline.core.tables import FILTERED_COLUMNS
from es_pipeline.filter.sessions import SECOND

PRICES = ("open", "high", "low", "close")


def grid(start_ns: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat 1-second grid: (row offset of each session, session of each row, ts of each row)."""
    offsets = np.zeros(len(seconds) + 1, np.int64)
    np.cumsum(seconds, out=offsets[1:])
    session_of_row = np.repeat(np.arange(len(seconds), dtype=np.int64), seconds)
    ts = start_ns[session_of_row] + (np.arange(offsets[-1], dtype=np.int64) - offsets[session_of_row]) * SECOND
    return offsets, session_of_row, ts


def fill_sessions(trades: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Bars of the kept sessions on the full grid, in SPEC 5.6 columns, sorted by ts_event.

    ``trades``: the primary contract's records, column ``session`` giving the position of
    its session in ``sessions`` plus ts_event/open/high/low/close/volume; at most one per
    second, each inside its session's window.
    ``sessions``: session_date, start_utc, seconds, primary (the symbol written on every row)
    and optionally prior_close (the opening fill price; NaN: use the first trade's open).
    """
    session = trades["session"].to_numpy(np.int64)
    start_ns = sessions["start_utc"].to_numpy("datetime64[ns]").view(np.int64)
    seconds = sessions["seconds"].to_numpy(np.int64)
    traded = np.bincount(session, minlength=len(sessions)) > 0
    seconds = np.where(traded, seconds, 0)  # a session without trades cannot be priced: no rows
    offsets, session_of_row, ts = grid(start_ns, seconds)
    n = int(offsets[-1])

    trade_ts = trades["ts_event"].to_numpy("datetime64[ns]").view(np.int64)
    pos = offsets[session] + (trade_ts - start_ns[session]) // SECOND
    if ((trade_ts < start_ns[session]) | (pos >= offsets[session + 1])).any():
        raise ValueError("fill_sessions: a trade lies outside its session's window")
    has = np.zeros(n, bool)
    has[pos] = True
    if int(has.sum()) != len(pos):
        raise ValueError("fill_sessions: more than one trade in the same second of a session")

    rows = np.arange(n, dtype=np.int64)
    last = np.maximum.accumulate(np.where(has, rows, -1)) if n else rows
    following = np.minimum.accumulate(np.where(has, rows, n)[::-1])[::-1] if n else rows
    before_first = last < offsets[session_of_row]  # no trade yet in this session
    bars = {}
    for col in PRICES:
        values = np.empty(n, np.float64)
        values[pos] = trades[col].to_numpy(np.float64)
        bars[col] = values
    prior = (sessions["prior_close"].to_numpy(np.float64) if "prior_close" in sessions
             else np.full(len(sessions), np.nan))[session_of_row]
    first_open = bars["open"][np.minimum(following, max(n - 1, 0))]
    fill_price = np.where(before_first, np.where(np.isnan(prior), first_open, prior),
                          bars["close"][np.maximum(last, 0)])
    filled = ~has
    for col in PRICES:
        bars[col] = np.where(filled, fill_price, bars[col])
    volume = np.zeros(n, np.int64)
    volume[pos] = trades["volume"].to_numpy(np.int64)

    return pd.DataFrame({
        "ts_event": pd.DatetimeIndex(ts.view("datetime64[ns]")).tz_localize("UTC"),
        "session_date": sessions["session_date"].to_numpy("datetime64[ns]")[session_of_row],
        "symbol": pd.Series(sessions["primary"].to_numpy(object)[session_of_row], dtype="str"),
        **bars,
        "volume": volume,
        "filled": filled,
    })[list(FILTERED_COLUMNS)]


def prior_closes(ts_ns: np.ndarray, symbol: np.ndarray, close: np.ndarray,
                 session_symbol: np.ndarray, session_start_ns: np.ndarray) -> np.ndarray:
    """Per session, the close of its contract's last record strictly before the window start.

    NaN where the contract has no earlier record in the month (its first day, the month's
    first hours). One sort of the records, then a binary search per session.
    """
    codes, _ = pd.factorize(np.concatenate([np.asarray(symbol, object), np.asarray(session_symbol, object)]))
    record_code, session_code = codes[:len(symbol)], codes[len(symbol):]
    order = np.lexsort((ts_ns, record_code))
    sorted_code, sorted_ts, sorted_close = record_code[order], ts_ns[order], np.asarray(close, np.float64)[order]
    lo = np.searchsorted(sorted_code, session_code, side="left")
    hi = np.searchsorted(sorted_code, session_code, side="right")
    out = np.full(len(session_code), np.nan)
    for i, (a, b) in enumerate(zip(lo.tolist(), hi.tolist(), strict=True)):
        j = a + int(np.searchsorted(sorted_ts[a:b], session_start_ns[i], side="left")) - 1
        if j >= a:
            out[i] = sorted_close[j]
    return out


def filled_runs(filled: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per session (rows ``starts[i]:ends[i]``, each holding a trade): filled seconds before
    its first trade, and its longest run of consecutive filled seconds (an outage or hole)."""
    n = len(filled)
    if not len(starts):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows = np.arange(n, dtype=np.int64)
    session_start = np.repeat(starts, ends - starts)
    last_trade = np.maximum.accumulate(np.where(filled, -1, rows))
    run = np.where(filled, rows - np.maximum(last_trade, session_start - 1), 0)
    leading = np.minimum.reduceat(np.where(filled, n, rows), starts) - starts
    return leading.astype(np.int64), np.maximum.reduceat(run, starts).astype(np.int64)
