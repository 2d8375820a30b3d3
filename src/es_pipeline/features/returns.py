"""Return features (SPEC 7, returns group).

* ``return_30s`` / ``return_60s`` / ``return_300s`` = close_t / close_(t-k) - 1 with
  k = ``return_short`` / ``return_medium`` / ``return_long``; NaN for the first k rows of a
  session (and if close_(t-k) were 0, which positive futures prices rule out).
* ``momentum_acceleration`` = return_30s - return_60s.
* ``momentum_consistency`` = sample standard deviation (ddof = 1) of the 1-bar returns
  close_j / close_(j-1) - 1 over the last ``momentum_consistency`` bars. The session's first
  bar has no 1-bar return, so the first valid row is w (not w - 1). A window of identical
  returns gives exactly 0.
"""

from __future__ import annotations

import numpy as np

from es_pipeline.features.base import BarArrays, safe_div
from es_pipeline.features.params import FeatureParams
from es_pipeline.features.rolling import lag, rolling_std

NAMES = ("return_30s", "return_60s", "return_300s", "momentum_acceleration", "momentum_consistency")
_KEYS = (("return_30s", "return_short"), ("return_60s", "return_medium"), ("return_300s", "return_long"))


def simple_return(close: np.ndarray, starts: np.ndarray, ends: np.ndarray, k: int) -> np.ndarray:
    return safe_div(close, lag(close, starts, ends, k)) - 1.0


def compute(bars: BarArrays, params: FeatureParams) -> dict[str, np.ndarray]:
    starts, ends = bars.bounds
    out = {name: simple_return(bars.close, starts, ends, params.windows[key]) for name, key in _KEYS}
    out["momentum_acceleration"] = out["return_30s"] - out["return_60s"]
    one_bar = simple_return(bars.close, starts, ends, 1)
    out["momentum_consistency"] = rolling_std(one_bar, starts, ends, params.windows["momentum_consistency"])
    return out


def warmup(params: FeatureParams) -> dict[str, int]:
    w = params.windows
    out = {name: w[key] for name, key in _KEYS}
    out["momentum_acceleration"] = max(w["return_short"], w["return_medium"])
    out["momentum_consistency"] = w["momentum_consistency"]
    return out


DATA_NAN: tuple[str, ...] = ()
