"""The filter stage as one pure function: raw month in, session bars + tables + metrics out.

Steps (SPEC 5): validate -> keep outrights of the root -> calendar session windows ->
primary contract per session -> gap fill -> long filled runs listed (optionally dropped).
Every raw record ends up either in the output or in exactly one ``dropped`` reason, so
``records_in == records_kept + sum(dropped)``.
No I/O here: the stage runner (``stages/filter.py``) reads and writes.

A month read without symbols (parent symbology, no definition file: symbols ``id:<n>``)
runs the same steps; contracts are told apart by instrument id and spreads from outrights by
price (``contracts.contract_kinds``), and ``metrics["symbology"]`` says ``instrument_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from es_pipeline.core.errors import RawDataError
from es_pipeline.core.params import MarketParams
from es_pipeline.core.periods import MONTH_PATTERN
from es_pipeline.core.tables import check_bars, session_bounds
from es_pipeline.filter.contracts import (
    OTHER,
    OUTRIGHT,
    SPREAD,
    by_instrument_id,
    contract_kinds,
    not_front,
)
from es_pipeline.filter.gapfill import fill_sessions, filled_runs, prior_closes
from es_pipeline.filter.params import FilterParams
from es_pipeline.filter.primary import choose_primary, contract_volumes, roll_flags
from es_pipeline.filter.sessions import (
    HOLIDAY,
    SESSION,
    SHORT,
    assign_sessions,
    session_windows,
)
from es_pipeline.filter.validation import validate

NO_TRADES = "no_trades"  # calendar status of a kept window without any outright trade
LONG_GAP = "long_gap"  # calendar status of a session dropped for a long filled run
SESSION_COLUMNS = ("session_date", "start_utc", "end_utc", "start_local", "end_local", "early_close",
                   "minutes", "primary", "primary_volume", "roll", "volume_by_contract", "rows",
                   "filled_rows", "filled_fraction", "longest_filled_run", "opening_fill")
PRIOR_CLOSE, FIRST_OPEN, NO_OPENING_FILL = "prior_close", "first_open", ""  # opening_fill values


@dataclass(frozen=True)
class FilterResult:
    bars: pd.DataFrame      # SPEC 5.6 columns, sorted, unique ts_event
    sessions: pd.DataFrame  # one row per session with bars (SESSION_COLUMNS)
    calendar: pd.DataFrame  # every weekday/trading day of the month with its status
    volumes: pd.DataFrame   # in-window volume per (session, outright)
    metrics: dict           # SPEC 5.7
    params: FilterParams    # the settings used, shown in the notebook


def _dates(values: pd.Series) -> list[str]:
    return [pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def _split_contracts(clean: pd.DataFrame, root: str, dropped: dict) -> pd.DataFrame:
    kinds = contract_kinds(clean["symbol"], clean["close"].to_numpy(), root)
    dropped["spread"] = int((kinds == SPREAD).sum())
    dropped["other_symbol"] = int((kinds == OTHER).sum())
    return clean[kinds == OUTRIGHT].reset_index(drop=True)


def _place(outrights: pd.DataFrame, calendar: pd.DataFrame, dropped: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """Kept calendar windows and, per outright record, the position of its kept window (-1: none)."""
    trading = calendar[calendar["status"] != HOLIDAY].reset_index(drop=True)
    start = trading["start_utc"].to_numpy("datetime64[ns]").view(np.int64)
    end = trading["end_utc"].to_numpy("datetime64[ns]").view(np.int64)
    ts = outrights["ts_event"].to_numpy("datetime64[ns]").view(np.int64)
    window = assign_sessions(ts, start, end)
    is_kept = (trading["status"] == SESSION).to_numpy()
    kept_pos = np.where(is_kept, np.cumsum(is_kept) - 1, -1)
    session = np.where(window >= 0, kept_pos[np.maximum(window, 0)], -1)
    dropped["outside_session"] = int((window < 0).sum())
    dropped["short_session"] = int(((window >= 0) & (session < 0)).sum())
    return trading[is_kept].reset_index(drop=True), session


def _session_table(windows: pd.DataFrame, primary: pd.DataFrame, volumes: pd.DataFrame,
                   bars: pd.DataFrame, longest: np.ndarray, opening: np.ndarray) -> pd.DataFrame:
    table = windows.iloc[primary["session"].to_numpy()].reset_index(drop=True)
    for col in ("primary", "primary_volume", "roll"):
        table[col] = primary[col].to_numpy()
    by_contract = volumes.groupby("session")[["symbol", "volume"]].apply(
        lambda g: dict(zip(g["symbol"].astype(str), g["volume"].astype(int), strict=True)))
    table["volume_by_contract"] = by_contract.reindex(primary["session"]).to_numpy()
    counts = bars.groupby("session_date", sort=True)["filled"].agg(["size", "sum"])
    table["rows"] = counts["size"].reindex(table["session_date"]).to_numpy(np.int64)
    table["filled_rows"] = counts["sum"].reindex(table["session_date"]).to_numpy(np.int64)
    table["filled_fraction"] = table["filled_rows"] / table["rows"]
    table["longest_filled_run"] = longest
    table["opening_fill"] = opening
    return table[list(SESSION_COLUMNS)]


def _metrics(month: str, filt: FilterParams, records_in: int, bars: pd.DataFrame, sessions: pd.DataFrame,
             calendar: pd.DataFrame, dropped: dict, symbology: str, runs: dict[str, int], root: str) -> dict:
    filled = int(bars["filled"].sum())
    dates = _dates(sessions["session_date"])
    away = not_front(sessions["primary"].to_numpy(object), sessions["session_date"], root)
    return {
        "month": month,
        "calendar": filt.calendar,
        "symbology": symbology,
        "records_in": records_in,
        "records_kept": len(bars) - filled,
        "rows_out": len(bars),
        "sessions": len(sessions),
        "early_close_sessions": int(sessions["early_close"].sum()),
        "early_close_dates": _dates(sessions.loc[sessions["early_close"], "session_date"]),
        "filled_rows": filled,
        "filled_fraction": round(filled / len(bars), 6) if len(bars) else None,
        "dropped": dropped,
        "dropped_total": int(sum(dropped.values())),
        "primary": dict(zip(dates, sessions["primary"].astype(str), strict=True)),
        "primary_not_front": {d: str(p) for d, p, odd in zip(dates, sessions["primary"], away, strict=True) if odd},
        "roll_dates": _dates(sessions.loc[sessions["roll"], "session_date"]),
        "holidays": _dates(calendar.loc[calendar["status"] == HOLIDAY, "session_date"]),
        "short_sessions": _dates(calendar.loc[calendar["status"] == SHORT, "session_date"]),
        "sessions_without_trades": _dates(calendar.loc[calendar["status"] == NO_TRADES, "session_date"]),
        "longest_filled_run": runs,  # every priced session, kept or dropped for a long gap
        "long_gap_seconds": filt.long_gap_seconds,
        "long_gap_sessions": [d for d, run in runs.items() if run > filt.long_gap_seconds],
        "sessions_filled_from_first_open": int((sessions["opening_fill"] == FIRST_OPEN).sum()),
    }


def _gap_fill(outrights: pd.DataFrame, session: np.ndarray, windows: pd.DataFrame,
              primary: pd.DataFrame, dropped: dict) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Bars of the priced sessions; per session its longest filled run and how its opening was filled."""
    priced = np.full(len(windows), -1, np.int64)
    priced[primary["session"].to_numpy()] = np.arange(len(primary))
    symbols = outrights["symbol"].to_numpy(object)
    position = np.where(session >= 0, priced[np.maximum(session, 0)], -1)
    is_primary = (position >= 0) & (symbols == primary["primary"].to_numpy(object)[np.maximum(position, 0)])
    dropped["not_primary"] = int(((session >= 0) & ~is_primary).sum())

    trades = outrights[is_primary].assign(session=position[is_primary])
    priced_windows = windows.iloc[primary["session"].to_numpy()].reset_index(drop=True)
    start_ns = priced_windows["start_utc"].to_numpy("datetime64[ns]").view(np.int64)
    prior = prior_closes(outrights["ts_event"].to_numpy("datetime64[ns]").view(np.int64), symbols,
                         outrights["close"].to_numpy(), primary["primary"].to_numpy(object), start_ns)
    bars = fill_sessions(trades, priced_windows.assign(primary=primary["primary"].to_numpy(), prior_close=prior))
    leading, longest = filled_runs(bars["filled"].to_numpy(), *session_bounds(bars["session_date"].to_numpy()))
    opening = np.where(leading == 0, NO_OPENING_FILL, np.where(np.isnan(prior), FIRST_OPEN, PRIOR_CLOSE))
    return bars, longest, opening


def _drop_sessions(bars: pd.DataFrame, primary: pd.DataFrame, longest: np.ndarray, opening: np.ndarray,
                   drop: np.ndarray, calendar: pd.DataFrame, dropped: dict,
                   ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Remove whole sessions (their trades count as ``long_gap_session``); rolls follow the kept ones."""
    dates = primary["session_date"].to_numpy()[drop]
    removed = np.isin(bars["session_date"].to_numpy(), dates)
    dropped["long_gap_session"] = int((removed & ~bars["filled"].to_numpy()).sum())
    calendar.loc[calendar["session_date"].isin(dates), "status"] = LONG_GAP
    primary = primary[~drop].reset_index(drop=True)
    primary["roll"] = roll_flags(primary["primary"].to_numpy())
    return bars[~removed].reset_index(drop=True), primary, longest[~drop], opening[~drop]


def _no_sessions(source: str, month: str, why: str) -> RawDataError:
    return RawDataError(source, why, month=month, rule="no_sessions", count=0)


def filter_month(raw: pd.DataFrame, month: str, market: MarketParams, filt: FilterParams,
                 source: str) -> FilterResult:
    """Filter one raw month (``read_raw`` columns) into session bars; ``source`` names it in errors."""
    if not isinstance(month, str) or not MONTH_PATTERN.match(month):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    root = market.root_symbol
    clean, dropped = validate(raw, month, source, root=root, timezone=market.timezone, bad_rows=filt.bad_rows)
    symbology = "instrument_id" if by_instrument_id(clean["symbol"]) else "raw_symbol"
    outrights = _split_contracts(clean, root, dropped)
    calendar = session_windows(month, market.timezone, filt)
    windows, session = _place(outrights, calendar, dropped)

    volumes = contract_volumes(session, outrights["symbol"].to_numpy(object),
                               outrights["volume"].to_numpy(np.int64), windows["session_date"], root)
    primary = choose_primary(volumes)
    if primary.empty:
        raise _no_sessions(source, month, f"no session window of the {filt.calendar} calendar holds a trade "
                           f"of an outright {root} contract")
    untraded = np.setdiff1d(np.arange(len(windows)), primary["session"].to_numpy())
    calendar.loc[calendar["session_date"].isin(windows["session_date"].iloc[untraded]), "status"] = NO_TRADES

    bars, longest, opening = _gap_fill(outrights, session, windows, primary, dropped)
    runs = dict(zip(_dates(primary["session_date"]), longest.tolist(), strict=True))
    long_gap = longest > filt.long_gap_seconds
    dropped["long_gap_session"] = 0
    if filt.drop_long_gap_sessions and long_gap.any():
        if long_gap.all():
            raise _no_sessions(source, month, f"every session has a run of filled seconds longer than "
                               f"filter.long_gap_seconds ({filt.long_gap_seconds} s) and "
                               "filter.drop_long_gap_sessions is true")
        bars, primary, longest, opening = _drop_sessions(bars, primary, longest, opening, long_gap,
                                                         calendar, dropped)
    check_bars(bars, f"{source} (filtered)")
    sessions = _session_table(windows, primary, volumes, bars, longest, opening)
    metrics = _metrics(month, filt, len(raw), bars, sessions, calendar, dropped, symbology, runs, root)
    return FilterResult(bars=bars, sessions=sessions, calendar=calendar, volumes=volumes, metrics=metrics, params=filt)
