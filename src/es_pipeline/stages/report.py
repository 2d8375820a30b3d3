"""Report stage runner: cross-month summary metrics and plot data."""

from __future__ import annotations

from pathlib import Path

from es_pipeline.params import load_params
from es_pipeline.report import Report, build_report, write_outputs
from es_pipeline.stages.common import timed


def run(dataset: str | Path = "data/dataset", metrics_dir: str | Path = "metrics",
        plots_dir: str | Path = "plots", params_dir: str | Path = "params") -> Report:
    params = load_params(params_dir)
    with timed(f"report over {len(params.months)} month(s)"):
        report = build_report(params, metrics_dir, dataset)
        write_outputs(report, Path(metrics_dir) / "summary.json", plots_dir)
    return report
