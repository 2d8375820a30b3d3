"""Volume features (SPEC 7, volume group).

* ``volume_ratio_30s`` = volume_t / mean(volume of the ``volume_ratio`` bars BEFORE t,
  rows t-w .. t-1); NaN for the first w rows of a session and when that mean is 0
  (a quiet stretch of gap-filled bars), never inf.
* ``volume_slope_30s`` = least-squares slope per bar of the ``volume_slope_smoothing``-bar
  mean volume over the last ``volume_slope`` bars (first valid row: s-1 + w-1).
* ``volume_slope_5s`` = slope per bar of raw volume over the last ``volume_slope_short`` bars.
* ``volume_exhaustion`` = volume_ratio_30s * volume_slope_5s (NaN if either is NaN).
"""

from __future__ import annotations

import numpy as np

from es_pipeline.features.base import BarArrays, safe_div
from es_pipeline.features.params import FeatureParams
from es_pipeline.features.rolling import lag, rolling_mean, rolling_slope

NAMES = ("volume_ratio_30s", "volume_slope_30s", "volume_slope_5s", "volume_exhaustion")


def compute(bars: BarArrays, params: FeatureParams) -> dict[str, np.ndarray]:
    w = params.windows
    starts, ends = bars.bounds
    before = lag(rolling_mean(bars.volume, starts, ends, w["volume_ratio"]), starts, ends, 1)
    ratio = safe_div(bars.volume, before)
    smooth = rolling_mean(bars.volume, starts, ends, w["volume_slope_smoothing"])
    slope_long = rolling_slope(smooth, starts, ends, w["volume_slope"])
    slope_short = rolling_slope(bars.volume, starts, ends, w["volume_slope_short"])
    return {
        "volume_ratio_30s": ratio,
        "volume_slope_30s": slope_long,
        "volume_slope_5s": slope_short,
        "volume_exhaustion": ratio * slope_short,
    }


def warmup(params: FeatureParams) -> dict[str, int]:
    """Leading NaN rows of a session per feature (the window is not yet full)."""
    w = params.windows
    ratio, short = w["volume_ratio"], w["volume_slope_short"] - 1
    return {
        "volume_ratio_30s": ratio,
        "volume_slope_30s": w["volume_slope_smoothing"] - 1 + w["volume_slope"] - 1,
        "volume_slope_5s": short,
        "volume_exhaustion": max(ratio, short),
    }


# Features that can also be NaN after the warm-up because of a division by zero.
DATA_NAN = ("volume_ratio_30s", "volume_exhaustion")
