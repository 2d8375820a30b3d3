"""Fixtures for the filter-stage unit tests: hand-built raw frames in ``ingest.read_raw`` columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

RAW_DTYPES = {"open": np.float64, "high": np.float64, "low": np.float64, "close": np.float64, "volume": np.int64}


def build_raw(rows, tz: str = "America/Chicago") -> pd.DataFrame:
    """Rows ``(local time, symbol, open, high, low, close, volume)`` -> a raw frame (UTC ns, sorted as given).

    Instrument ids are assigned per symbol, as the DBN symbology would.
    """
    frame = pd.DataFrame(list(rows), columns=["ts_event", "symbol", "open", "high", "low", "close", "volume"])
    local = pd.to_datetime(frame["ts_event"], format="ISO8601").astype("datetime64[ns]")
    frame["ts_event"] = local.dt.tz_localize(tz).dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    frame.insert(1, "instrument_id", pd.factorize(frame["symbol"])[0].astype(np.int64) + 1000)
    frame["symbol"] = frame["symbol"].astype(str)
    return frame.astype(RAW_DTYPES)


def trades(symbol: str, start: str, seconds: int, price: float = 6000.0, volume: int = 1, step: int = 1):
    """One flat bar every ``step`` seconds from local time ``start`` (rows for ``build_raw``)."""
    t0 = pd.Timestamp(start)
    return [((t0 + pd.Timedelta(seconds=i)).isoformat(), symbol, price, price + 0.25, price - 0.25, price, volume)
            for i in range(0, seconds, step)]


@pytest.fixture
def make_raw():
    return build_raw


@pytest.fixture
def make_trades():
    return trades
