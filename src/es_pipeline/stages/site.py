"""Site stage runner: writes ``reports/index.html`` (a row per month) and ``reports/pipeline.html`` (the graph)."""

from __future__ import annotations

from pathlib import Path

from es_pipeline import pipeline_graph, site
from es_pipeline.files import atomic_path
from es_pipeline.logs import log
from es_pipeline.params import load_params


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote %s", path)


def run(metrics_dir: str | Path = "metrics", params_dir: str | Path = "params", dvc_yaml: str | Path = "dvc.yaml",
        out_dir: str | Path = "reports") -> list[site.MonthRow]:
    params = load_params(params_dir)
    months = [m.month for m in params.months]
    rows = site.build(metrics_dir, months, [m.name for m in params.label.modes])
    out_dir = Path(out_dir)
    _write(out_dir / "index.html", site.render_index(rows))
    _write(out_dir / "pipeline.html", pipeline_graph.render(pipeline_graph.read(dvc_yaml), len(months)))
    flagged = [r.month for r in rows if r.abnormal]
    log.info("%d month(s), %d to check%s", len(rows), len(flagged), f": {', '.join(flagged)}" if flagged else "")
    return rows
