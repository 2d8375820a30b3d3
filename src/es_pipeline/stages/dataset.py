"""Dataset stage runner: assemble all months listed in params into the partitioned dataset."""

from __future__ import annotations

from pathlib import Path

from es_pipeline.dataset import build_dataset
from es_pipeline.params import load_params
from es_pipeline.stages.common import log, timed, write_metrics


def run(data_root: str | Path = "data", out: str | Path = "data/dataset",
        metrics_out: str | Path | None = "metrics/dataset.json", params_dir: str | Path = "params") -> dict:
    params = load_params(params_dir)
    with timed(f"dataset of {len(params.months)} month(s) written to {out}"):
        metrics = build_dataset(params, data_root, out)
    write_metrics(metrics, metrics_out)
    log.info("dataset: %s rows, reference month %s", f"{metrics['rows']:,}", metrics["reference_month"])
    return metrics
