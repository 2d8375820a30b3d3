"""End to end on a tiny configuration: real dvc repro running real papermill notebooks.

Two months of two trading days each, in a temporary copy of the repository. The tests in
this module share one reproduced project and run in order on one worker.
"""

from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.integration.project import Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("pipeline")]
MONTHS = ("2025-11", "2025-12")
PER_MONTH = ("filter", "label", "featurize")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project.reproduced(tmp_path_factory.mktemp("pipeline"), MONTHS, days=2)


def test_repro_builds_every_stage_and_notebook(project):
    for stage in PER_MONTH:
        for month in MONTHS:
            notebook = nbformat.read(project.root / "reports" / stage / f"{month}.ipynb", as_version=4)
            errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
                      if o.get("output_type") == "error"]
            assert not errors, f"{stage} {month} notebook raised: {errors}"
            assert notebook.metadata["papermill"]["parameters"]["month"] == month
    assert (project.root / "reports" / "report.html").stat().st_size > 10_000
    lock = (project.root / "pipelines" / "2025" / "dvc.lock").read_text()  # the year's stages are recorded there
    assert "remote://raw/ES.FUT.2025-11.ohlcv-1s.dbn.zst" in lock


def test_dataset_rows_equal_filtered_rows(project):
    filtered = {m: pq.read_metadata(project.root / "data" / "filtered" / f"{m}.parquet").num_rows for m in MONTHS}
    dataset = pd.read_parquet(project.root / "data" / "dataset")
    per_month = dataset.groupby(["year", "month"], observed=True).size()
    assert {f"{y}-{int(m):02d}": n for (y, m), n in per_month.items()} == filtered
    summary = project.read_json("metrics/summary.json")
    assert summary["rows"] == sum(filtered.values())
    modes = {"low_vol_long", "normal_vol_long", "high_vol_long", "low_vol_short", "normal_vol_short", "high_vol_short"}
    assert set(summary["win"]) == {"all", *modes}
    win_rate = pd.read_csv(project.root / "plots" / "win_rate.csv")
    assert set(win_rate["mode"]) == modes and len(win_rate) == len(modes) * len(MONTHS)
    assert pd.read_csv(project.root / "plots" / "months.csv")["rows"].sum() == summary["rows"]


def test_second_repro_runs_nothing(project):
    assert project.changed_stages() == set()
    out = project.dvc("repro").stdout
    assert "Running stage" not in out


def test_forced_rerun_is_bit_identical(project):
    outputs = ("data/filtered/*.parquet", "data/labels/*.parquet", "data/features/*.parquet",
               "data/dataset/**/*.parquet", "metrics/**/*.json", "plots/**/*.csv")
    before = project.snapshot(*outputs)
    project.dvc("repro", "--force", *(f"pipelines/2025/dvc.yaml:{s}@2025-12" for s in PER_MONTH + ("dataset",)),
                "decay", "report")
    assert project.snapshot(*outputs) == before


def ran_stages(output: str) -> set[str]:
    """The names of the stages `dvc repro` ran, without their pipeline file."""
    return {name.rsplit(":", 1)[-1] for name in re.findall(r"Running stage '([^']+)'", output)}


def test_label_parameter_change_marks_only_the_label_fingerprint(project):
    params = project.root / "params" / "label.yaml"
    original = params.read_text()
    params.write_text(original.replace("timeout_seconds: 900", "timeout_seconds: 600"))
    try:
        assert project.changed_stages() == {"code-label"}  # its months follow once it has run
    finally:
        params.write_text(original)
    assert project.changed_stages() == set()


def test_experiment_reruns_label_and_what_follows_and_changes_metrics(project):
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "reproduced")
    baseline = project.read_json("metrics/summary.json")
    run = project.dvc("exp", "run", "-n", "short-timeout", "-S", "params/label.yaml:label.timeout_seconds=120")
    assert ran_stages(run.stdout) == {"code-label", "label@2025-11", "label@2025-12", "dataset@2025-11",
                                      "dataset@2025-12", "report", "site", "model"}
    changed = project.read_json("metrics/summary.json")
    assert changed["win"] != baseline["win"]
    assert changed["rows"] == baseline["rows"]
    shown = project.dvc("exp", "show", "--json").stdout
    assert "short-timeout" in shown
    diff = json.loads(project.dvc("metrics", "diff", "--json").stdout or "{}")
    assert "metrics/summary.json" in diff
    assert "label.timeout_seconds" in project.dvc("params", "diff").stdout


def test_adding_a_month_runs_only_that_month_and_small_bookkeeping(project):
    project.git("checkout", "--", ".")
    project.dvc("checkout", "--force")
    partitions = project.snapshot("data/dataset/**/*.parquet")
    project.generate("2026-01", days=1)
    project.es("months", "sync")
    new = {f"{stage}@2026-01" for stage in ("filter", "label", "featurize", "dataset")}
    assert project.changed_stages() == new | {"decay", "report", "site", "model"}
    assert ran_stages(project.dvc("repro").stdout) == new | {"decay", "report", "site", "model"}
    after = project.snapshot("data/dataset/**/*.parquet")
    assert set(after) - set(partitions) == {"data/dataset/year=2026/month=01/part-0.parquet"}
    assert all(after[name] == data for name, data in partitions.items())  # no partition rewritten


def test_corrupt_raw_month_fails_clearly_and_keeps_its_notebook(project):
    raw = project.root / "storage" / "raw" / "ES.FUT.2025-12.ohlcv-1s.dbn.zst"
    raw.write_bytes(raw.read_bytes()[: len(raw.read_bytes()) // 2])
    lock_before = project.lock_bytes()
    result = project.dvc("repro", "pipelines/2025/dvc.yaml:filter@2025-12", check=False)
    assert result.returncode != 0
    assert "ES.FUT.2025-12.ohlcv-1s.dbn.zst" in result.stdout + result.stderr
    notebook = nbformat.read(project.root / "reports" / "filter" / "2025-12.ipynb", as_version=4)
    tracebacks = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert tracebacks and "truncated" in tracebacks[0]["evalue"]
    assert not (project.root / "data" / "filtered" / "2025-12.parquet").exists()
    assert project.lock_bytes() == lock_before
    assert "filter@2025-12" in project.changed_stages()
