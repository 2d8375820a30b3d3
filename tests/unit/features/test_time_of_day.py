"""Time-of-day flags: bar start time in the configured zone, [start, end) buckets, DST."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from es_pipeline.features import time_of_day

TZ = "America/Chicago"


def flags_at(utc_times, params, tz=TZ):
    ts = pd.Series(pd.to_datetime(utc_times, utc=True)).astype("datetime64[ns, UTC]")
    out = time_of_day.compute(ts, params, tz)
    return pd.DataFrame(out, index=[str(t) for t in utc_times])


def active(row) -> list[str]:
    return [name for name, value in row.items() if value == 1]


@pytest.mark.parametrize("date,utc_open", [("2025-10-31", "12:30"), ("2025-11-03", "13:30")])
def test_dst_change(feature_params, date, utc_open):
    """07:30 CT is 12:30 UTC on 2025-10-31 (CDT) and 13:30 UTC on 2025-11-03 (CST)."""
    open_utc = pd.Timestamp(f"{date} {utc_open}", tz="UTC")
    times = [open_utc - pd.Timedelta(seconds=1), open_utc, open_utc + pd.Timedelta(hours=1)]
    flags = flags_at(times, feature_params)
    assert active(flags.iloc[0]) == ["is_eth"]  # 07:29:59 CT
    assert active(flags.iloc[1]) == ["is_pre_open"]  # 07:30:00 CT
    assert active(flags.iloc[2]) == ["is_rth_open"]  # 08:30:00 CT


def test_bucket_edges_are_start_inclusive_end_exclusive(feature_params):
    day = pd.Timestamp("2025-12-03", tz=TZ)
    cases = {
        "07:29:59": "is_eth", "07:30:00": "is_pre_open", "08:29:59": "is_pre_open",
        "08:30:00": "is_rth_open", "09:14:59": "is_rth_open", "09:15:00": "is_morning",
        "10:59:59": "is_morning", "11:00:00": "is_lunch", "12:59:59": "is_lunch",
        "13:00:00": "is_afternoon", "14:29:59": "is_afternoon", "14:30:00": "is_rth_close",
        "14:59:59": "is_rth_close", "15:00:00": "is_eth", "00:00:00": "is_eth", "23:59:59": "is_eth",
    }
    times = [(day + pd.Timedelta(clock)).tz_convert("UTC") for clock in cases]
    flags = flags_at(times, feature_params)
    assert list(flags.columns) == list(time_of_day.NAMES)
    assert all(flags.dtypes == np.int8)
    for (clock, expected), (_, row) in zip(cases.items(), flags.iterrows(), strict=True):
        assert active(row) == [expected], clock


def test_timezone_comes_from_the_argument(feature_params):
    t = pd.Timestamp("2025-12-03 07:45", tz="America/New_York").tz_convert("UTC")
    assert active(flags_at([t], feature_params, "America/New_York").iloc[0]) == ["is_pre_open"]
    assert active(flags_at([t], feature_params, TZ).iloc[0]) == ["is_eth"]  # 06:45 CT


def test_buckets_come_from_params(feature_params):
    import dataclasses
    import datetime as dt

    buckets = dataclasses.replace(feature_params.time_buckets, rth_close=(dt.time(14, 30), dt.time(15, 15)))  # longer
    params = dataclasses.replace(feature_params, time_buckets=buckets)
    t = pd.Timestamp("2025-12-03 15:10", tz=TZ).tz_convert("UTC")
    assert active(flags_at([t], params).iloc[0]) == ["is_rth_close"]
    assert active(flags_at([t], feature_params).iloc[0]) == ["is_eth"]
