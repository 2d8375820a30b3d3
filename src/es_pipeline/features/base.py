"""What every feature group shares: the bar arrays, session bounds and safe division.

Feature groups work on plain NumPy arrays (float64 prices and volume) plus the start
(inclusive) and end (exclusive) row of each session, so every rolling kernel can reset at
session starts and no window ever spans the overnight gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from es_pipeline.core.tables import session_bounds


@dataclass(frozen=True)
class BarArrays:
    """Columns of a filtered bar table as contiguous arrays, with session bounds."""

    ts_event: pd.Series  # datetime64[ns, UTC]
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray  # float64 (exact for any realistic integer volume)
    starts: np.ndarray  # first row of each session
    ends: np.ndarray  # one past the last row of each session

    @classmethod
    def from_frame(cls, bars: pd.DataFrame) -> BarArrays:
        starts, ends = session_bounds(bars["session_date"].to_numpy())
        ts = bars["ts_event"].reset_index(drop=True)
        if ts.dt.tz is None:
            ts = ts.dt.tz_localize("UTC")
        return cls(
            ts_event=ts.dt.tz_convert("UTC").astype("datetime64[ns, UTC]"),
            high=_float(bars["high"]),
            low=_float(bars["low"]),
            close=_float(bars["close"]),
            volume=_float(bars["volume"]),
            starts=starts,
            ends=ends,
        )

    def __len__(self) -> int:
        return len(self.close)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.starts, self.ends


def _float(column: pd.Series) -> np.ndarray:
    return np.ascontiguousarray(column.to_numpy(dtype=np.float64))


def safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with NaN wherever den == 0 (or either side is NaN); never inf."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    out[~np.isfinite(out)] = np.nan
    return out
