"""Session windows of a month from a maintained market calendar (SPEC 5.3).

For every day the calendar trades, the window is ``date + session_start`` to
``min(date + session_end, the calendar's market_close)`` in the market time zone, converted
to UTC by the tz database (so 07:30 CT is 13:30 UTC in winter and 12:30 UTC in summer).
Holidays have no session; early closes end at the calendar's close and are never padded.
The default NYSE calendar drops Globex holiday sessions; ``CME_Equity`` keeps them.
Calendar breaks (``break_start``/``break_end``) are not cut out of the window: the
default 07:30-15:00 CT window never contains one.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pandas_market_calendars as mcal

from es_pipeline.core.periods import month_days
from es_pipeline.filter.params import FilterParams

SECOND = 1_000_000_000
SESSION, HOLIDAY, SHORT = "session", "holiday", "short_session"
WINDOW_COLUMNS = ("session_date", "status", "start_utc", "end_utc", "start_local", "end_local",
                  "early_close", "minutes", "seconds")


def _at(days: pd.DatetimeIndex, clock: dt.time, timezone: str) -> pd.DatetimeIndex:
    """Local wall-clock time on each day, as UTC ns (DST from the tz database)."""
    offset = pd.Timedelta(hours=clock.hour, minutes=clock.minute, seconds=clock.second,
                          microseconds=clock.microsecond)
    local = (days + offset).tz_localize(timezone, ambiguous=np.ones(len(days), bool),
                                        nonexistent="shift_forward")
    return local.tz_convert("UTC").astype("datetime64[ns, UTC]")  # type: ignore[return-value]  # stubs: an Index


def session_windows(month: str, timezone: str, filt: FilterParams) -> pd.DataFrame:
    """One row per weekday (and per calendar trading day) of the month.

    ``status`` is ``session`` (kept), ``holiday`` (the calendar does not trade) or
    ``short_session`` (shorter than ``min_session_minutes``, or an empty window).
    ``start_utc`` is inclusive, ``end_utc`` exclusive, both on whole seconds;
    ``seconds`` is the number of 1-second bars the session gets.
    """
    first, last = month_days(month)
    with warnings.catch_warnings():  # the library's own pandas deprecation notices
        warnings.filterwarnings("ignore", module=r"pandas_market_calendars\b.*")
        schedule = mcal.get_calendar(filt.calendar).schedule(start_date=first, end_date=last)
    # pandas-stubs type DatetimeIndex.astype as a plain Index
    trading = pd.DatetimeIndex(schedule.index).astype("datetime64[ns]").normalize()  # type: ignore[attr-defined]
    days = trading.union(pd.bdate_range(first, last).astype("datetime64[ns]"))
    close = pd.DatetimeIndex(schedule["market_close"]).astype("datetime64[ns, UTC]")
    close = pd.Series(close, index=trading).reindex(days)  # type: ignore[assignment]  # now a Series

    start = _at(days, filt.session_start, timezone).ceil("s")
    nominal_end = _at(days, filt.session_end, timezone)
    end = pd.DatetimeIndex(np.minimum(nominal_end, close.to_numpy())).floor("s").astype("datetime64[ns, UTC]")
    seconds = np.maximum((end.asi8 - start.asi8) // SECOND, 0)  # type: ignore[attr-defined]
    is_trading = days.isin(trading)
    minutes = seconds / 60.0
    short = is_trading & ((seconds <= 0) | (minutes < filt.min_session_minutes))
    status = np.where(~is_trading, HOLIDAY, np.where(short, SHORT, SESSION))

    windows = pd.DataFrame({
        "session_date": days,
        "status": pd.Series(status, dtype=object),
        "start_utc": start.where(is_trading),
        "end_utc": end.where(is_trading),
        "early_close": is_trading & (close.to_numpy() < nominal_end),
        "minutes": np.where(is_trading, minutes, 0.0),
        "seconds": np.where(is_trading, seconds, 0).astype(np.int64),
    })
    windows["start_local"] = windows["start_utc"].dt.tz_convert(timezone)
    windows["end_local"] = windows["end_utc"].dt.tz_convert(timezone)
    return windows[list(WINDOW_COLUMNS)]


def assign_sessions(ts_ns: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray) -> np.ndarray:
    """Position of the window holding each timestamp (start inclusive, end exclusive), -1 if none.

    Windows must be sorted and disjoint (one per local date, start before end).
    """
    if len(start_ns) == 0:
        return np.full(len(ts_ns), -1, np.int64)
    idx = np.searchsorted(start_ns, ts_ns, side="right") - 1
    inside = (idx >= 0) & (ts_ns < end_ns[np.maximum(idx, 0)])
    return np.where(inside, idx, -1).astype(np.int64)
