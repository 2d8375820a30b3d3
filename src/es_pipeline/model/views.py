"""Tables and figures for notebooks/model.ipynb; each takes the stage's ``ModelResult``.

Figures are one small panel per trade mode; a mode without validation scores keeps its panel
and says why in it, so a single-class mode is visible on the page, not silently missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from es_pipeline.model.metrics import Scores, calibration, precision_by_threshold, roc_points
from es_pipeline.model.stage import ModelResult, month_table
from es_pipeline.notebook.display import (
    INT,
    LEGEND_RIGHT,
    NUM,
    PCT,
    Table,
    date_ticks,
    few_ticks,
    figure,
    items,
    legend_outside,
    percent_axis,
)

COLUMNS = 3
PANEL = (4.6, 3.4)  # inches per mode panel


def split_table(result: ModelResult) -> Table:
    """Which months play which role, and how many sampled rows each role has."""
    split, rows = result.split, (result.results[0].rows if result.results else {})
    roles = (("training", split.train, "train"), ("early stopping", split.early_stopping, "early_stopping"),
             ("validation", split.validation, "validation"))
    table = pd.DataFrame([{"role": name, "months": len(months), "first": months[0] if months else "",
                           "last": months[-1] if months else "", "rows": rows.get(key, 0)}
                          for name, months, key in roles])
    return Table(table)


def settings_table(result: ModelResult) -> Table:
    """The model parameters used (``params/model.yaml``)."""
    p = result.params
    pairs = [("validation_months", p.validation_months), ("first_validation_month", p.first_validation_month),
             ("early_stopping_months", p.early_stopping_months), ("row_stride (s)", p.row_stride),
             ("top_share", f"{p.top_share:.1%}")]
    pairs += [(f"booster.{k}", v) for k, v in p.booster.__dict__.items()]
    return items([(k, str(v)) for k, v in pairs])


def scores_table(result: ModelResult) -> Table:
    """Per mode: rounds, validation AUC and log-loss, win rate and expectancy of the top share vs all rows."""
    top = f"top {result.params.top_share:.0%}"
    rows = []
    for r in result.results:
        s = r.overall
        rows.append({"mode": r.mode.name, "stop/target": f"{r.mode.stop_ticks}/{r.mode.target_ticks}",
                     "rounds (best)": "not trained" if r.best_iteration is None
                     else f"{r.rounds_run} ({r.best_iteration + 1})",
                     "validation rows": np.nan if s is None else s.rows,
                     "AUC": _value(s, "auc"), "log-loss": _value(s, "log_loss"),
                     "win rate": _value(s, "base_win_rate"), f"{top} win rate": _value(s, "top_win_rate"),
                     "expectancy (ticks)": _value(s, "expectancy_ticks"),
                     f"{top} expectancy (ticks)": _value(s, "top_expectancy_ticks"),
                     "why no score": r.reason or ""})
    return Table(pd.DataFrame(rows), {"validation rows": INT, "AUC": "{:.4f}", "log-loss": "{:.4f}",
                                      "win rate": PCT, f"{top} win rate": PCT, "expectancy (ticks)": "{:+.3f}",
                                      f"{top} expectancy (ticks)": "{:+.3f}"})


def _value(scores: Scores | None, name: str) -> float:
    value = None if scores is None else getattr(scores, name)
    return np.nan if value is None else value


def monthly_table(result: ModelResult, column: str = "auc") -> Table:
    """One validation month per row, one mode per column: does the skill hold up in the latest months?"""
    table = month_table(result.results)
    if table.empty:
        return Table(pd.DataFrame({"month": []}))
    wide = table.pivot(index="month", columns="mode", values=column)[[r.mode.name for r in result.results
                                                                      if r.by_month]].reset_index()
    return Table(wide.rename_axis(columns=None), {c: "{:.4f}" if column == "auc" else NUM for c in wide.columns[1:]})


def _panels(result: ModelResult, title: str) -> tuple[Figure, list[Axes]]:
    """One small axes per mode (spare grid cells hidden), in mode order."""
    count = max(1, len(result.results))
    rows = -(-count // COLUMNS)
    fig = figure((PANEL[0] * COLUMNS, PANEL[1] * rows + 0.5))
    axes = list(np.atleast_1d(fig.subplots(rows, COLUMNS, squeeze=False).ravel()))
    for ax in axes[count:]:
        ax.set_axis_off()
    fig.suptitle(title)
    return fig, axes[:len(result.results)]


def _say(ax: Axes, text: str) -> None:
    """A panel without a chart: the reason, in words.

    Left out of the constrained layout: a long reason measured as one line collapsed every panel
    (a warning carrying the checkout's absolute path into the executed notebook).
    """
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=9, transform=ax.transAxes,
            in_layout=False)
    ax.set_axis_off()


@dataclass(frozen=True)
class _Scored:
    """A mode with validation scores: what its curves are drawn from."""

    name: str
    won: np.ndarray
    prob: np.ndarray
    auc: float
    base_win_rate: float


def _scored_panels(result: ModelResult, title: str) -> tuple[Figure, list[tuple[Axes, _Scored]]]:
    """The panels of modes with validation scores; the others say why they have none."""
    fig, axes = _panels(result, title)
    scored = []
    for column, (r, ax) in enumerate(zip(result.results, axes, strict=True)):
        s = r.overall
        if r.prob is None or result.validation is None or s is None or s.auc is None or s.base_win_rate is None:
            _say(ax, f"{r.mode.name}\nno validation score:\n{r.reason}")
            continue
        won = result.validation.won[:, column].astype(bool)
        scored.append((ax, _Scored(r.mode.name, won, r.prob, s.auc, s.base_win_rate)))
    return fig, scored


def roc_figure(result: ModelResult) -> Figure:
    """ROC curve per mode on the validation rows (the diagonal is a coin flip)."""
    fig, panels = _scored_panels(result, "ROC curve on the validation months")
    for ax, m in panels:
        fpr, tpr = roc_points(m.won, m.prob)
        ax.plot(fpr, tpr, color="steelblue")
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8)
        ax.set(title=f"{m.name}: AUC {m.auc:.3f}", xlabel="false positive rate",
               ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1))
        few_ticks(ax)
    return fig


def precision_figure(result: ModelResult) -> Figure:
    """Win rate of the rows at or above each probability threshold, against the base win rate."""
    fig, panels = _scored_panels(result, "Win rate (precision) of rows at or above a predicted-probability threshold")
    for ax, m in panels:
        threshold, precision, kept = precision_by_threshold(m.won, m.prob)
        ax.plot(threshold, precision, color="darkorange", label="win rate at or above")
        ax.axhline(m.base_win_rate, color="grey", linestyle="--", linewidth=0.8, label="all rows")
        share = ax.twinx()
        share.plot(threshold, kept, color="steelblue", linewidth=0.8, alpha=0.6)
        share.set_ylabel("rows kept", color="steelblue")
        percent_axis(share, fit=[1.0])
        percent_axis(ax, fit=list(precision))
        ax.set(title=m.name, xlabel="threshold (predicted probability)", ylabel="win rate")
        few_ticks(ax)
    return fig


def calibration_figure(result: ModelResult) -> Figure:
    """Mean predicted probability against the observed win rate, in ten equal-count groups."""
    fig, panels = _scored_panels(result, "Calibration on the validation months (ten equal-count groups)")
    for ax, m in panels:
        predicted, observed, _ = calibration(m.won, m.prob)
        top = float(max(predicted.max(), observed.max())) * 1.1
        ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=0.8)
        ax.plot(predicted, observed, marker="o", color="seagreen")
        ax.set(title=m.name, xlabel="mean predicted probability", ylabel="observed win rate",
               xlim=(0, top), ylim=(0, top))
        few_ticks(ax)
    return fig


def features_figure(result: ModelResult, count: int = 10) -> Figure:
    """The features each booster gained most from (total gain of their splits)."""
    fig, axes = _panels(result, f"Top {count} features by total gain")
    for r, ax in zip(result.results, axes, strict=True):
        if not r.top_features:
            _say(ax, f"{r.mode.name}\nnot trained:\n{r.reason}")
            continue
        names, gains = zip(*r.top_features[:count][::-1], strict=True)
        ax.barh(range(len(names)), gains, color="slategray")
        ax.set_yticks(range(len(names)), names, fontsize=7)
        ax.set(title=r.mode.name, xlabel="total gain")
        few_ticks(ax, x=4)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v / 1000:,.0f}k" if v >= 1000 else f"{v:,.0f}")
    return fig


def monthly_figure(result: ModelResult) -> Figure:
    """Validation AUC and top-share win rate minus the month's win rate, month by month, one line per mode."""
    table = month_table(result.results)
    fig = figure((14, 4.2), margins=LEGEND_RIGHT)
    auc_ax, lift_ax = fig.subplots(1, 2)
    months = sorted(table["month"].unique()) if not table.empty else []
    positions = {m: i for i, m in enumerate(months)}
    for mode, rows in table.groupby("mode", sort=False):
        x = [positions[m] for m in rows["month"]]
        auc_ax.plot(x, rows["auc"], marker="o", markersize=3, label=mode)
        lift_ax.plot(x, rows["top_win_rate"] - rows["base_win_rate"], marker="o", markersize=3, label=mode)
    auc_ax.axhline(0.5, color="grey", linestyle="--", linewidth=0.8)
    lift_ax.axhline(0.0, color="grey", linestyle="--", linewidth=0.8)
    auc_ax.set(title="Validation AUC per month", ylabel="ROC AUC")
    lift_ax.set(title=f"Top {result.params.top_share:.0%} win rate minus the month's win rate",
                ylabel="percentage points")
    lift_ax.yaxis.set_major_formatter(lambda v, _: f"{v * 100:+.1f}")
    for ax in (auc_ax, lift_ax):
        date_ticks(ax, months, max_labels=12, rotation=45)
        ax.set_xlabel("validation month")
    legend_outside(lift_ax)
    return fig
