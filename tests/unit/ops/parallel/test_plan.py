"""The plan comes from DVC itself: stale per-month stages, their dvc.yaml commands and order."""

from __future__ import annotations

import pytest

from es_pipeline.ops.parallel.plan import Plan, plan
from tests.integration.project import Project

pytestmark = pytest.mark.xdist_group("parallel")


def test_fresh_project_plans_every_per_month_stage_in_dependency_order(tmp_path):
    project = Project.copy_of_repo(tmp_path / "p")
    for month in ("2025-11", "2025-12"):
        (project.root / "storage" / "raw").mkdir(parents=True, exist_ok=True)
        (project.root / "storage" / "raw" / f"ES.FUT.{month}.ohlcv-1s.dbn.zst").write_bytes(b"x")
    todo = plan(project.root)
    tasks = todo.tasks
    # left to dvc repro after the per-month stages (the model's fingerprint too: no month reads it)
    assert sorted(todo.rest) == ["code-model", "decay", "model", "report", "site"]
    assert sorted(todo.first) == [f"code-{s}" for s in ("dataset", "featurize", "filter", "label")]  # before them
    assert not todo.nothing_to_do
    names = [t.name for t in tasks]
    assert sorted(names) == sorted(f"{s}@{m}" for s in ("filter", "label", "featurize", "dataset")
                                   for m in ("2025-11", "2025-12"))
    by_name = {t.name: t for t in tasks}
    assert by_name["filter@2025-11"].after == ()
    assert by_name["label@2025-11"].after == ("filter@2025-11",)
    assert by_name["dataset@2025-12"].after == ("featurize@2025-12", "filter@2025-12", "label@2025-12")
    assert all(names.index(u) < names.index(t.name) for t in tasks for u in t.after)
    label = by_name["label@2025-12"]
    assert (label.stage, label.month) == ("label", "2025-12")
    assert label.cmd.startswith("es-pipeline notebook notebooks/label.ipynb reports/label/2025-12.ipynb")
    # persist outputs (the git-tracked metrics) are never set aside, as dvc repro never removes them
    assert label.outs == ("data/labels/2025-12.parquet", "reports/label/2025-12.ipynb", "reports/label/2025-12.html")
    assert by_name["dataset@2025-11"].outs == ("data/dataset/year=2025/month=11",)


def test_nothing_to_do_only_when_no_stage_at_all_is_stale():
    assert Plan([], ()).nothing_to_do
    assert not Plan([], ("report",)).nothing_to_do
    assert not Plan([], (), ("code-filter",)).nothing_to_do
