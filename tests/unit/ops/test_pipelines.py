"""The per-month stages live in one pipeline file per year, written from one template; DVC reads them as before."""

from __future__ import annotations

import shutil

import pytest
import yaml

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.params import MonthEntry
from es_pipeline.ops import pipelines
from es_pipeline.ops.months import write
from es_pipeline.ops.prune import prune
from tests.conftest import REPO_ROOT
from tests.unit.faults import dvc_repo


def entries(*months: str) -> dict[str, MonthEntry]:
    return {m: MonthEntry.of(m, f"ES.FUT.{m}.ohlcv-1s.dbn.zst", f"ES.FUT.{m}.ohlcv-1s.dbn.zst") for m in months}


@pytest.fixture
def project(tmp_path):
    """A DVC repository holding the real dvc.yaml, template, params and remotes (no outputs)."""
    dvc_repo(tmp_path, {})
    shutil.copy(REPO_ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    config = (REPO_ROOT / ".dvc" / "config").read_text()  # the `raw` remote filter reads; still no git
    (tmp_path / ".dvc" / "config").write_text(config.replace("[core]\n", "[core]\n    no_scm = true\n", 1))
    shutil.copytree(REPO_ROOT / "params", tmp_path / "params")
    (tmp_path / "pipelines").mkdir()
    shutil.copy(REPO_ROOT / pipelines.TEMPLATE, tmp_path / pipelines.TEMPLATE)
    return tmp_path


@pytest.mark.parametrize(("name", "addressed"), [
    ("label@2018-04", "pipelines/2018/dvc.yaml:label@2018-04"),
    ("code-label", "code-label"),
    ("report", "report"),
])
def test_a_stage_is_addressed_with_its_file(name, addressed):
    assert pipelines.addressing(name) == addressed


def test_dvc_reads_each_years_stages_from_its_file(project, monkeypatch):
    from dvc.repo import Repo

    monkeypatch.chdir(project)  # DVC addresses stages relative to the current folder
    write(entries("2024-12", "2025-01", "2025-02"), project)
    assert sorted(p.relative_to(project).as_posix() for p in project.glob("pipelines/*/dvc.yaml")) == [
        "pipelines/2024/dvc.yaml", "pipelines/2025/dvc.yaml"]
    with Repo(str(project)) as repo:
        by_name = {stage.name: stage for stage in repo.index.stages}
    assert {n for n in by_name if "@" in n} == {f"{s}@{m}" for s in ("filter", "label", "featurize", "dataset")
                                               for m in ("2024-12", "2025-01", "2025-02")}
    label = by_name["label@2025-02"]
    assert label.addressing == pipelines.addressing("label@2025-02")
    assert label.cmd.startswith("es-pipeline notebook notebooks/label.ipynb reports/label/2025-02.ipynb")
    assert [str(d.def_path) for d in label.deps] == ["data/filtered/2025-02.parquet", "data/fingerprints/label.json"]
    assert label.wdir == str(project)  # paths stay relative to the repository root
    assert "data/dataset/year=2024/month=12" in [str(o.def_path) for o in by_name["dataset@2024-12"].outs]


def test_a_dropped_year_loses_its_file_and_a_hand_edit_is_refused_until_rewritten(project):
    write(entries("2024-12", "2025-01"), project)
    pipelines.check(project)
    write(entries("2025-01", "2025-02"), project)
    assert not (project / "pipelines/2024/dvc.yaml").exists()
    listed = yaml.safe_load((project / "pipelines/2025/dvc.yaml").read_text())["vars"][0]["months"]
    assert list(listed) == ["2025-01", "2025-02"]

    months = project / "params" / "months.yaml"
    months.write_text(months.read_text().replace('"2025-02"', '"2025-03"').replace("2025-02", "2025-03")
                      .replace("month=02", "month=03"))
    with pytest.raises(PipelineError, match=r"pipelines/2025/dvc.yaml: not what .* run `es-pipeline months "
                                            r"pipelines`"):
        pipelines.check(project)
    from es_pipeline.core.params import load_months

    assert pipelines.write(project, load_months(project / "params")) == [project / "pipelines/2025/dvc.yaml"]
    pipelines.check(project)


def test_entries_an_older_layout_kept_in_dvc_lock_move_to_their_year(project):
    recorded = {"cmd": "true", "outs": [{"path": "data/labels/2025-01.parquet", "hash": "md5", "md5": "a" * 32}]}
    (project / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0", "stages": {
        "label@2025-01": recorded, "report": {"cmd": "true"}}}))
    (project / "pipelines").mkdir(exist_ok=True)
    write(entries("2025-01"), project)
    assert yaml.safe_load((project / "dvc.lock").read_text())["stages"] == {"report": {"cmd": "true"}}
    assert yaml.safe_load((project / "pipelines/2025/dvc.lock").read_text())["stages"] == {"label@2025-01": recorded}


def test_prune_empties_and_removes_a_dropped_years_lock(project):
    write(entries("2024-12", "2025-01"), project)
    stale = {"cmd": "true", "outs": [{"path": "data/labels/2024-12.parquet", "hash": "md5", "md5": "b" * 32}]}
    (project / "pipelines/2024/dvc.lock").write_text(yaml.safe_dump({"schema": "2.0", "stages": {
        "label@2024-12": stale}}))
    (project / "data" / "labels").mkdir(parents=True)
    (project / "data/labels/2024-12.parquet").write_bytes(b"old")
    (project / "data/labels/2025-01.parquet").write_bytes(b"current")
    write(entries("2025-01"), project)

    pruned = prune(project)
    assert pruned.stages == ["label@2024-12"] and pruned.paths == ["data/labels/2024-12.parquet"]
    assert not (project / "pipelines" / "2024").exists()
    assert [p.name for p in (project / "data" / "labels").iterdir()] == ["2025-01.parquet"]


def test_a_template_without_one_vars_list_is_refused(project):
    (project / pipelines.TEMPLATE).write_text("# no vars\nstages: {}\n")
    with pytest.raises(PipelineError, match="must have one top-level `vars:` list"):
        write(entries("2025-01"), project)
