"""``reports/experiments.html``: every experiment of the current baseline, side by side.

``dvc exp show`` lists ~1,430 columns at 185 months; this page shows what a comparison needs: the
parameters that differ, the headline metrics (``metrics/summary.json`` and the baseline model's
``metrics/model.json``), the month-by-month win rate per mode for each experiment (inline SVG,
drawn offline) and a link to each experiment's report page. Everything is read from git (each
experiment's committed params, metrics and plot data) and the DVC cache (its report page), so no
experiment has to be applied to be seen.
"""

from __future__ import annotations

import html
import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import log

PARAM_FILES = ("market", "filter", "label", "features", "dataset", "model")
HEADLINE_FILES = ("metrics/summary.json", "metrics/model.json")
REPORT_PAGE = "reports/report.html"


@dataclass(frozen=True)
class Revision:
    name: str
    sha: str
    params: dict[str, Any]        # "label.timeout_seconds" -> value, every params file flattened
    headline: dict[str, Any]      # the headline files flattened ("win.all" -> 0.27, "model.auc" -> 0.53)
    win_rate: pd.DataFrame        # one row per month, one column per mode
    report_md5: str | None        # the revision's reports/report.html in the DVC cache


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, inner in value.items():
            found |= flatten(inner, f"{prefix}{key}.")
        return found
    return {prefix.rstrip("."): value}


def differing(revisions: list[Revision]) -> list[str]:
    """Parameter keys whose value is not the same in every revision (a key some lack counts)."""
    keys = sorted({k for r in revisions for k in r.params})
    return [k for k in keys if len({json.dumps(r.params.get(k), default=str) for r in revisions}) > 1]


def _git_text(root: Path, sha: str, path: str) -> str | None:
    shown = subprocess.run(["git", "show", f"{sha}:{path}"], cwd=root, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


def read_revision(root: Path, name: str, sha: str) -> Revision:
    params: dict[str, Any] = {}
    for file in PARAM_FILES:
        text = _git_text(root, sha, f"params/{file}.yaml")
        params |= flatten(yaml.safe_load(text) or {}) if text else {}
    headline: dict[str, Any] = {}
    for name in HEADLINE_FILES:
        text = _git_text(root, sha, name)
        headline |= flatten(json.loads(text)) if text else {}
    rates = _git_text(root, sha, "plots/win_rate.csv")
    win_rate = (pd.read_csv(io.StringIO(rates)).pivot(index="month", columns="mode", values="win_rate")
                if rates else pd.DataFrame())
    lock = yaml.safe_load(_git_text(root, sha, "dvc.lock") or "{}") or {}
    report = lock.get("stages", {}).get("report", {})
    md5 = next((o.get("md5") for o in report.get("outs", []) if o.get("path") == REPORT_PAGE), None)
    return Revision(name, sha, params, headline, win_rate, md5)


def collect(root: Path) -> list[Revision]:
    """The baseline (HEAD) first, then its experiments as ``dvc exp list`` names them."""
    from dvc.repo import Repo

    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                          check=True).stdout.strip()
    with Repo(str(root)) as repo:
        listed = repo.experiments.ls(rev="HEAD")
    experiments = sorted(((n, s) for entries in listed.values() for n, s in entries if s), key=lambda e: e[0])
    return [read_revision(root, f"baseline {head[:7]}", head),
            *(read_revision(root, name, sha) for name, sha in experiments)]


def _svg(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()[buffer.getvalue().index("<svg"):]


def win_rate_charts(revisions: list[Revision]) -> str:
    """One small chart per mode: a line per revision over the months."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = sorted({m for r in revisions for m in r.win_rate.columns})
    if not modes:
        return "<p>No win-rate data (plots/win_rate.csv) in these revisions.</p>"
    columns = 3
    rows = -(-len(modes) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.8 * rows), squeeze=False,
                                sharey=True)
    for ax, mode in zip(axes.flat, modes, strict=False):
        for revision in revisions:
            if mode in revision.win_rate:
                series = revision.win_rate[mode]
                ax.plot(range(len(series)), series.to_numpy(), label=revision.name, linewidth=1.2)
        months: pd.Index | list[str] = revisions[0].win_rate.index if len(revisions[0].win_rate) else []
        ticks = list(range(0, len(months), max(1, len(months) // 6)))
        ax.set_xticks(ticks, [months[i] for i in ticks], fontsize=7)
        ax.set_title(mode, fontsize=9)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    for ax in list(axes.flat)[len(modes):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="best")
    figure.tight_layout()
    return _svg(figure)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return html.escape("—" if value is None else str(value))


def _row(label: str, cells: list[str]) -> str:
    return f"<tr><th>{html.escape(label)}</th>{''.join(f'<td>{c}</td>' for c in cells)}</tr>"


def render(revisions: list[Revision], report_links: dict[str, str]) -> str:
    keys = differing(revisions)
    metrics = sorted({k for r in revisions for k in r.headline if not k.startswith("sanity.")})
    head = "".join(f"<th>{html.escape(r.name)}</th>" for r in revisions)
    links = _row("report page", [f'<a href="{html.escape(report_links[r.name])}">report</a>'
                                 if r.name in report_links else "—" for r in revisions])
    param_rows = "".join(_row(k, [_cell(r.params.get(k)) for r in revisions]) for k in keys) \
        or f"<tr><td colspan={len(revisions) + 1}>no parameter differs</td></tr>"
    metric_rows = "".join(_row(k, [_cell(r.headline.get(k)) for r in revisions]) for k in metrics)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Experiments</title>
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;margin-bottom:1.5em}}
th,td{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th{{background:#f4f4f4;text-align:left}}
svg{{max-width:100%;height:auto}}</style></head><body>
<h1>Experiments of this baseline ({len(revisions) - 1})</h1>
<p><a href="index.html">months</a> · <a href="report.html">report</a></p>
<h2>Parameters that differ</h2>
<table id="params"><tr><th></th>{head}</tr>{param_rows}</table>
<h2>Headline metrics</h2>
<table id="metrics"><tr><th></th>{head}</tr>{metric_rows}{links}</table>
<h2>Win rate per month and mode</h2>
<div id="win-rate">{win_rate_charts(revisions)}</div>
</body></html>
"""


def report_pages(root: Path, out_dir: Path, revisions: list[Revision]) -> dict[str, str]:
    """Each revision's report page from the DVC cache, copied beside this page (small HTML files)."""
    links = {}
    for revision in revisions:
        if revision.report_md5 is None:
            continue
        cached = root / ".dvc" / "cache" / "files" / "md5" / revision.report_md5[:2] / revision.report_md5[2:]
        if not cached.exists():
            continue
        target = out_dir / "experiments" / f"{revision.sha[:10]}.html"
        with atomic_path(target) as tmp:
            tmp.write_bytes(cached.read_bytes())
        links[revision.name] = f"experiments/{target.name}"
    return links


def write(root: str | Path = ".", out_dir: str | Path = "reports") -> Path:
    root, out_dir = Path(root), Path(root) / out_dir
    revisions = collect(root)
    page = render(revisions, report_pages(root, out_dir, revisions))
    out = out_dir / "experiments.html"
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    log.info("wrote %s: baseline and %d experiment(s)", out, len(revisions) - 1)
    return out
