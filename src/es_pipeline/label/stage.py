"""Label stage runner: filtered month -> labels Parquet + metrics JSON (SPEC 6).

Reads and validates the filtered bars, labels them with ``labeling.label_bars`` and
writes both outputs atomically; on bad input it raises before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from es_pipeline.core.logs import log, timed
from es_pipeline.core.params import load_market
from es_pipeline.core.stage import write_metrics
from es_pipeline.core.tables import (
    read_filtered,
    read_table,
    session_bounds,
    write_table,
)
from es_pipeline.label import params as label_params
from es_pipeline.label.labels import (
    OUTCOME_DTYPE,
    label_bars,
    label_metrics,
    label_table,
    modes_in,
)


@dataclass(frozen=True)
class LabelResult:
    labels: pd.DataFrame  # ts_event + label/outcome/mae_ticks/seconds_to_target/weight per mode
    metrics: dict
    modes: tuple[str, ...]
    timezone: str  # for clock-time views (CT)
    params: label_params.LabelParams  # the modes, timeout and weights used, shown in the notebook
    month: str | None
    sessions: int
    out: Path
    metrics_out: Path | None


def read_labels(path: str | Path) -> pd.DataFrame:
    """Read a label table back with the same dtypes ``label_bars`` returns (categorical outcomes)."""
    frame = read_table(path)
    for mode in modes_in(frame):
        frame[f"outcome_{mode}"] = pd.Categorical(frame[f"outcome_{mode}"], dtype=OUTCOME_DTYPE)
    return frame


def run(*, filtered: str | Path, out: str | Path, metrics_out: str | Path | None = None,
        params_dir: str | Path = "params", month: str | None = None) -> LabelResult:
    """Label one filtered month; write the Parquet table and (optionally) the metrics JSON."""
    market, label = load_market(params_dir), label_params.load(params_dir)
    tick = market.tick_size
    what = f"month {month}" if month else str(filtered)
    with timed(f"read {filtered}"):
        bars = read_filtered(filtered)
    sessions = len(session_bounds(bars["session_date"])[0])
    log.info("%s: %s rows in %d session(s); %d mode(s), timeout %d s, tick %g",
             what, f"{len(bars):,}", sessions, len(label.modes), label.timeout_seconds, tick)
    with timed(f"labeled {len(bars):,} rows x {len(label.modes)} modes"):
        labels = label_bars(bars, label, tick)
    metrics = {"month": month, "sessions": sessions, **label_metrics(labels, label)}
    for name, m in metrics["modes"].items():
        log.info("%s: win rate %s, outcomes %s", name, "n/a" if m["win_rate"] is None else f"{m['win_rate']:.1%}",
                 ", ".join(f"{k} {v:,}" for k, v in m["outcomes"].items()))
    with timed(f"wrote {out} ({len(labels):,} rows)"):
        write_table(label_table(labels, label.modes), out)
    write_metrics(metrics, metrics_out)
    return LabelResult(
        labels=labels,
        metrics=metrics,
        modes=tuple(m.name for m in label.modes),
        timezone=market.timezone,
        params=label,
        month=month,
        sessions=sessions,
        out=Path(out),
        metrics_out=None if metrics_out is None else Path(metrics_out),
    )

