"""What the filter notebook shows about a month: tables and figures from a ``FilterResult``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from es_pipeline.filtering import FilterResult

STATUS_LABELS = {"session": "session", "holiday": "holiday (no session)",
                 "short_session": "dropped: too short", "no_trades": "dropped: no outright trades",
                 "long_gap": "dropped: long filled run"}


def _figure(figsize) -> tuple[plt.Figure, plt.Axes]:
    """A figure not registered with pyplot, so a notebook shows it once (as the cell's value)."""
    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig, fig.add_subplot()


def summary(result: FilterResult) -> pd.Series:
    """Headline numbers of the month."""
    m = result.metrics
    keys = ("month", "calendar", "symbology", "records_in", "records_kept", "rows_out", "sessions",
            "early_close_sessions", "filled_fraction", "dropped_total", "sessions_filled_from_first_open")
    return pd.Series({k: m[k] for k in keys} | {"roll_dates": ", ".join(m["roll_dates"]) or "none",
                                                 "holidays": ", ".join(m["holidays"]) or "none",
                                                 "long_gap_sessions": ", ".join(m["long_gap_sessions"]) or "none"})


def calendar_table(result: FilterResult) -> pd.DataFrame:
    """Every weekday of the month: its session window in local time, early closes and holidays marked."""
    cal = result.calendar
    table = pd.DataFrame({
        "date": cal["session_date"].dt.strftime("%Y-%m-%d %a"),
        "status": cal["status"].map(STATUS_LABELS).fillna(cal["status"]),
        "window": (cal["start_local"].dt.strftime("%H:%M") + "-" + cal["end_local"].dt.strftime("%H:%M %Z")).fillna(""),
        "early_close": np.where(cal["early_close"], "early close", ""),
    })
    rows = result.sessions.set_index("session_date")["rows"]
    table["rows"] = rows.reindex(cal["session_date"]).fillna(0).astype(np.int64).to_numpy()
    return table


def primary_table(result: FilterResult) -> pd.DataFrame:
    """Primary contract per session, roll days marked, with the in-window volume of every outright."""
    wide = result.volumes.pivot_table(index="session_date", columns="symbol", values="volume",
                                      aggfunc="sum", fill_value=0)
    order = result.volumes.groupby("symbol")["expiry"].min().sort_values().index
    wide = wide[list(order)].add_prefix("volume ")
    s = result.sessions.set_index("session_date")
    table = pd.DataFrame({"primary": s["primary"], "roll": np.where(s["roll"], "ROLL", "")}).join(wide)
    table.index = table.index.strftime("%Y-%m-%d")
    return table


def dropped_table(result: FilterResult) -> pd.DataFrame:
    """Raw records that did not become bars, by reason, with their share of the records read."""
    m = result.metrics
    counts = pd.Series(m["dropped"], name="records").rename_axis("reason")
    table = counts.to_frame()
    table.loc["kept (became bars)"] = m["records_kept"]
    table["share"] = (table["records"] / max(m["records_in"], 1)).round(6)
    table.loc["total = records in"] = [int(table["records"].sum()), round(table["share"].sum(), 6)]
    return table


def filled_table(result: FilterResult) -> pd.DataFrame:
    """Rows, filled fraction, longest filled run and opening fill per session (thin, partial or holed sessions)."""
    s = result.sessions
    return pd.DataFrame({
        "rows": s["rows"].to_numpy(), "filled_rows": s["filled_rows"].to_numpy(),
        "filled_fraction": s["filled_fraction"].round(4).to_numpy(),
        "longest_filled_run_s": s["longest_filled_run"].to_numpy(),
        "opening_fill": s["opening_fill"].to_numpy(),
        "early_close": np.where(s["early_close"], "early close", ""),
    }, index=s["session_date"].dt.strftime("%Y-%m-%d").rename("session_date"))


def long_gaps_table(result: FilterResult) -> pd.DataFrame:
    """Sessions whose longest run of filled seconds exceeds ``filter.long_gap_seconds`` (outages, holes)."""
    m = result.metrics
    dates = m["long_gap_sessions"]
    status = result.calendar.set_index(result.calendar["session_date"].dt.strftime("%Y-%m-%d"))["status"]
    return pd.DataFrame({
        "longest_filled_run_s": [m["longest_filled_run"][d] for d in dates],
        "limit_s": m["long_gap_seconds"],
        "kept": ["dropped" if status.get(d) == "long_gap" else "kept" for d in dates],
    }, index=pd.Index(dates, name="session_date"))


def price_chart(result: FilterResult, figsize=(12, 4.5)) -> plt.Figure:
    """Close of every kept second, sessions concatenated; session borders thin, roll days marked."""
    bars, sessions = result.bars, result.sessions
    fig, ax = _figure(figsize)
    x = np.arange(len(bars))
    ax.plot(x, bars["close"].to_numpy(), lw=0.6, color="tab:blue")
    starts = np.concatenate([[0], np.cumsum(sessions["rows"].to_numpy())[:-1]]).astype(int)
    for start, roll, symbol in zip(starts, sessions["roll"], sessions["primary"]):
        ax.axvline(start, color="tab:red" if roll else "0.85", lw=1.5 if roll else 0.5, zorder=0)
        if roll:
            ax.annotate(f"roll -> {symbol}", (start, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -12), textcoords="offset points", color="tab:red", fontsize=8)
    step = max(1, len(starts) // 12)
    ax.set_xticks(starts[::step], sessions["session_date"].dt.strftime("%m-%d").to_numpy()[::step])
    ax.set_xlim(0, max(len(bars) - 1, 1))
    ax.set_ylabel("close (points)")
    ax.set_title(f"{result.metrics['month']}: close per kept session (sessions concatenated)")
    return fig


def filled_chart(result: FilterResult, figsize=(12, 2.5)) -> plt.Figure:
    """Filled fraction per session as bars; early closes in orange."""
    s = result.sessions
    fig, ax = _figure(figsize)
    colors = np.where(s["early_close"], "tab:orange", "tab:blue")
    ax.bar(s["session_date"].dt.strftime("%m-%d"), s["filled_fraction"], color=colors)
    ax.set_ylabel("filled fraction")
    ax.set_ylim(0, 1)
    ax.tick_params(axis="x", labelrotation=90, labelsize=8)
    return fig
