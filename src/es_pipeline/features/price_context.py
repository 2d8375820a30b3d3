"""Price-context features (SPEC 7, price context group).

* ``vwap`` = session-to-date volume-weighted average price of ``price`` where price is the
  typical price (high + low + close) / 3 (``vwap_price: typical``, the default) or the close
  (``vwap_price: close``). NaN while the session has traded no volume yet (gap-filled bars
  before the first trade carry volume 0), so it can be NaN at the session start.
* ``distance_from_vwap_pct`` = (close - vwap) / vwap * 100 (NaN where vwap is NaN or 0).
* ``vwap_slope`` = least-squares slope per bar of vwap over the last ``vwap_slope`` bars
  (NaN while that window holds a NaN vwap).
* ``distance_from_rth_high`` = close - session-to-date high (<= 0);
  ``distance_from_rth_low`` = close - session-to-date low (>= 0). "rth" is the configured
  session window; both are defined from the session's first bar.
"""

from __future__ import annotations

import numpy as np

from es_pipeline.features.base import BarArrays, safe_div
from es_pipeline.features.params import FeatureParams
from es_pipeline.features.rolling import (
    rolling_slope,
    session_cummax,
    session_cummin,
    session_cumsum,
)

NAMES = ("vwap", "distance_from_vwap_pct", "vwap_slope", "distance_from_rth_high", "distance_from_rth_low")


def vwap_price(bars: BarArrays, params: FeatureParams) -> np.ndarray:
    if params.vwap_price == "close":
        return bars.close
    return (bars.high + bars.low + bars.close) / 3.0


def compute(bars: BarArrays, params: FeatureParams) -> dict[str, np.ndarray]:
    starts, ends = bars.bounds
    cum_pv = session_cumsum(vwap_price(bars, params) * bars.volume, starts, ends)
    cum_v = session_cumsum(bars.volume, starts, ends)
    vwap = safe_div(cum_pv, cum_v)
    return {
        "vwap": vwap,
        "distance_from_vwap_pct": safe_div(bars.close - vwap, vwap) * 100.0,
        "vwap_slope": rolling_slope(vwap, starts, ends, params.windows["vwap_slope"]),
        "distance_from_rth_high": bars.close - session_cummax(bars.high, starts, ends),
        "distance_from_rth_low": bars.close - session_cummin(bars.low, starts, ends),
    }


def warmup(params: FeatureParams) -> dict[str, int]:
    return {
        "vwap": 0,
        "distance_from_vwap_pct": 0,
        "vwap_slope": params.windows["vwap_slope"] - 1,
        "distance_from_rth_high": 0,
        "distance_from_rth_low": 0,
    }


DATA_NAN = ("vwap", "distance_from_vwap_pct", "vwap_slope")
