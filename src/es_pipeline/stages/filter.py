"""Filter stage runner: read a raw month, filter it, write the bars and metrics (SPEC 5).

Everything is computed before anything is written, and both writes are atomic; if the
metrics write fails after the bars were written, the bars are removed again. So a failed
run leaves no new output behind for DVC to mistake for a result.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from es_pipeline.filtering import FilterResult, filter_month
from es_pipeline.params import load_params
from es_pipeline.stages.common import log, timed, write_metrics
from es_pipeline.storage import read_raw_month
from es_pipeline.tables import FILTERED_SCHEMA, write_table


def read_raw(raw: str | Path, month: str | None = None, symbols: str | Path | None = None) -> pd.DataFrame:
    """The one place the filter stage opens a raw month (local path, remote://raw/..., s3://...).

    ``symbols`` names the month's definition file, or is the raw object itself (or None) for
    none; nothing else is read, so the stage reads exactly its declared dependencies.
    """
    definition = None if symbols is None or str(symbols) == str(raw) else symbols
    return read_raw_month(raw, definition, month)


def run(raw: str | Path, month: str, out: str | Path, metrics_out: str | Path | None = None,
        params_dir: str | Path = "params", symbols: str | Path | None = None) -> FilterResult:
    """Filter raw month ``month`` into ``out`` (Parquet, SPEC 5.6) and ``metrics_out`` (JSON)."""
    params = load_params(params_dir)
    source = str(raw)
    with timed(f"read {source}"):
        frame = read_raw(raw, month, symbols)
        log.info("read %s: %s records, %s symbols", source, f"{len(frame):,}", frame["symbol"].nunique())
    with timed(f"filtered {month}"):
        result = filter_month(frame, month, params.market, params.filter, source)
    m = result.metrics
    log.info("month %s: %s sessions (%s early close), %s rows, %.2f%% gap-filled, rolls on %s, dropped %s",
             month, m["sessions"], m["early_close_sessions"], f"{m['rows_out']:,}", 100 * m["filled_fraction"],
             ", ".join(m["roll_dates"]) or "none",
             ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in m["dropped"].items() if v) or "nothing")
    for key in ("sessions_without_trades", "short_sessions"):
        if m[key]:
            log.warning("month %s: %s: %s", month, key.replace("_", " "), ", ".join(m[key]))
    with timed(f"wrote {out}"):
        write_table(result.bars, out, FILTERED_SCHEMA)
        log.info("wrote %s: %s rows", out, f"{len(result.bars):,}")
    try:
        write_metrics(m, metrics_out)
    except BaseException:
        Path(out).unlink(missing_ok=True)  # no bars without their metrics
        raise
    return result
