"""Time-of-day flags (SPEC 7, time of day group), int8 0/1.

Each bar's start time (``ts_event``) is converted to the configured time zone (DST from the
time-zone database, never a fixed offset) and compared as a clock time with the
``time_buckets`` of features.yaml: a flag is 1 when start <= clock < end. ``is_eth`` is 1
outside [earliest bucket start, latest bucket end) (default 07:30-15:00 CT), i.e. for bars of
the extended (Globex) hours; times inside that span but between two buckets (if the
buckets left a gap) have every flag 0.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from es_pipeline.features.params import TIME_BUCKETS, FeatureParams

NAMES = ("is_eth", "is_pre_open", "is_rth_open", "is_morning", "is_lunch", "is_afternoon", "is_rth_close")
_NS_PER_DAY = 86_400 * 1_000_000_000


def _ns(clock: dt.time) -> int:
    return ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1_000_000_000 + clock.microsecond * 1000


def clock_ns(ts_event: pd.Series, timezone: str) -> np.ndarray:
    """Nanoseconds since local midnight of each timestamp in ``timezone``."""
    local = ts_event.dt.tz_convert(timezone).dt.tz_localize(None).astype("datetime64[ns]")
    return local.to_numpy().view("int64") % _NS_PER_DAY


def compute(ts_event: pd.Series, params: FeatureParams, timezone: str) -> dict[str, np.ndarray]:
    clock = clock_ns(ts_event, timezone)
    out = {}
    for name in TIME_BUCKETS:
        start, end = params.time_buckets[name]
        out[f"is_{name}"] = ((clock >= _ns(start)) & (clock < _ns(end))).astype(np.int8)
    first = min(_ns(start) for start, _ in params.time_buckets.as_dict().values())
    last = max(_ns(end) for _, end in params.time_buckets.as_dict().values())
    out["is_eth"] = ((clock < first) | (clock >= last)).astype(np.int8)
    return {name: out[name] for name in NAMES}


def warmup(params: FeatureParams) -> dict[str, int]:
    return dict.fromkeys(NAMES, 0)


DATA_NAN: tuple[str, ...] = ()
