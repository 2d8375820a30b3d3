"""`dvc exp show` stays readable however many months are listed (real dvc, nothing run).

The columns `dvc exp show` prints come from dvc.yaml and the committed files alone: metrics
files, declared params, and every file a stage depends on. A copy of the repository with 185
listed months shows what a user with 15 years of history sees, without running any stage.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex

import pytest

from tests.integration.project import REPO_ROOT, Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("compare")]
MERGED = {"rev", "typ", "parent"}  # --csv keeps these; the table merges them into "Experiment"


def compare_flags() -> list[str]:
    """The flags `make compare` passes to `dvc exp show` (read from the Makefile, not copied)."""
    line = re.search(r"^COMPARE := dvc exp show (.*)$", (REPO_ROOT / "Makefile").read_text(), re.M)[1]
    return shlex.split(line)


def month_list(count: int) -> list[str]:
    return [f"{2011 + i // 12}-{i % 12 + 1:02d}" for i in range(count)]


def columns(project: Project, *flags: str) -> list[str]:
    out = project.dvc("exp", "show", "--no-pager", "--csv", *flags).stdout
    return [c for c in next(csv.reader(io.StringIO(out))) if c not in MERGED]


@pytest.fixture(scope="module", params=[2, 185], ids=lambda n: f"{n}-months")
def project(request, tmp_path_factory) -> Project:
    project = Project.copy_of_repo(tmp_path_factory.mktemp(f"months{request.param}"))
    project.set_months(month_list(request.param))
    (project.root / "metrics").mkdir()
    (project.root / "metrics" / "summary.json").write_bytes((REPO_ROOT / "metrics" / "summary.json").read_bytes())
    # scores as a history long enough for the split gives them (the demo's two months score none:
    # its values are null, which DVC leaves out of every table)
    (project.root / "metrics" / "model.json").write_text(json.dumps({"model": {
        "auc": 0.5345, "logloss": 0.6782, "win": 0.2837, "top_win": 0.2793, "ticks": -0.7976, "top_ticks": -0.9599,
        "modes": 6}}))
    project.git("add", "-A")
    project.git("commit", "-qm", f"{request.param} months")
    project.months = request.param
    return project


def test_metrics_are_a_few_headline_numbers_whatever_the_month_count(project):
    workspace = json.loads(project.dvc("exp", "show", "--json").stdout)[0]["data"]
    metrics = {file: list(flatten(found["data"])) for file, found in workspace["metrics"].items()}
    assert sorted(metrics) == ["metrics/model.json", "metrics/summary.json"]  # per-month files are not metrics
    assert len(metrics["metrics/summary.json"]) == 13  # rows, sessions, months, filled, win.all + 6 modes, 2 sanity
    assert len(metrics["metrics/model.json"]) == 7  # auc, log-loss, 2 win rates, 2 expectancies (means); modes
    shown = columns(project)
    per_month = [c for c in shown if re.search(r"\d{4}-\d{2}", c)]
    # what DVC itself adds per month: a hash column for each file a per-month stage reads (raw,
    # filtered, labels, features; the symbols object is the raw one here), and `make compare` drops
    # them. The month list is written into each year's pipeline file, not read from a params file
    # (pipelines/per-month.yaml), so its values add no column
    assert len(per_month) == 4 * project.months
    assert not [c for c in per_month if not c.endswith((".parquet", ".zst"))]
    print(f"\nplain dvc exp show at {project.months} months: {len(shown)} columns")


def flatten(data: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_make_compare_fits_in_sixty_columns(project):
    label = project.root / "params" / "label.yaml"
    label.write_text(label.read_text().replace("timeout_seconds: 900", "timeout_seconds: 600"))
    project.git("commit", "-qam", "shorter timeout")
    shown = columns(project, *compare_flags(), "-n", "2")  # the two commits side by side
    assert len(shown) <= 60, shown
    assert "label.timeout_seconds" in shown and "win.all" in shown
    assert {"model.auc", "model.logloss", "model.win", "model.top_win", "model.ticks", "model.top_ticks"} <= set(shown)
    assert "win.low_vol_short" not in shown and "model.booster.rounds" not in shown  # per mode: dvc metrics diff
    assert not [c for c in shown if "/" in c or re.search(r"\d{4}-\d{2}", c)]
    print(f"\nmake compare at {project.months} months: at most {len(shown)} columns")
