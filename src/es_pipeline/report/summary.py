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

from es_pipeline.core.errors import StageInputError
from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import log
from es_pipeline.core.stage import write_metrics
from es_pipeline.report.params import ReportParams

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


def build_report(params: ReportParams, metrics_dir: str | Path, dataset: str | Path) -> Report:
    metrics_dir = Path(metrics_dir)
    months = params.month_names
    filt, label, feat = (_stage_metrics(metrics_dir, stage, months) for stage in STAGES)
    in_dataset = dataset_rows(dataset)
    table = pd.DataFrame({
        "rows": {m: filt[m]["rows_out"] for m in months},
        "dataset_rows": {m: in_dataset.get(m, 0) for m in months},
        "sessions": {m: filt[m]["sessions"] for m in months},
        "early_close_sessions": {m: filt[m]["early_close_sessions"] for m in months},
        "filled_fraction": {m: filt[m]["filled_fraction"] for m in months},
        "filled_rows": {m: filt[m]["filled_rows"] for m in months},
        "records_in": {m: filt[m]["records_in"] for m in months},
        "dropped": {m: filt[m]["dropped_total"] for m in months},
        "roll_dates": {m: ", ".join(filt[m]["roll_dates"]) for m in months},
    }).rename_axis("month")
    mismatch = table[table["rows"] != table["dataset_rows"]]
    if len(mismatch):
        raise StageInputError(str(dataset), f"dataset rows differ from filtered rows for {', '.join(mismatch.index)}")
    modes = list(params.modes)
    win_rate = pd.DataFrame({m: {mode: label[m]["modes"][mode]["win_rate"] for mode in modes} for m in months}).T
    weight = pd.DataFrame({m: {mode: label[m]["modes"][mode]["mean_winner_weight"] for mode in modes}
                           for m in months}).T
    nan_share = pd.DataFrame({m: feat[m]["nan_share"] for m in months})
    return Report(table, win_rate.rename_axis("month"), weight.rename_axis("month"),
                  nan_share.rename_axis("feature"), headline(table, win_rate, weight, nan_share))


def headline(table: pd.DataFrame, win_rate: pd.DataFrame, weight: pd.DataFrame, nan_share: pd.DataFrame) -> dict:
    """The few numbers ``dvc exp show`` / ``dvc metrics diff`` compare: none of them grows with the months.

    Win rates and the filled share are row-weighted over the months; ``win.all`` is the mean
    over the modes; the sanity numbers catch broken labels (winner weight) or features (NaN share).
    """
    rows = table["rows"]
    per_mode = {mode: float((win_rate[mode] * rows).sum() / rows.sum()) for mode in win_rate.columns}
    return {
        "rows": int(rows.sum()),
        "sessions": int(table["sessions"].sum()),
        "months": len(table),
        "filled_fraction": float((table["filled_fraction"] * rows).sum() / rows.sum()),
        "win": {"all": sum(per_mode.values()) / len(per_mode), **per_mode},
        "sanity": {"winner_weight_mean": float(weight.mean().mean()),
                   "feature_nan_share": float(nan_share.mean().mean())},
    }


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6f")


def plot_tables(report: Report) -> dict[str, pd.DataFrame]:
    """Per-month series for ``dvc plots``: one row per month, win rates long (one line per mode)."""
    months = report.months.reset_index()[["month", "rows", "sessions", "early_close_sessions",
                                          "filled_fraction", "filled_rows", "dropped"]]
    win_rate = report.win_rate.reset_index().melt(id_vars="month", var_name="mode", value_name="win_rate")
    return {"months.csv": months, "win_rate.csv": win_rate}


def write_outputs(report: Report, summary_out: str | Path, plots_dir: str | Path) -> None:
    """summary.json (headline numbers) for ``dvc metrics``; month-by-month CSVs for ``dvc plots``."""
    plots_dir = Path(plots_dir)
    write_metrics(report.summary, summary_out)
    for name, frame in plot_tables(report).items():
        _write_csv(frame, plots_dir / name)
    log.info("wrote %s and plot data in %s", summary_out, plots_dir)
