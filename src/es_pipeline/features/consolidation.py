"""Consolidation features (SPEC 7, consolidation group).

Short window = ``short_range`` bars (300), medium = ``medium_range`` bars (900), each ending
at t inclusive.

* ``short_range_high`` / ``short_range_low`` = max high / min low over the short window;
  ``short_range_size`` = high - low.
* ``position_in_short_range`` = (close - short low) / short size, in [0, 1]; NaN when the
  size is 0 (a flat window).
* ``medium_range_high`` / ``medium_range_low`` / ``medium_range_size`` likewise over the
  medium window.
* ``range_compression_ratio`` = short size / medium size; NaN when the medium size is 0.
* ``short_range_retouches`` / ``medium_range_retouches`` = distinct touches of the top or
  bottom ``touch_zone`` share of that window's range inside the window, a new touch counting
  only ``touch_cooldown`` bars after the previous counted one. The exact rule (zones, shared
  cooldown, flat windows) is ``retouches.rolling_retouches``. Counts are float64 (NaN until
  the window is full).
"""

from __future__ import annotations

import numpy as np

from es_pipeline.features.base import BarArrays, safe_div
from es_pipeline.features.params import FeatureParams
from es_pipeline.features.retouches import rolling_retouches
from es_pipeline.features.rolling import rolling_max, rolling_min

NAMES = (
    "short_range_high", "short_range_low", "short_range_size", "position_in_short_range",
    "medium_range_high", "medium_range_low", "medium_range_size", "range_compression_ratio",
    "short_range_retouches", "medium_range_retouches",
)


def compute(bars: BarArrays, params: FeatureParams) -> dict[str, np.ndarray]:
    starts, ends = bars.bounds
    out: dict[str, np.ndarray] = {}
    for prefix, key in (("short", "short_range"), ("medium", "medium_range")):
        w = params.windows[key]
        high = rolling_max(bars.high, starts, ends, w)
        low = rolling_min(bars.low, starts, ends, w)
        out[f"{prefix}_range_high"] = high
        out[f"{prefix}_range_low"] = low
        out[f"{prefix}_range_size"] = high - low
        out[f"{prefix}_range_retouches"] = rolling_retouches(
            bars.high, bars.low, starts, ends, w, params.touch_zone, params.touch_cooldown
        )
    out["position_in_short_range"] = safe_div(bars.close - out["short_range_low"], out["short_range_size"])
    out["range_compression_ratio"] = safe_div(out["short_range_size"], out["medium_range_size"])
    return {name: out[name] for name in NAMES}


def warmup(params: FeatureParams) -> dict[str, int]:
    short, medium = params.windows["short_range"] - 1, params.windows["medium_range"] - 1
    result = {name: short for name in NAMES if name.startswith("short") or name == "position_in_short_range"}
    result.update({name: medium for name in NAMES if name.startswith("medium")})
    result["range_compression_ratio"] = max(short, medium)
    return {name: result[name] for name in NAMES}


DATA_NAN = ("position_in_short_range", "range_compression_ratio")
