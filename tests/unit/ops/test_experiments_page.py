"""The experiments page: which parameters differ, headline numbers and one chart per mode."""

from __future__ import annotations

import pandas as pd

from es_pipeline.ops.experiments_page import Revision, differing, flatten, render


def revision(name: str, timeout: int, win: float, extra: dict | None = None) -> Revision:
    params = flatten({"label": {"timeout_seconds": timeout, "modes": {"m": {"stop_ticks": 6}}}, **(extra or {})})
    rates = pd.DataFrame({"m": [win, win + 0.01]}, index=pd.Index(["2025-11", "2025-12"], name="month"))
    return Revision(name, "0" * 40, params, {"win.all": win, "rows": 10}, rates, None)


def test_only_the_keys_that_differ_are_listed_a_missing_key_included():
    revisions = [revision("base", 900, 0.3), revision("t600", 600, 0.25, {"dataset": {"decay_rate": 0.1}})]
    assert differing(revisions) == ["dataset.decay_rate", "label.timeout_seconds"]
    assert differing(revisions[:1]) == []


def test_the_page_shows_params_metrics_links_and_a_chart_per_mode():
    page = render([revision("base", 900, 0.3), revision("t600", 600, 0.25)], {"t600": "experiments/x.html"})
    assert "<th>label.timeout_seconds</th><td>900</td><td>600</td>" in page
    assert "<th>win.all</th><td>0.3000</td><td>0.2500</td>" in page
    assert '<a href="experiments/x.html">report</a>' in page and page.count("<svg") == 1
    assert "http" not in page.split("<svg", 1)[0]  # nothing fetched before the inline chart


def test_a_revision_reads_the_model_scores_and_params_beside_the_summary(tmp_path):
    import json
    import subprocess

    from es_pipeline.ops.experiments_page import read_revision

    for path, text in {"params/model.yaml": "model:\n  row_stride: 30\n",
                       "metrics/summary.json": json.dumps({"win": {"all": 0.28}}),
                       "metrics/model.json": json.dumps({"model": {"auc": 0.53, "modes": 6}})}.items():
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_text(text)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=tmp_path, check=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    revision = read_revision(tmp_path, "base", sha)
    assert revision.headline == {"win.all": 0.28, "model.auc": 0.53, "model.modes": 6}
    assert revision.params == {"model.row_stride": 30}
