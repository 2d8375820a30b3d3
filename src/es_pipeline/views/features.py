"""Tables and figures for the featurize notebook (display only; the numbers come from the stage)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from es_pipeline.features import FEATURE_GROUPS, FEATURE_NAMES

KEY_FEATURES = (
    "volume_ratio_30s", "distance_from_vwap_pct", "position_in_short_range", "range_compression_ratio",
    "return_30s", "momentum_consistency", "atr_30s", "volatility_regime", "atr_percentile",
    "uptick_pct_30s", "short_range_retouches", "relative_bar_size",
)
_GROUP_OF = {name: group for group, names in FEATURE_GROUPS.items() for name in names}


def run_summary(result) -> pd.DataFrame:
    """What was read and written, and how long each step took."""
    rows = [
        ("month", result.month),
        ("input", str(result.filtered)),
        ("output", str(result.out)),
        ("metrics", str(result.metrics_out)),
        ("rows", f"{result.metrics['rows']:,}"),
        ("sessions", result.metrics["sessions"]),
        ("in-session steps not 1 s", result.metrics["grid_gaps"]),
        ("features failing the NaN check", result.metrics["nan_check_failures"]),
    ]
    rows += [(f"{step} seconds", f"{seconds:.2f}") for step, seconds in result.timings.items()]
    return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")


def sessions_table(result) -> pd.DataFrame:
    """Rows per session (a full default session is 27,000)."""
    table = result.sessions.copy()
    table["session_date"] = pd.to_datetime(table["session_date"]).dt.date
    return table.set_index("session_date")


def feature_table(result) -> pd.DataFrame:
    """One row per feature in SPEC order: group, mean, std, min, max, NaN share."""
    stats = result.stats["features"]
    table = pd.DataFrame(
        [{"feature": name, "group": _GROUP_OF[name], **stats[name]} for name in FEATURE_NAMES]
    ).set_index("feature")
    return table[["group", "mean", "std", "min", "max", "nan_share"]].astype(
        {c: "float64" for c in ("mean", "std", "min", "max", "nan_share")}
    )


def nan_check_table(result) -> pd.DataFrame:
    """Expected NaN rows (warm-up windows, per session) vs observed, with a pass/fail column."""
    table = result.nan_check.set_index("feature").copy()
    table["result"] = np.where(table["passed"], "pass", "FAIL")
    return table.drop(columns="passed")


def feature_histograms(result, names=KEY_FEATURES, bins: int = 60, clip: float = 0.005):
    """Histograms of a few key features (central 99% of values, NaN dropped)."""
    names = [n for n in names if n in result.features.columns]
    cols = 4
    fig, axes = plt.subplots(math.ceil(len(names) / cols), cols, figsize=(4 * cols, 2.6 * math.ceil(len(names) / cols)),
                             squeeze=False)
    for ax, name in zip(axes.flat, names):
        values = result.features[name].to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        if len(values):
            lo, hi = np.quantile(values, [clip, 1 - clip])
            ax.hist(values[(values >= lo) & (values <= hi)], bins=bins, color="steelblue")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"Feature distributions {result.month or ''}".strip())
    fig.tight_layout()
    return fig
