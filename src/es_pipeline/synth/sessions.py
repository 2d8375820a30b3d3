"""A month's Globex sessions from the CME_Equity calendar, and CT clock times of seconds.

A trading day belongs to the month of its date, so its session opens the evening before (the
2025-12-01 session opens 2025-11-30 17:00 CT). Early closes, Globex holiday sessions and the
old 15:15-15:30 CT maintenance break all come from the calendar; local clock times come from
the tz database, so DST changes need no special case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandas_market_calendars as mcal

TZ = "America/Chicago"
CALENDAR = "CME_Equity"
SECOND_NS = 1_000_000_000


@dataclass(frozen=True)
class Session:
    date: dt.date
    open_ns: int
    close_ns: int
    break_start_ns: int
    break_end_ns: int

    def seconds(self) -> np.ndarray:
        """Start (UTC ns) of every second the market is open, the break left out."""
        ts = np.arange(self.open_ns, self.close_ns, SECOND_NS, dtype=np.int64)
        return ts[(ts < self.break_start_ns) | (ts >= self.break_end_ns)]

    @property
    def early_close(self) -> bool:
        return clock_minutes(np.array([self.close_ns]))[0] < 15 * 60


def _ns(column: pd.Series) -> np.ndarray:
    return column.dt.tz_convert("UTC").astype("datetime64[ns, UTC]").array.asi8


def month_sessions(year: int, month: int, days: int | None = None) -> list[Session]:
    """The sessions of the month's trading days in order, the first ``days`` of them if given."""
    first = dt.date(year, month, 1)
    last = (pd.Timestamp(first) + pd.offsets.MonthEnd(1)).date()
    schedule = mcal.get_calendar(CALENDAR).schedule(first, last, tz=TZ)
    if days is not None:
        schedule = schedule.iloc[:days]
    columns = [_ns(schedule[name]) for name in ("market_open", "market_close", "break_start", "break_end")]
    return [
        Session(day.date(), int(o), int(c), int(bs), int(be))
        for day, o, c, bs, be in zip(schedule.index, *columns, strict=True)
    ]


def clock_minutes(ts_ns: np.ndarray) -> np.ndarray:
    """Minutes after local (CT) midnight of each UTC ns timestamp, with fractions for seconds."""
    local = pd.DatetimeIndex(pd.to_datetime(ts_ns, unit="ns", utc=True)).tz_convert(TZ)
    return (local.hour * 60 + local.minute + local.second / 60).to_numpy(np.float64)
