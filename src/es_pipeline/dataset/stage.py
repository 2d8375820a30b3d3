"""Dataset stage runner: one month's partition of the dataset."""

from __future__ import annotations

from pathlib import Path

from es_pipeline.core.stage import write_metrics
from es_pipeline.dataset.partition import build_month


def run(*, month: str, data_root: str | Path = "data", out: str | Path = "data/dataset",
        metrics_out: str | Path | None = None) -> dict:
    metrics = build_month(data_root, out, month)
    write_metrics(metrics, metrics_out)
    return metrics
