"""Volatility features (SPEC 7, volatility group).

True range TR_t = max(high_t, close_(t-1)) - min(low_t, close_(t-1)); the session's first
bar has no previous close and uses high_t - low_t. ATR over w bars = mean TR of rows
t-w+1 .. t.

* ``atr_30s`` / ``atr_300s`` = ATR over ``atr_short`` / ``atr_long`` bars.
* ``volatility_regime`` = atr_30s / atr_300s (NaN when atr_300s is 0, a flat market).
* ``volatility_acceleration`` = (atr_30s - atr_60s) / atr_60s, atr_60s = ATR over
  ``atr_medium`` bars (NaN when atr_60s is 0).
* ``volatility_breakout`` = z-score of atr_30s within its last ``volatility_breakout``
  values: (atr_30s - their mean) / their sample std (ddof = 1); NaN when that std is 0
  (atr_30s constant over the window, e.g. a flat market).
* ``atr_percentile`` = percentile rank (0, 100] of atr_30s among its last ``atr_percentile``
  values (including itself), ties given their average rank as pandas
  ``rolling(w).rank(pct=True) * 100``: a flat stretch reads near 50, not 100;
  see ``rolling.rolling_percentile_rank``.
"""

from __future__ import annotations

import numpy as np

from es_pipeline.features.base import BarArrays, safe_div
from es_pipeline.features.params import FeatureParams
from es_pipeline.features.rolling import (
    lag,
    rolling_mean,
    rolling_percentile_rank,
    rolling_std,
)

NAMES = (
    "atr_30s", "atr_300s", "volatility_regime", "volatility_acceleration",
    "volatility_breakout", "atr_percentile",
)


def true_range(bars: BarArrays) -> np.ndarray:
    """max(high, prev close) - min(low, prev close); high - low on a session's first bar."""
    prev = lag(bars.close, bars.starts, bars.ends, 1)  # NaN on each session's first bar
    return np.fmax(bars.high, prev) - np.fmin(bars.low, prev)  # fmax/fmin skip the NaN


def compute(bars: BarArrays, params: FeatureParams) -> dict[str, np.ndarray]:
    w = params.windows
    starts, ends = bars.bounds
    tr = true_range(bars)
    atr_short = rolling_mean(tr, starts, ends, w["atr_short"])
    atr_medium = rolling_mean(tr, starts, ends, w["atr_medium"])
    atr_long = rolling_mean(tr, starts, ends, w["atr_long"])
    spread = rolling_std(atr_short, starts, ends, w["volatility_breakout"])
    typical = rolling_mean(atr_short, starts, ends, w["volatility_breakout"])
    return {
        "atr_30s": atr_short,
        "atr_300s": atr_long,
        "volatility_regime": safe_div(atr_short, atr_long),
        "volatility_acceleration": safe_div(atr_short - atr_medium, atr_medium),
        "volatility_breakout": safe_div(atr_short - typical, spread),
        "atr_percentile": rolling_percentile_rank(atr_short, starts, ends, w["atr_percentile"]),
    }


def warmup(params: FeatureParams) -> dict[str, int]:
    w = params.windows
    short, medium, long_ = w["atr_short"] - 1, w["atr_medium"] - 1, w["atr_long"] - 1
    return {
        "atr_30s": short,
        "atr_300s": long_,
        "volatility_regime": max(short, long_),
        "volatility_acceleration": max(short, medium),
        "volatility_breakout": short + w["volatility_breakout"] - 1,
        "atr_percentile": short + w["atr_percentile"] - 1,
    }


DATA_NAN = ("volatility_regime", "volatility_acceleration", "volatility_breakout")
