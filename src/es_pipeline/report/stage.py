"""Report stage runner: headline metrics, per-month plot data and the report's figures as PNG files."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import timed
from es_pipeline.core.params import load_params
from es_pipeline.report import views
from es_pipeline.report.summary import Report, build_report, write_outputs

FIGURES = {"overview.png": views.overview_figure, "nan_share.png": views.nan_share_figure}


def write_figures(report: Report, folder: str | Path) -> None:
    """The report's figures as image plots, so ``dvc plots diff`` shows experiments side by side."""
    for name, draw in FIGURES.items():
        figure = draw(report)
        with atomic_path(Path(folder) / name) as tmp:
            figure.savefig(tmp, format="png", dpi=80, metadata={"Software": None})
        plt.close(figure)


def run(dataset: str | Path = "data/dataset", metrics_dir: str | Path = "metrics",
        plots_dir: str | Path = "plots", params_dir: str | Path = "params") -> Report:
    params = load_params(params_dir)
    with timed(f"report over {len(params.months)} month(s)"):
        report = build_report(params, metrics_dir, dataset)
        write_outputs(report, Path(metrics_dir) / "summary.json", plots_dir)
        write_figures(report, Path(plots_dir) / "report")
    return report
