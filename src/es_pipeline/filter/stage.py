"""Filter stage runner: read a raw month, filter it, write the bars and metrics (SPEC 5).

Everything is computed before anything is written, and both writes are atomic; if the
metrics write fails after the bars were written, the bars are removed again. So a failed
run leaves no new output behind for DVC to mistake for a result.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from es_pipeline.core.errors import OutputWriteError, RawDataError
from es_pipeline.core.logs import log, timed
from es_pipeline.core.params import load_market
from es_pipeline.core.stage import write_metrics
from es_pipeline.core.tables import FILTERED_SCHEMA, write_table
from es_pipeline.filter import params as filter_params
from es_pipeline.filter.filtering import FilterResult, filter_month
from es_pipeline.filter.storage import read_raw_month
from es_pipeline.filter.validation import RECORD_RULES


def read_raw(raw: str | Path, month: str | None = None, symbols: str | Path | None = None,
             root: str = "ES") -> pd.DataFrame:
    """The one place the filter stage opens a raw month (local path, remote://raw/..., s3://...).

    ``symbols`` names the month's definition file, or is the raw object itself (or None) for
    none; nothing else is read, so the stage reads exactly its declared dependencies. A month
    of another dataset or product than ``root`` futures is refused.
    """
    definition = None if symbols is None or str(symbols) == str(raw) else symbols
    return read_raw_month(raw, definition, month, root=root)


def run(*, raw: str | Path, month: str, out: str | Path, metrics_out: str | Path | None = None,
        params_dir: str | Path = "params", symbols: str | Path | None = None) -> FilterResult:
    """Filter raw month ``month`` into ``out`` (Parquet, SPEC 5.6) and ``metrics_out`` (JSON)."""
    market, filt = load_market(params_dir), filter_params.load(params_dir)
    source = str(raw)
    try:
        with timed(f"read {source}"):
            frame = read_raw(raw, month, symbols, market.root_symbol)
            log.info("read %s: %s records, %s symbols", source, f"{len(frame):,}", frame["symbol"].nunique())
    except RawDataError as exc:
        raise exc.in_month(month) from None
    with timed(f"filtered {month}"):
        result = filter_month(frame, month, market, filt, source)
    _log_month(result.metrics, month, filt.drop_long_gap_sessions)
    try:
        _write(result, out, metrics_out)
    except OutputWriteError as exc:
        raise exc.in_month(month) from None
    return result


def _log_month(m: dict, month: str, long_gaps_dropped: bool) -> None:
    """The month's headline and, as warnings, everything a user should look at."""
    log.info("month %s: %s sessions (%s early close), %s rows, %.2f%% gap-filled, rolls on %s, dropped %s",
             month, m["sessions"], m["early_close_sessions"], f"{m['rows_out']:,}", 100 * m["filled_fraction"],
             ", ".join(m["roll_dates"]) or "none",
             ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in m["dropped"].items() if v) or "nothing")
    for key in ("sessions_without_trades", "short_sessions"):
        if m[key]:
            log.warning("month %s: %s: %s", month, key.replace("_", " "), ", ".join(m[key]))
    if m["primary_not_front"]:
        log.warning("month %s: the primary is not the front contract on %s: its symbols may come from another "
                    "month's definition file", month,
                    ", ".join(f"{d} ({s})" for d, s in m["primary_not_front"].items()))
    if m["symbology"] == "instrument_id":
        log.warning("month %s ran without definitions: contracts are told apart by instrument id (symbol "
                    "'id:<n>') and spreads from outrights by price", month)
    bad = {rule: m["dropped"][rule] for rule in RECORD_RULES if m["dropped"].get(rule)}
    if bad:
        log.warning("month %s: dropped %s bad record(s) (filter.bad_rows: drop): %s", month,
                    f"{sum(bad.values()):,}", ", ".join(f"{rule} {n:,}" for rule, n in bad.items()))
    if m["long_gap_sessions"]:
        log.warning("month %s: sessions with a run of filled seconds longer than %d s (%s): %s", month,
                    m["long_gap_seconds"], "dropped" if long_gaps_dropped else "kept",
                    ", ".join(f"{d} ({m['longest_filled_run'][d]:,} s)" for d in m["long_gap_sessions"]))
    if m["sessions_filled_from_first_open"]:
        log.warning("month %s: %d session(s) open with seconds filled from their first trade's open (no earlier "
                    "trade of the contract in the month)", month, m["sessions_filled_from_first_open"])


def _write(result: FilterResult, out: str | Path, metrics_out: str | Path | None) -> None:
    m = result.metrics
    with timed(f"wrote {out}"):
        write_table(result.bars, out, FILTERED_SCHEMA)
        log.info("wrote %s: %s rows", out, f"{len(result.bars):,}")
    try:
        write_metrics(m, metrics_out)
    except BaseException:
        Path(out).unlink(missing_ok=True)  # no bars without their metrics
        raise
