"""Tables and figures for the featurize notebook (display only; the numbers come from the stage)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from es_pipeline.features.frame import FEATURE_GROUPS, FEATURE_NAMES
from es_pipeline.notebook.display import PCT2, Table, few_ticks, figure, items

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from es_pipeline.features.stage import FeatureResult

KEY_FEATURES = (
    "volume_ratio_30s", "distance_from_vwap_pct", "position_in_short_range", "range_compression_ratio",
    "return_30s", "momentum_consistency", "atr_30s", "volatility_regime", "atr_percentile",
    "uptick_pct_30s", "short_range_retouches", "relative_bar_size",
)
_GROUP_OF = {name: group for group, names in FEATURE_GROUPS.items() for name in names}


def run_summary(result: FeatureResult) -> Table:
    """The month's headline numbers (what was read and written is in the parameters table)."""
    m = result.metrics
    return items([
        ("rows", f"{m['rows']:,}"), ("sessions", f"{m['sessions']}"),
        ("in-session steps not 1 s", f"{m['grid_gaps']:,}"),
        ("features failing the warm-up NaN check", f"{m['nan_check_failures']} of {len(FEATURE_NAMES)}"),
    ])


def sessions_table(result: FeatureResult) -> Table:
    """Sessions grouped by their row count: a month of full sessions is one line, not one per session."""
    s = result.sessions.assign(date=pd.to_datetime(result.sessions["session_date"]).dt.strftime("%m-%d"))
    table = s.groupby("rows", sort=False).agg(sessions=("date", "size"), dates=("date", ", ".join)).reset_index()
    return Table(table.rename(columns={"rows": "rows per session"}))


def feature_table(result: FeatureResult) -> Table:
    """One row per feature in SPEC order: group, mean, std, min, max (4 significant digits) and NaN share (%)."""
    stats = result.stats["features"]
    table = pd.DataFrame([{"feature": name, "group": _GROUP_OF[name], **stats[name]} for name in FEATURE_NAMES])
    table = table[["feature", "group", "mean", "std", "min", "max", "nan_share"]].astype(
        {c: "float64" for c in ("mean", "std", "min", "max", "nan_share")})
    return Table(table.rename(columns={"nan_share": "NaN share"}), {"NaN share": PCT2})


def nan_check_table(result: FeatureResult) -> Table:
    """The warm-up NaN check: one line if every feature passes, else the failing features with expected vs observed."""
    check = result.nan_check
    failed = check[~check["passed"]].drop(columns="passed")
    if failed.empty:
        return items([("features checked", f"{len(check)}"), ("result", "all pass: NaN only in warm-up rows")])
    return Table(failed.reset_index(drop=True))


def feature_histograms(result: FeatureResult, names: Sequence[str] = KEY_FEATURES, bins: int = 60,
                       clip: float = 0.005) -> Figure:
    """Histograms of a few key features (central 99% of values, NaN dropped).

    Counted with numpy and drawn as one filled step outline per feature (not one bar per bin),
    with few ticks, on a grid with fixed margins: the same picture at a fraction of the drawing time.
    """
    names = [n for n in names if n in result.features.columns]
    cols = 4
    rows = max(1, math.ceil(len(names) / cols))
    fig = figure((4 * cols, 2.8 * rows), {"left": 0.8, "right": 0.15, "bottom": 0.35, "top": 0.6,
                                          "wspace": 0.3, "hspace": 0.55})
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        values = result.features[name].to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        if len(values):
            lo, hi = np.quantile(values, [clip, 1 - clip])
            counts, edges = np.histogram(values, bins=bins, range=(lo, hi) if hi > lo else None)
            ax.stairs(counts, edges, fill=True, color="steelblue")
        ax.set_title(name, fontsize=9)
        ax.set_ylabel("rows", fontsize=7)
        ax.tick_params(labelsize=7)
        few_ticks(ax)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"Feature distributions {result.month or ''} "
                 "(central 99% of values; x in each feature's unit)".strip())
    return fig
