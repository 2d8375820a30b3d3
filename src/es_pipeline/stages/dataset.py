"""Dataset stage runner: one month's partition of the dataset."""

from __future__ import annotations

from pathlib import Path

from es_pipeline.dataset import build_month
from es_pipeline.stages.common import write_metrics


def run(month: str, data_root: str | Path = "data", out: str | Path = "data/dataset",
        metrics_out: str | Path | None = None) -> dict:
    metrics = build_month(data_root, out, month)
    write_metrics(metrics, metrics_out)
    return metrics
