"""Report stage runner: headline metrics, per-month plot data and the report's figures as PNG files,
and everything its notebook shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt

from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import timed
from es_pipeline.report import site, views
from es_pipeline.report.params import ReportParams, load
from es_pipeline.report.summary import Report, build_report, write_outputs

FIGURES = {"overview.png": views.overview_figure, "nan_share.png": views.nan_share_figure}


def write_figures(report: Report, folder: str | Path) -> None:
    """The report's figures as image plots, so ``dvc plots diff`` shows experiments side by side."""
    for name, draw in FIGURES.items():
        figure = draw(report)
        with atomic_path(Path(folder) / name) as tmp:
            figure.savefig(tmp, format="png", dpi=80, metadata={"Software": None})
        plt.close(figure)


@dataclass(frozen=True)
class ReportResult:
    report: Report
    params: ReportParams
    status: list[site.MonthRow]  # each month's row of reports/index.html
    summaries: dict[str, dict[str, dict | None]]  # each month's stage metrics, for the outcome mix


def run(*, dataset: str | Path = "data/dataset", metrics_dir: str | Path = "metrics",
        plots_dir: str | Path = "plots", params_dir: str | Path = "params") -> ReportResult:
    params = load(params_dir)
    with timed(f"report over {len(params.months)} month(s)"):
        report = build_report(params, metrics_dir, dataset)
        write_outputs(report, Path(metrics_dir) / "summary.json", plots_dir)
        write_figures(report, Path(plots_dir) / "report")
    months = params.month_names
    return ReportResult(report, params, site.build(metrics_dir, months, list(params.modes)),
                        site.read_summaries(metrics_dir, months))
