"""What the filter notebook shows about a month: tables and figures from a ``FilterResult``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from es_pipeline.filter.filtering import FilterResult
from es_pipeline.notebook.display import (
    PCT2,
    Table,
    date_ticks,
    figure,
    items,
    percent_axis,
)

STATUS_LABELS = {"session": "session", "holiday": "holiday (no session)",
                 "short_session": "dropped: too short", "no_trades": "dropped: no outright trades",
                 "long_gap": "dropped: long filled run"}


def _dates(values: list[str]) -> str:
    return ", ".join(values) or "none"


def summary(result: FilterResult) -> Table:
    """Headline numbers of the month, the primary contract(s) and roll, early closes, gaps and missing sessions."""
    m = result.metrics
    primary = m.get("primary", {})
    runs: dict[str, int] = m.get("longest_filled_run") or {}
    longest = max(runs, key=runs.__getitem__) if runs else None
    pairs = [
        ("month", m["month"]), ("calendar", m["calendar"]),
        ("contracts known by", "instrument id (no definition file)" if m.get("symbology") == "instrument_id"
         else "raw symbol"),
        ("raw records read", f"{m['records_in']:,}"), ("records kept (became bars)", f"{m['records_kept']:,}"),
        ("records dropped", f"{m['dropped_total']:,}"), ("rows out (1-second bars)", f"{m['rows_out']:,}"),
        ("sessions", f"{m['sessions']}"), ("gap-filled share of rows", PCT2.format(m["filled_fraction"])),
        ("primary contract(s)", " → ".join(dict.fromkeys(primary[d] for d in sorted(primary))) or "none"),
        ("roll dates", _dates(m["roll_dates"])),
        ("early closes", _dates(m.get("early_close_dates", []))),
        ("holidays", _dates(m["holidays"])),
        ("sessions without outright trades", _dates(m["sessions_without_trades"])),
        ("sessions dropped as too short", _dates(m["short_sessions"])),
    ]
    if longest is not None:
        pairs.append(("longest gap-filled run", f"{runs[longest]:,} s on {longest}"))
    if "long_gap_sessions" in m:
        pairs.append((f"sessions with a filled run over {m['long_gap_seconds']:,} s", _dates(m["long_gap_sessions"])))
        pairs.append(("sessions opened from their first trade's open", f"{m['sessions_filled_from_first_open']}"))
    return items(pairs)


def calendar_table(result: FilterResult) -> Table:
    """Every weekday of the month: window (local time), status, primary, rows and gap-filled share."""
    cal = result.calendar
    s = result.sessions.set_index("session_date")
    dates = cal["session_date"]
    runs = result.metrics.get("longest_filled_run") or {}
    table = pd.DataFrame({
        "date": dates.dt.strftime("%a %Y-%m-%d").to_numpy(),
        "status": cal["status"].map(STATUS_LABELS).fillna(cal["status"]).to_numpy(),
        "window": (cal["start_local"].dt.strftime("%H:%M") + "–" + cal["end_local"].dt.strftime("%H:%M %Z"))
        .fillna("").to_numpy(),
        "early close": np.where(cal["early_close"], "early close", ""),
        "primary": s["primary"].reindex(dates).fillna("").to_numpy(),
        "roll": np.where(s["roll"].reindex(dates).fillna(False).astype(bool), "ROLL", ""),
        "rows": s["rows"].reindex(dates).fillna(0).astype(np.int64).to_numpy(),
        "gap-filled rows": s["filled_rows"].reindex(dates).fillna(0).astype(np.int64).to_numpy(),
        "gap-filled share": s["filled_fraction"].reindex(dates).to_numpy(),
    })
    if runs:
        table["longest gap (s)"] = [runs.get(d, np.nan) for d in dates.dt.strftime("%Y-%m-%d")]
    if "opening_fill" in s:
        table["opening fill"] = s["opening_fill"].reindex(dates).fillna("").str.replace("_", " ").to_numpy()
    return Table(table, {"gap-filled share": PCT2, "longest gap (s)": "{:,.0f}"})


def primary_table(result: FilterResult) -> Table:
    """In-window volume (contracts) of every outright per session: the primary is the largest."""
    wide = result.volumes.pivot_table(index="session_date", columns="symbol", values="volume",
                                      aggfunc="sum", fill_value=0)
    order = result.volumes.groupby("symbol")["expiry"].min().sort_values().index
    wide = wide[list(order)].add_prefix("volume ").astype(np.int64)
    s = result.sessions.set_index("session_date")
    table = pd.DataFrame({"primary": s["primary"], "roll": np.where(s["roll"], "ROLL", "")}).join(wide)
    table.insert(0, "session", table.index.strftime("%a %Y-%m-%d"))  # type: ignore[attr-defined]  # session dates
    return Table(table.reset_index(drop=True))


def dropped_table(result: FilterResult) -> Table:
    """Raw records that did not become bars, by reason, with their share of the records read."""
    m = result.metrics
    reasons = {k: v for k, v in m["dropped"].items() if v} | {"kept (became bars)": m["records_kept"]}
    table = pd.DataFrame({"reason": [k.replace("_", " ") for k in reasons], "records": list(reasons.values())})
    table.loc[len(table)] = ["total = records read", int(table["records"].sum())]  # type: ignore[assignment]  # a row
    table["share"] = table["records"] / max(m["records_in"], 1)
    return Table(table, {"share": PCT2})


def long_gaps_table(result: FilterResult) -> Table:
    """Sessions whose longest run of filled seconds exceeds ``filter.long_gap_seconds`` (outages, holes)."""
    m = result.metrics
    dates = m["long_gap_sessions"]
    status = result.calendar.set_index(result.calendar["session_date"].dt.strftime("%Y-%m-%d"))["status"]
    return Table(pd.DataFrame({
        "session": dates,
        "longest filled run (s)": [m["longest_filled_run"][d] for d in dates],
        "limit (s)": m["long_gap_seconds"],
        "kept": ["dropped" if status.get(d) == "long_gap" else "kept" for d in dates],
    }), {"longest filled run (s)": "{:,.0f}", "limit (s)": "{:,.0f}"})


def envelope(values: np.ndarray, slices: int = 2400) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a line through the minimum and maximum of each of ``slices`` equal runs of ``values``.

    At a figure's width (about 1,100 pixels for 500,000 seconds) this draws the same band as a
    line through every value, with 2 x ``slices`` points instead of one per second.
    """
    if len(values) <= 2 * slices:
        return np.arange(len(values)), values
    starts = np.arange(0, len(values), -(-len(values) // slices))
    lows, highs = np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    return np.repeat(starts, 2), np.column_stack([lows, highs]).ravel()


def price_chart(result: FilterResult, figsize: tuple[float, float] = (12, 4.5)) -> plt.Figure:
    """Close of every kept second, sessions concatenated; session borders thin, roll days marked."""
    bars, sessions = result.bars, result.sessions
    fig = figure(figsize)
    ax = fig.add_subplot()
    ax.plot(*envelope(bars["close"].to_numpy(np.float64)), lw=0.6, color="tab:blue")
    starts = np.concatenate([[0], np.cumsum(sessions["rows"].to_numpy())[:-1]]).astype(int)
    for start, roll, symbol in zip(starts, sessions["roll"], sessions["primary"], strict=True):
        ax.axvline(start, color="tab:red" if roll else "0.85", lw=1.5 if roll else 0.5, zorder=0)
        if roll:
            ax.annotate(f"roll → {symbol}", (start, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -12), textcoords="offset points", color="tab:red", fontsize=8)
    step = max(1, -(-len(starts) // 12))
    ax.set_xticks(starts[::step], sessions["session_date"].dt.strftime("%b %d").to_numpy()[::step])
    ax.set_xlim(0, max(len(bars) - 1, 1))
    ax.set(xlabel="session start (sessions concatenated, 1 bar = 1 s)", ylabel="close (index points)",
           title=f"{result.metrics['month']}: close of the primary contract per kept second")
    return fig


def filled_chart(result: FilterResult, figsize: tuple[float, float] = (12, 3)) -> plt.Figure:
    """Gap-filled share per session as bars, axis fitted to the data; early closes in orange."""
    s = result.sessions
    fig = figure(figsize)
    ax = fig.add_subplot()
    colors = np.where(s["early_close"], "tab:orange", "tab:blue")
    ax.bar(range(len(s)), s["filled_fraction"], color=colors)
    date_ticks(ax, list(s["session_date"].dt.strftime("%b %d")), max_labels=12)
    percent_axis(ax, fit=list(s["filled_fraction"]))
    ax.set(xlabel="session", ylabel="gap-filled seconds (% of rows)",
           title="Gap-filled share per session (orange: early close)")
    return fig
