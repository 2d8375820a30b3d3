"""Session windows from the market calendar: holidays, early closes, DST, calendar choice."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from es_pipeline.filter.params import FilterParams
from es_pipeline.filter.sessions import assign_sessions, session_windows
from tests.params import load_params

CT = "America/Chicago"
NYSE = load_params().filter


def window(month: str, date: str, filt: FilterParams = NYSE) -> pd.Series:
    windows = session_windows(month, CT, filt)
    return windows.set_index("session_date").loc[pd.Timestamp(date)]


def test_a_normal_session_is_0730_to_1500_ct_and_27000_seconds():
    w = window("2025-12", "2025-12-01")
    assert w["status"] == "session" and not w["early_close"]
    assert w["seconds"] == 27_000 and w["minutes"] == 450
    assert (w["start_local"].strftime("%H:%M"), w["end_local"].strftime("%H:%M")) == ("07:30", "15:00")
    assert w["start_utc"] == pd.Timestamp("2025-12-01 13:30", tz="UTC")


@pytest.mark.parametrize("date", ["2025-11-28", "2025-12-24", "2025-07-03"])
def test_early_closes_end_at_the_calendars_close(date):
    w = window(date[:7], date)
    assert w["status"] == "session" and w["early_close"]
    assert w["end_local"].strftime("%H:%M") == "12:00"
    assert w["seconds"] == 16_200


@pytest.mark.parametrize("date", ["2025-11-27", "2025-12-25", "2025-04-18", "2025-01-20"])
def test_calendar_holidays_have_no_session(date):
    w = window(date[:7], date)
    assert w["status"] == "holiday"
    assert w["seconds"] == 0 and pd.isna(w["start_utc"])


def test_dst_keeps_0730_local():
    summer, winter = window("2025-10", "2025-10-31"), window("2025-11", "2025-11-03")
    assert summer["start_utc"] == pd.Timestamp("2025-10-31 12:30", tz="UTC")  # CDT = UTC-5
    assert winter["start_utc"] == pd.Timestamp("2025-11-03 13:30", tz="UTC")  # CST = UTC-6
    assert summer["start_local"].strftime("%H:%M") == winter["start_local"].strftime("%H:%M") == "07:30"
    assert summer["seconds"] == winter["seconds"] == 27_000


def test_cme_equity_keeps_the_globex_holiday_session():
    cme = dataclasses.replace(NYSE, calendar="CME_Equity")
    w = window("2025-11", "2025-11-27", cme)
    assert w["status"] == "session" and w["early_close"]
    assert (w["start_local"].strftime("%H:%M"), w["end_local"].strftime("%H:%M")) == ("07:30", "12:00")
    assert window("2025-12", "2025-12-25", cme)["status"] == "holiday"


def test_month_table_lists_every_weekday_once_in_order():
    windows = session_windows("2025-12", CT, NYSE)
    assert windows["session_date"].is_monotonic_increasing and windows["session_date"].is_unique
    assert len(windows) == 23  # weekdays of December 2025
    assert windows["status"].value_counts().to_dict() == {"session": 22, "holiday": 1}
    assert windows["early_close"].sum() == 1
    kept = windows[windows["status"] == "session"]
    assert str(kept["start_utc"].dtype) == "datetime64[ns, UTC]"
    assert str(kept["session_date"].dtype) == "datetime64[ns]"


def test_min_session_minutes_drops_short_sessions():
    filt = dataclasses.replace(NYSE, min_session_minutes=300)
    windows = session_windows("2025-11", CT, filt).set_index("session_date")
    assert windows.loc["2025-11-28", "status"] == "short_session"
    assert windows.loc["2025-11-26", "status"] == "session"


@pytest.mark.parametrize(("end", "expected_end", "early"), [
    (dt.time(12, 30), "12:00", True),   # the calendar closes first
    (dt.time(11, 0), "11:00", False),   # the window ends before the close: not an early close
])
def test_window_end_is_the_earlier_of_session_end_and_the_close(end, expected_end, early):
    w = window("2025-12", "2025-12-24", dataclasses.replace(NYSE, session_end=end))
    assert w["end_local"].strftime("%H:%M") == expected_end
    assert bool(w["early_close"]) is early


def test_assign_sessions_start_inclusive_end_exclusive():
    start = np.array([100, 300], np.int64)
    end = np.array([200, 400], np.int64)
    ts = np.array([50, 100, 199, 200, 250, 300, 399, 400, 500], np.int64)
    assert assign_sessions(ts, start, end).tolist() == [-1, 0, 0, -1, -1, 1, 1, -1, -1]
    assert assign_sessions(ts, start[:0], end[:0]).tolist() == [-1] * len(ts)
