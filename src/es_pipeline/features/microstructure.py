"""Microstructure features (SPEC 7, microstructure group).

An up bar has close_t > close_(t-1); it is undefined (NaN, excluded) for the session's first
bar, so an uptick window of w bars is first full at row w.

* ``bar_range`` = high - low.
* ``relative_bar_size`` = bar_range / atr_30s (NaN while atr_30s is NaN or when it is 0).
* ``uptick_pct_30s`` / ``uptick_pct_60s`` = 100 * share of up bars over the last
  ``uptick_short`` / ``uptick_long`` bars (0 - 100).
* ``bar_flow_consistency`` = abs(uptick_pct_30s - uptick_pct_60s).
* ``directional_strength`` = abs(uptick_pct_30s - 50) * 2 (0 - 100).
"""

from __future__ import annotations

import numpy as np

from es_pipeline.features.base import BarArrays, safe_div
from es_pipeline.features.params import FeatureParams
from es_pipeline.features.rolling import lag, rolling_mean

NAMES = (
    "bar_range", "relative_bar_size", "uptick_pct_30s", "uptick_pct_60s",
    "bar_flow_consistency", "directional_strength",
)


def up_bars(bars: BarArrays) -> np.ndarray:
    """1.0 for an up bar, 0.0 otherwise, NaN for each session's first bar."""
    prev = lag(bars.close, bars.starts, bars.ends, 1)
    up = (bars.close > prev).astype(np.float64)
    up[np.isnan(prev)] = np.nan
    return up


def compute(bars: BarArrays, params: FeatureParams, atr_30s: np.ndarray) -> dict[str, np.ndarray]:
    """``atr_30s`` comes from the volatility group (computed once)."""
    w = params.windows
    starts, ends = bars.bounds
    up = up_bars(bars)
    short = rolling_mean(up, starts, ends, w["uptick_short"]) * 100.0
    long_ = rolling_mean(up, starts, ends, w["uptick_long"]) * 100.0
    bar_range = bars.high - bars.low
    return {
        "bar_range": bar_range,
        "relative_bar_size": safe_div(bar_range, atr_30s),
        "uptick_pct_30s": short,
        "uptick_pct_60s": long_,
        "bar_flow_consistency": np.abs(short - long_),
        "directional_strength": np.abs(short - 50.0) * 2.0,
    }


def warmup(params: FeatureParams) -> dict[str, int]:
    w = params.windows
    return {
        "bar_range": 0,
        "relative_bar_size": w["atr_short"] - 1,
        "uptick_pct_30s": w["uptick_short"],
        "uptick_pct_60s": w["uptick_long"],
        "bar_flow_consistency": max(w["uptick_short"], w["uptick_long"]),
        "directional_strength": w["uptick_short"],
    }


DATA_NAN = ("relative_bar_size",)
