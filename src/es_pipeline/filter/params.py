"""The filter step's parameters (``params/filter.yaml``, SPEC 5), each key declared once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from es_pipeline.core.calendars import calendar_names
from es_pipeline.core.params import (
    Choice,
    Clock,
    Flag,
    Integer,
    Invalid,
    Text,
    load_file,
    load_market,
)


@dataclass(frozen=True)
class FilterParams:
    calendar: Annotated[str, Text(r"[A-Za-z0-9_.\-]+", help="pandas_market_calendars name; CME_Equity keeps "
                                                             "Globex holiday sessions")]
    session_start: Annotated[dt.time, Clock(help="local window start (market.timezone)")]
    session_end: Annotated[dt.time, Clock(help="local window end; early-close days end at the calendar's close")]
    min_session_minutes: Annotated[int, Integer(0, 24 * 60, help="drop sessions shorter than this (0 keeps all)")] = 0
    bad_rows: Annotated[str, Choice(("error", "drop"), help="error: stop and name every broken rule; drop: drop "
                                                            "invalid records and count them")] = "error"
    long_gap_seconds: Annotated[int, Integer(1, 86_400, help="list sessions whose longest run of filled seconds "
                                                             "exceeds this (an outage, a hole)")] = 300
    drop_long_gap_sessions: Annotated[bool, Flag(help="true: also drop those sessions")] = False

    def check(self) -> None:
        if self.calendar not in calendar_names():
            raise Invalid("a pandas_market_calendars name such as NYSE or CME_Equity", "calendar", self.calendar)
        if not self.session_start < self.session_end:
            raise Invalid(f"a clock time after session_start {self.session_start}", "session_end", self.session_end)


def load(params_dir: str | Path = "params") -> FilterParams:
    load_market(params_dir)
    return load_file(params_dir, "filter", FilterParams)
