"""Cross-month report: summary metrics for ``dvc metrics`` and plot data for ``dvc plots``.

Everything is derived from the per-month metrics files and the assembled dataset, so the
report never recomputes a stage; it checks the dataset against the filtered row counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.dataset as pds

from es_pipeline.errors import StageInputError
from es_pipeline.params import Params
from es_pipeline.stages.common import log, write_metrics
from es_pipeline.tables import atomic_path

STAGES = ("filter", "label", "featurize")


@dataclass(frozen=True)
class Report:
    months: pd.DataFrame        # one row per month: rows, sessions, filled fraction, rolls, dataset rows
    win_rate: pd.DataFrame      # month x mode
    winner_weight: pd.DataFrame  # month x mode, mean pre-decay weight of winners
    nan_share: pd.DataFrame     # feature x month
    summary: dict


def _stage_metrics(metrics_dir: Path, stage: str, months: list[str]) -> dict[str, dict]:
    found = {}
    for month in months:
        path = metrics_dir / stage / f"{month}.json"
        if not path.exists():
            raise StageInputError(str(path), f"missing: the {stage} stage has not run for {month}")
        found[month] = json.loads(path.read_text())
    return found


def dataset_rows(dataset: str | Path) -> dict[str, int]:
    """Rows per month as any Hive-aware reader sees them, from the Parquet footers (no data scan)."""
    rows: dict[str, int] = {}
    for fragment in pds.dataset(str(dataset), format="parquet", partitioning="hive").get_fragments():
        keys = pds.get_partition_keys(fragment.partition_expression)
        month = f"{keys['year']:04d}-{keys['month']:02d}"
        rows[month] = rows.get(month, 0) + fragment.metadata.num_rows
    return rows


def build_report(params: Params, metrics_dir: str | Path, dataset: str | Path) -> Report:
    metrics_dir = Path(metrics_dir)
    months = [m.month for m in params.months]
    filt, label, feat = (_stage_metrics(metrics_dir, stage, months) for stage in STAGES)
    in_dataset = dataset_rows(dataset)
    table = pd.DataFrame({
        "rows": {m: filt[m]["rows_out"] for m in months},
        "dataset_rows": {m: in_dataset.get(m, 0) for m in months},
        "sessions": {m: filt[m]["sessions"] for m in months},
        "early_close_sessions": {m: filt[m]["early_close_sessions"] for m in months},
        "filled_fraction": {m: filt[m]["filled_fraction"] for m in months},
        "records_in": {m: filt[m]["records_in"] for m in months},
        "dropped": {m: filt[m]["dropped_total"] for m in months},
        "roll_dates": {m: ", ".join(filt[m]["roll_dates"]) for m in months},
    }).rename_axis("month")
    mismatch = table[table["rows"] != table["dataset_rows"]]
    if len(mismatch):
        raise StageInputError(str(dataset), f"dataset rows differ from filtered rows for {', '.join(mismatch.index)}")
    modes = [m.name for m in params.label.modes]
    win_rate = pd.DataFrame({m: {mode: label[m]["modes"][mode]["win_rate"] for mode in modes} for m in months}).T
    weight = pd.DataFrame({m: {mode: label[m]["modes"][mode]["mean_winner_weight"] for mode in modes}
                           for m in months}).T
    nan_share = pd.DataFrame({m: feat[m]["nan_share"] for m in months})
    rows = table["rows"]
    overall_win = {mode: float((win_rate[mode] * rows).sum() / rows.sum()) for mode in modes}
    summary = {
        "rows": int(rows.sum()),
        "months": {m: {"rows": int(rows[m]), "sessions": int(table.at[m, "sessions"]),
                       "filled_fraction": float(table.at[m, "filled_fraction"])} for m in months},
        "filled_fraction": float((table["filled_fraction"] * rows).sum() / rows.sum()),
        "win_rate": overall_win,
        "mean_winner_weight": {mode: float(weight[mode].mean()) for mode in modes},
        "feature_nan_share_mean": float(nan_share.mean().mean()),
    }
    return Report(table, win_rate.rename_axis("month"), weight.rename_axis("month"),
                  nan_share.rename_axis("feature"), summary)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6f")


def write_outputs(report: Report, summary_out: str | Path, plots_dir: str | Path) -> None:
    """summary.json for ``dvc metrics``; one CSV per plot (one per mode for win rates) for ``dvc plots``."""
    plots_dir = Path(plots_dir)
    write_metrics(report.summary, summary_out)
    months = report.months.reset_index()
    _write_csv(months[["month", "rows"]], plots_dir / "rows_per_month.csv")
    _write_csv(months[["month", "filled_fraction"]], plots_dir / "filled_fraction.csv")
    win_dir = plots_dir / "win_rate"
    for stale in win_dir.glob("*.csv") if win_dir.exists() else []:
        stale.unlink()
    for mode in report.win_rate.columns:
        frame = report.win_rate[mode].rename("win_rate").reset_index()
        _write_csv(frame, win_dir / f"{mode}.csv")
    log.info("wrote %s and plot data in %s", summary_out, plots_dir)
