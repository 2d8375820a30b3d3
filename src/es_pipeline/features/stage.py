"""Featurize stage runner: filtered month -> 43 features per row (SPEC 7) + metrics.

Reads the filtered bars (validated by ``read_filtered``), computes the features with
``es_pipeline.features.compute_features``, writes them as Parquet with an explicit schema
(float64 features, int8 flags; atomic and byte-deterministic) and writes per-feature metrics
(mean / std / min / max / NaN share, rows, sessions) as JSON for ``dvc metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from es_pipeline.core.errors import StageInputError
from es_pipeline.core.logs import log, timed
from es_pipeline.core.params import load_market
from es_pipeline.core.stage import write_metrics
from es_pipeline.core.tables import read_filtered, session_bounds, write_table
from es_pipeline.features.frame import (
    FEATURE_NAMES,
    FEATURES_SCHEMA,
    compute_features,
    feature_metrics,
    nan_check,
    warmup_rows,
)
from es_pipeline.features.params import FeatureParams, load

__all__ = ["FEATURES_SCHEMA", "FeatureResult", "run"]


@dataclass(frozen=True)
class FeatureResult:
    """What the featurize notebook shows: the features, the metrics and their context."""

    features: pd.DataFrame
    metrics: dict  # what goes to the metrics file: counts and NaN share per feature
    stats: dict  # per feature mean / std / min / max / NaN share, shown in the notebook
    params: FeatureParams
    timezone: str
    month: str | None
    sessions: pd.DataFrame  # session_date, rows (one line per session)
    session_date: np.ndarray  # per feature row, for the warm-up NaN check
    warmup: dict[str, int]  # leading NaN rows per session, per feature
    nan_check: pd.DataFrame  # expected vs observed NaN per feature (see features.nan_check)
    filtered: Path
    out: Path
    metrics_out: Path | None


def _check_month(bars: pd.DataFrame, month: str | None, source: str) -> None:
    if month is None or bars.empty:
        return
    outside = bars["session_date"].dt.strftime("%Y-%m") != month
    if outside.any():
        raise StageInputError(source, f"sessions outside month {month}", int(outside.sum()))


def _sessions(bars: pd.DataFrame) -> pd.DataFrame:
    starts, ends = session_bounds(bars["session_date"].to_numpy())
    return pd.DataFrame({
        "session_date": bars["session_date"].to_numpy()[starts] if len(starts) else [],
        "rows": (ends - starts).astype(np.int64),
    })


def _grid_gaps(bars: pd.DataFrame) -> int:
    """Steps inside a session that are not exactly 1 s (windows count bars, so they should be 0)."""
    ts = bars["ts_event"].to_numpy("datetime64[ns]").view("int64")
    same = bars["session_date"].to_numpy()[1:] == bars["session_date"].to_numpy()[:-1]
    return int((same & (np.diff(ts) != 1_000_000_000)).sum())


def run(
    *,
    filtered: str | Path,
    out: str | Path,
    metrics_out: str | Path | None = None,
    params_dir: str | Path = "params",
    month: str | None = None,
) -> FeatureResult:
    """Featurize one filtered month and write ``out`` (Parquet) and ``metrics_out`` (JSON)."""
    fp, timezone = load(params_dir), load_market(params_dir).timezone

    with timed(f"read {filtered}"):
        bars = read_filtered(filtered)
    _check_month(bars, month, str(filtered))
    sessions = _sessions(bars)
    gaps = _grid_gaps(bars)
    log.info("read %s: %s rows, %d sessions", filtered, f"{len(bars):,}", len(sessions))
    if gaps:
        log.warning("%s: %d in-session steps are not 1 s; windows count bars, not seconds", filtered, gaps)

    with timed(f"computed {len(FEATURE_NAMES)} features for {len(bars):,} rows"):
        features = compute_features(bars, fp, timezone)

    check = nan_check(features, bars["session_date"].to_numpy(), fp)
    failed = check.loc[~check["passed"], "feature"].tolist()
    if failed:
        log.warning("NaN share does not match the warm-up windows for: %s", ", ".join(failed))

    stats = feature_metrics(features)
    metrics = {  # small on purpose: dvc metrics/exp show lists every key of every month
        "rows": stats["rows"],
        "month": month,
        "sessions": int(len(sessions)),
        "grid_gaps": gaps,
        "nan_check_failures": len(failed),
        "nan_share": {name: s["nan_share"] for name, s in stats["features"].items()},
    }

    with timed(f"wrote {out}"):
        write_table(features, out, FEATURES_SCHEMA)
    log.info("wrote %s: %s rows x %d features", out, f"{len(features):,}", len(FEATURE_NAMES))
    write_metrics(metrics, metrics_out)

    return FeatureResult(
        features=features,
        metrics=metrics,
        stats=stats,
        params=fp,
        timezone=timezone,
        month=month,
        sessions=sessions,
        session_date=bars["session_date"].to_numpy(),
        warmup=warmup_rows(fp),
        nan_check=check,
        filtered=Path(filtered),
        out=Path(out),
        metrics_out=Path(metrics_out) if metrics_out is not None else None,
    )
