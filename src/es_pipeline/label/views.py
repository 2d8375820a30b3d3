"""Tables and figures for notebooks/label.ipynb; each takes a label table (``run(...).labels``).

Figures are created with pyplot (which hooks up the notebook's inline display) and closed
at once, so a notebook shows each exactly once, as the cell's value, and none pile up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from es_pipeline.core.tables import OUTCOMES
from es_pipeline.label.labels import modes_in
from es_pipeline.notebook.display import (
    LEGEND_RIGHT,
    PCT,
    Table,
    date_ticks,
    few_ticks,
    figure,
    legend_outside,
    modes_table,
    percent_axis,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["modes_table", "outcome_table", "plot_weight_histogram", "plot_win_rate_by_time",
           "plot_winner_distributions", "win_rate_by_time", "win_rate_by_time_table", "winner_summary"]


def outcome_table(labels: pd.DataFrame) -> Table:
    """Per mode: count and share of each outcome (win / stop / timeout / session_end) and the win rate."""
    modes = modes_in(labels)
    table = pd.DataFrame({"mode": modes})
    for o in OUTCOMES:
        table[o] = [int((labels[f"outcome_{m}"] == o).sum()) for m in modes]
    table["rows"] = len(labels)
    for o in OUTCOMES:
        table[f"{o} share"] = table[o] / len(labels) if len(labels) else np.nan
    table = table.rename(columns={"win share": "win_rate"})
    return Table(table, {f"{o} share": PCT for o in OUTCOMES} | {"win_rate": PCT})


def win_rate_by_time_table(labels: pd.DataFrame, timezone: str = "America/Chicago", minutes: int = 30) -> Table:
    """Win rate per mode (%) by local clock bucket, with the rows in each bucket."""
    table = win_rate_by_time(labels, timezone, minutes).reset_index()
    return Table(table, {m: PCT for m in modes_in(labels)})


def win_rate_by_time(labels: pd.DataFrame, timezone: str = "America/Chicago", minutes: int = 30) -> pd.DataFrame:
    """Win rate per mode by local clock bucket (index: bucket start "HH:MM"), plus rows per bucket.

    Buckets are counted with ``np.bincount`` over local minutes of the day (one timezone
    conversion, no groupby): labels are 0/1, so the mean is wins / rows exactly.
    """
    local = labels["ts_event"].dt.tz_convert(timezone).dt.tz_localize(None).to_numpy("datetime64[m]")
    bucket = (local.astype(np.int64) % (24 * 60)) // minutes
    slots = -(-24 * 60 // minutes)
    rows = np.bincount(bucket, minlength=slots)
    present = np.flatnonzero(rows)
    table = pd.DataFrame({m: np.bincount(bucket, weights=labels[f"label_{m}"].to_numpy(np.float64),
                                         minlength=slots)[present] / rows[present] for m in modes_in(labels)})
    table["rows"] = rows[present]
    table.index = [f"{b * minutes // 60:02d}:{b * minutes % 60:02d}" for b in present]
    return table.rename_axis("bucket_start")


def _quartiles(values: np.ndarray) -> list[float]:
    return list(np.nanquantile(values, [0.25, 0.5, 0.75])) if len(values) else [np.nan] * 3


def winner_summary(labels: pd.DataFrame) -> Table:
    """Per mode: winners and the quartiles of seconds to target and MAE (ticks) among them."""
    rows = {}
    for m in modes_in(labels):
        won = labels[f"label_{m}"].to_numpy() == 1
        among = {q: labels[f"{q}_{m}"].to_numpy(np.float64)[won] for q in ("seconds_to_target", "mae_ticks", "weight")}
        rows[m] = {"winners": int(won.sum()),
                   **{f"seconds_p{q}": v
                      for q, v in zip((25, 50, 75), _quartiles(among["seconds_to_target"]), strict=True)},
                   **{f"mae_ticks_p{q}": v for q, v in zip((25, 50, 75), _quartiles(among["mae_ticks"]), strict=True)},
                   "mean_weight": among["weight"].mean() if won.any() else np.nan}
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("mode").reset_index()
    return Table(table, {"mean_weight": "{:.3f}"})


def plot_win_rate_by_time(labels: pd.DataFrame, timezone: str = "America/Chicago", minutes: int = 30) -> Figure:
    table = win_rate_by_time(labels, timezone, minutes).drop(columns="rows")
    fig = figure((11, 4), LEGEND_RIGHT)
    ax = fig.add_subplot()
    for mode in table.columns:
        ax.plot(range(len(table)), table[mode], marker="o", ms=3, label=mode)
    date_ticks(ax, list(table.index), max_labels=16)
    percent_axis(ax, fit=list(table.to_numpy().ravel()))
    ax.set(title=f"Win rate by {minutes}-minute bucket", xlabel=f"bucket start ({timezone})",
           ylabel="win rate (% of rows)")
    legend_outside(ax)
    return fig


def _histograms(labels: pd.DataFrame, quantity: str, ax: Axes, bins: int, integer: bool = False) -> None:
    """One step histogram per mode over the winners, on bin edges shared by all modes."""
    values = {m: labels[f"{quantity}_{m}"].to_numpy(np.float64)[labels[f"label_{m}"].to_numpy() == 1]
              for m in modes_in(labels)}
    pooled = np.concatenate([np.zeros(0), *values.values()])
    if not len(pooled):
        ax.text(0.5, 0.5, "no winners", ha="center", transform=ax.transAxes)
        return
    if integer and pooled.max() - pooled.min() <= 200:  # one bin per whole value
        edges = np.arange(np.floor(pooled.min()) - 0.5, np.ceil(pooled.max()) + 1.0)
    else:
        edges = np.histogram_bin_edges(pooled, bins=bins)
    for mode, v in values.items():  # equal-width bins as count + range: numpy bins without sorting
        ax.stairs(np.histogram(v, bins=len(edges) - 1, range=(edges[0], edges[-1]))[0], edges, label=mode)
    few_ticks(ax, y=5, integer_x=integer)


def plot_winner_distributions(labels: pd.DataFrame, bins: int = 40) -> Figure:
    """Winners only: seconds from entry to the target bar, and MAE in ticks."""
    fig = figure((12, 4), LEGEND_RIGHT)
    left, right = fig.subplots(1, 2)
    _histograms(labels, "seconds_to_target", left, bins)
    left.set(title="Seconds to target (winners)", xlabel="seconds from entry to target", ylabel="winners (rows)")
    _histograms(labels, "mae_ticks", right, bins, integer=True)
    right.set(title="Max adverse excursion (winners)", xlabel="adverse move (ticks)", ylabel="winners (rows)")
    legend_outside(right)
    return fig


def plot_weight_histogram(labels: pd.DataFrame, bins: int = 30) -> Figure:
    """Pre-decay weights of winners (every other row weighs exactly 1.0)."""
    fig = figure((9, 4), LEGEND_RIGHT)
    ax = fig.add_subplot()
    _histograms(labels, "weight", ax, bins)
    ax.set(title="Winner weight = quality × velocity (others 1.0)", xlabel="weight (unitless)",
           ylabel="winners (rows)")
    legend_outside(ax)
    return fig
