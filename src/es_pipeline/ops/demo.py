"""The README's main command: generate the default months, ``dvc repro``, verify, ``dvc push``, summarise.

Production differs only in where the raw months come from (real Databento files in the
``raw`` remote instead of generated ones), so the demo exercises the production path.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from es_pipeline.core.logs import log
from es_pipeline.core.params import load_months
from es_pipeline.filter.storage import remote_location
from es_pipeline.label import params as label_params
from es_pipeline.ops.verify import push
from es_pipeline.report.plots_page import write_template


def ensure_raw_months(params_dir: str | Path = "params", days: int | None = None) -> None:
    """Generate every listed month missing from the raw location (local folder or S3)."""
    from es_pipeline.synth import generate_month

    location = remote_location("raw")
    for entry in load_months(params_dir):
        if location.exists(entry.raw):
            log.info("raw %s already at %s", entry.month, location.describe(entry.raw))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / entry.raw
            summary = generate_month(entry.month, path, days=days)
            location.write_bytes(entry.raw, path.read_bytes())
        log.info("generated %s -> %s (%s records)", entry.month, location.describe(entry.raw),
                 f"{summary.records:,}")


def pin_local_remotes(repo_root: str | Path = ".") -> dict[str, str]:
    """Write the absolute path of each local-folder remote into ``.dvc/config.local``.

    ``.dvc/config`` names the demo's folders relative to the repository (``../storage/raw``),
    which DVC resolves against the ``.dvc`` folder it reads: inside the temporary copy a queued
    experiment runs in, that is an empty folder. DVC copies ``config.local`` into those copies,
    so an absolute path there reaches them. Remotes already set in ``config.local`` (S3, another
    folder) and URLs (s3://...) are left alone. Returns what was pinned.
    """
    from dvc.repo import Repo

    pinned = {}
    with Repo(str(repo_root)) as repo:
        local = repo.config.read("local").get("remote", {})
        for name, config in repo.config["remote"].items():
            url = str(config["url"])
            if name not in local and Path(url).is_absolute():
                pinned[name] = url
        if pinned:
            with repo.config.edit("local") as conf:
                for name, url in pinned.items():
                    conf["remote"].setdefault(name, {})["url"] = url
    for name, url in pinned.items():
        log.info("remote %s pinned to %s in .dvc/config.local", name, url)
    return pinned


def _dvc(*args: str) -> None:
    log.info("$ dvc %s", " ".join(args))
    subprocess.run(["dvc", *args], check=True)


def summary_text(metrics_dir: str | Path = "metrics", reports_dir: str | Path = "reports",
                 params_dir: str | Path = "params", plots_dir: str | Path = "plots") -> str:
    summary = json.loads((Path(metrics_dir) / "summary.json").read_text())
    months = pd.read_csv(Path(plots_dir) / "months.csv", dtype={"month": str})
    modes = [m.name for m in label_params.load(params_dir).modes]
    lines = ["", "es-pipeline demo: done", "", f"{'month':<9}{'rows':>12}{'sessions':>10}{'filled':>9}"]
    for row in months.itertuples():
        lines.append(f"{row.month:<9}{row.rows:>12,}{row.sessions:>10}{row.filled_fraction:>9.1%}")
    lines += ["", "win rate per mode (all months):"]
    lines += [f"  {mode:<20}{summary['win'][mode]:>7.1%}" for mode in modes]
    reports = Path(reports_dir)
    lines += [
        "",
        f"dataset rows:        {summary['rows']:,} in data/dataset/ (year=YYYY/month=MM)",
        f"open first:          {reports}/index.html (a row per month, links to every page; offline)",
        f"month pages:         {reports}/{{filter,label,featurize}}/<month>.html (and the executed .ipynb)",
        f"report:              {reports}/report.html (and {reports}/report.ipynb)",
        "compare experiments: dvc exp run -S 'params/label.yaml:label.timeout_seconds=600' && make compare",
    ]
    model = Path(metrics_dir) / "model_modes.json"
    if model.exists():
        reason = json.loads(model.read_text())["split"]["reason"]
        lines.insert(-1, f"baseline model:      {reports}/model.html "
                         + (f"(not trained: {reason})" if reason else "(headline scores: metrics/model.json)"))
    return "\n".join(lines)


def run_demo(days: int | None = None) -> None:
    start = time.perf_counter()
    pin_local_remotes()
    write_template()
    ensure_raw_months(days=days)
    _dvc("repro")
    push()  # verifies first: a corrupt or missing cache object must never reach the shared remote
    print(summary_text())
    print(f"\ntotal time {time.perf_counter() - start:.0f} s")
