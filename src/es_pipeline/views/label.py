"""Tables and figures for notebooks/label.ipynb; each takes a label table (``run(...).labels``).

Figures are created with pyplot (which hooks up the notebook's inline display) and closed
at once, so a notebook shows each exactly once, as the cell's value, and none pile up.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from es_pipeline.labeling import OUTCOMES, modes_in


def _figure(size: tuple[float, float]) -> Figure:
    fig = plt.figure(figsize=size, layout="constrained")
    plt.close(fig)
    return fig


def outcome_table(labels: pd.DataFrame) -> pd.DataFrame:
    """Per mode: count of each outcome, rows and win rate (wins / rows)."""
    table = pd.DataFrame(
        {o: [int((labels[f"outcome_{m}"] == o).sum()) for m in modes_in(labels)] for o in OUTCOMES},
        index=pd.Index(modes_in(labels), name="mode"),
    )
    table["rows"] = len(labels)
    table["win_rate"] = table["win"] / table["rows"] if len(labels) else np.nan
    return table


def win_rate_by_time(labels: pd.DataFrame, timezone: str = "America/Chicago", minutes: int = 30) -> pd.DataFrame:
    """Win rate per mode by local clock bucket (index: bucket start "HH:MM"), plus rows per bucket."""
    local = labels["ts_event"].dt.tz_convert(timezone)
    start = ((local.dt.hour * 60 + local.dt.minute) // minutes * minutes).rename("bucket_start")
    wins = pd.DataFrame({m: labels[f"label_{m}"].astype("float64") for m in modes_in(labels)})
    table = wins.groupby(start, sort=True).mean()
    table["rows"] = start.value_counts().reindex(table.index)
    table.index = [f"{m // 60:02d}:{m % 60:02d}" for m in table.index]
    return table.rename_axis("bucket_start")


def winner_summary(labels: pd.DataFrame) -> pd.DataFrame:
    """Per mode: winners and the quartiles of seconds to target and MAE (ticks) among them."""
    rows = {}
    for m in modes_in(labels):
        won = labels[f"label_{m}"] == 1
        secs, mae = labels.loc[won, f"seconds_to_target_{m}"], labels.loc[won, f"mae_ticks_{m}"]
        rows[m] = {"winners": int(won.sum()),
                   **{f"seconds_p{q}": secs.quantile(q / 100) for q in (25, 50, 75)},
                   **{f"mae_ticks_p{q}": mae.quantile(q / 100) for q in (25, 50, 75)},
                   "mean_weight": labels.loc[won, f"weight_{m}"].mean()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("mode")


def plot_win_rate_by_time(labels: pd.DataFrame, timezone: str = "America/Chicago", minutes: int = 30) -> Figure:
    table = win_rate_by_time(labels, timezone, minutes).drop(columns="rows")
    fig = _figure((10, 4))
    ax = fig.add_subplot()
    for mode in table.columns:
        ax.plot(range(len(table)), table[mode], marker="o", ms=3, label=mode)
    ax.set_xticks(range(len(table)), table.index, rotation=60)
    ax.set(title=f"Win rate by {minutes}-minute bucket ({timezone})", xlabel="bucket start", ylabel="win rate")
    ax.legend(fontsize="small", ncols=2)
    return fig


def _histograms(labels: pd.DataFrame, quantity: str, ax, bins: int, integer: bool = False) -> None:
    """One step histogram per mode over the winners, on bin edges shared by all modes."""
    values = {m: labels.loc[labels[f"label_{m}"] == 1, f"{quantity}_{m}"].to_numpy() for m in modes_in(labels)}
    pooled = np.concatenate([np.zeros(0), *values.values()])
    if not len(pooled):
        ax.text(0.5, 0.5, "no winners", ha="center", transform=ax.transAxes)
        return
    if integer and pooled.max() - pooled.min() <= 200:  # one bin per whole value
        edges = np.arange(np.floor(pooled.min()) - 0.5, np.ceil(pooled.max()) + 1.0)
    else:
        edges = np.histogram_bin_edges(pooled, bins=bins)
    for mode, v in values.items():
        ax.hist(v, bins=edges, histtype="step", label=mode)


def plot_winner_distributions(labels: pd.DataFrame, bins: int = 40) -> Figure:
    """Winners only: seconds from entry to the target bar, and MAE in ticks."""
    fig = _figure((11, 4))
    left, right = fig.subplots(1, 2)
    _histograms(labels, "seconds_to_target", left, bins)
    left.set(title="Seconds to target (winners)", xlabel="seconds", ylabel="rows")
    _histograms(labels, "mae_ticks", right, bins, integer=True)
    right.set(title="Max adverse excursion (winners)", xlabel="ticks", ylabel="rows")
    if right.get_legend_handles_labels()[0]:
        right.legend(fontsize="small")
    return fig


def plot_weight_histogram(labels: pd.DataFrame, bins: int = 30) -> Figure:
    """Pre-decay weights of winners (every other row weighs exactly 1.0)."""
    fig = _figure((7, 4))
    ax = fig.add_subplot()
    _histograms(labels, "weight", ax, bins)
    ax.set(title="Winner weight = quality x velocity (others 1.0)", xlabel="weight", ylabel="rows")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    return fig
