"""Tables and figures for the cross-month report notebook (and the report stage's saved figures)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from es_pipeline.core.tables import OUTCOMES
from es_pipeline.notebook.display import (
    INT,
    PCT,
    PCT2,
    Table,
    date_ticks,
    figure,
    items,
    legend_outside,
    percent_axis,
)
from es_pipeline.report.site import MonthRow
from es_pipeline.report.summary import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def months_table(report: Report) -> Table:
    """One row per month: rows (checked equal to the dataset's), sessions, early closes, gap filling, rolls."""
    table = report.months.reset_index().rename(columns={
        "dataset_rows": "dataset rows", "early_close_sessions": "early closes",
        "filled_fraction": "gap-filled share", "records_in": "raw records", "dropped": "records dropped",
        "roll_dates": "roll dates"})
    return Table(table, {"gap-filled share": PCT2})


def status_table(rows: list[MonthRow]) -> Table:
    """The index page's status per month (contract and roll, gaps, missing sessions, checks) with what to look at."""
    table = pd.DataFrame([{"month": r.month, **{k: c.text for k, c in r.cells.items() if not k.startswith("win ")},
                           "to check": "; ".join(f"{k}: {c.problem}" for k, c in r.cells.items() if c.problem)}
                          for r in rows])
    return Table(table)


def rate_table(frame: pd.DataFrame, spec: str = PCT) -> Table:
    """A month x mode table of rates (win rate as %, or weights with ``spec``)."""
    return Table(frame.reset_index(), {c: spec for c in frame.columns})


def outcome_mix(found: dict[str, dict[str, dict | None]], modes: list[str]) -> Table:
    """Per month: share of each outcome (win / stop / timeout / session_end), pooled over the modes."""
    rows = []
    for month, stages in found.items():
        label = stages.get("label") or {}
        counts = {o: sum(label.get("modes", {}).get(m, {}).get("outcomes", {}).get(o, 0) for m in modes)
                  for o in OUTCOMES}
        total = sum(counts.values())
        rows.append({"month": month, "labels": total,
                     **{o: (counts[o] / total if total else float("nan")) for o in OUTCOMES}})
    return Table(pd.DataFrame(rows), {o: PCT for o in OUTCOMES} | {"labels": INT})


def summary_table(summary: dict) -> Table:
    """The headline metrics (``metrics/summary.json``) as "metric | value"; per-month detail is in the tables above."""
    pairs = []

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key != "months":
                    walk(f"{prefix}.{key}" if prefix else key, inner)
        elif isinstance(value, float):
            share = any(w in prefix for w in ("rate", "fraction", "share"))
            pairs.append((prefix, PCT2.format(value) if share else f"{value:,.4g}"))
        else:
            pairs.append((prefix, f"{value:,}" if isinstance(value, int) else str(value)))

    walk("", summary)
    return items(pairs)


def overview_figure(report: Report) -> Figure:
    """Rows, gap-filled share and win rate per mode, month by month (months as categories)."""
    months = report.months
    labels = list(months.index)
    fig = figure((16, 4.2))
    axes = fig.subplots(1, 3)
    positions = range(len(labels))
    axes[0].bar(positions, months["rows"], color="steelblue")
    axes[0].yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    axes[0].set(title="Rows per month", ylabel="rows (1-second bars)")
    axes[1].bar(positions, months["filled_fraction"], color="darkorange")
    percent_axis(axes[1], fit=list(months["filled_fraction"]), decimals=1)
    axes[1].set(title="Gap-filled share per month", ylabel="gap-filled rows (% of rows)")
    for mode in report.win_rate.columns:
        axes[2].plot(positions, report.win_rate[mode], marker="o", label=mode)
    percent_axis(axes[2], fit=list(report.win_rate.to_numpy().ravel()))
    axes[2].set(title="Win rate per mode", ylabel="win rate (% of rows)")
    legend_outside(axes[2])
    for ax in axes:
        date_ticks(ax, labels, max_labels=12, rotation=45)
        ax.set_xlabel("month")
    return fig


def nan_share_figure(report: Report) -> Figure:
    """NaN share per feature and month: warm-up windows should be the only source of NaN."""
    share = report.nan_share
    fig = figure((max(6.0, 0.25 * share.shape[1] + 5), 10))
    ax = fig.add_subplot()
    image = ax.imshow(share.to_numpy() * 100, aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(share.index)), share.index, fontsize=7)
    date_ticks(ax, list(share.columns), max_labels=24, rotation=45)
    fig.colorbar(image, ax=ax, label="NaN share (% of the month's rows)")
    ax.set(title="Feature NaN share by month", xlabel="month", ylabel="feature")
    return fig
