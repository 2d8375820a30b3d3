"""Brute-force labels written line by line from SPEC 6, for tests and benchmarks.

Deliberately naive: one plain Python scan per row and mode, prices compared in points
exactly as the SPEC states. Same output columns and dtypes as
``es_pipeline.label.labels.label_bars``, so frames can be compared with assert_frame_equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from es_pipeline.label.labels import BAR_NS, OUTCOME_DTYPE
from es_pipeline.label.params import LabelParams, QualityCurve, VelocityCurve


def _curve(c: QualityCurve, x: float) -> float:
    """SPEC 6's clip(intercept - slope * (x - center) / scale, lower, upper); quality has center 0, scale 1."""
    center, scale = (c.center_seconds, c.scale_seconds) if isinstance(c, VelocityCurve) else (0.0, 1.0)
    return min(max(c.intercept - c.slope * (x - center) / scale, c.lower), c.upper)


def label_bars_reference(bars: pd.DataFrame, label: LabelParams, tick_size: float) -> pd.DataFrame:
    ts_event = bars["ts_event"].reset_index(drop=True)
    if ts_event.dt.tz is None:
        ts_event = ts_event.dt.tz_localize("UTC")
    ts_event = ts_event.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    ts = [int(v) for v in ts_event.to_numpy("datetime64[ns]").view("int64")]
    opens = [float(v) for v in bars["open"]]
    highs = [float(v) for v in bars["high"]]
    lows = [float(v) for v in bars["low"]]
    sessions = list(bars["session_date"])
    n = len(ts)
    last = [0] * n  # index of the last bar of each row's session
    for i in range(n - 1, -1, -1):
        last[i] = i if i == n - 1 or sessions[i + 1] != sessions[i] else last[i + 1]
    timeout_ns = label.timeout_seconds * 1_000_000_000

    out: dict[str, object] = {"ts_event": ts_event}
    for mode in label.modes:
        labels, outcomes, maes, secs, weights = [], [], [], [], []
        for t in range(n):
            outcome, mae, sec = "session_end", float("nan"), float("nan")
            if t < last[t]:
                entry = opens[t + 1]
                if mode.direction == "long":
                    target = entry + mode.target_ticks * tick_size
                    stop = entry - mode.stop_ticks * tick_size
                else:
                    target = entry - mode.target_ticks * tick_size
                    stop = entry + mode.stop_ticks * tick_size
                worst = 0.0  # largest adverse excursion so far, in points
                j = t + 1
                while True:
                    if j > last[t]:  # never past the session's last bar
                        seen_all = ts[last[t]] + BAR_NS - ts[t + 1] >= timeout_ns
                        outcome = "timeout" if seen_all else "session_end"
                        break
                    if ts[j] - ts[t + 1] >= timeout_ns:
                        outcome = "timeout"
                        break
                    if mode.direction == "long":
                        worst = max(worst, entry - lows[j])
                        hit_stop, hit_target = lows[j] <= stop, highs[j] >= target
                    else:
                        worst = max(worst, highs[j] - entry)
                        hit_stop, hit_target = highs[j] >= stop, lows[j] <= target
                    if hit_stop:  # also when the same bar hits the target
                        outcome = "stop"
                        break
                    if hit_target:
                        outcome = "win"
                        mae = worst / tick_size
                        sec = (ts[j] - ts[t + 1]) / 1e9
                        break
                    j += 1
            win = outcome == "win"
            labels.append(1 if win else 0)
            outcomes.append(outcome)
            maes.append(mae)
            secs.append(sec)
            weights.append(_curve(label.weights.quality, mae / mode.stop_ticks) * _curve(label.weights.velocity, sec)
                           if win else 1.0)
        out[f"label_{mode.name}"] = np.array(labels, np.int8)
        out[f"outcome_{mode.name}"] = pd.Categorical(outcomes, dtype=OUTCOME_DTYPE)
        out[f"mae_ticks_{mode.name}"] = np.array(maes, np.float64)
        out[f"seconds_to_target_{mode.name}"] = np.array(secs, np.float64)
        out[f"weight_{mode.name}"] = np.array(weights, np.float64)
    return pd.DataFrame(out)
