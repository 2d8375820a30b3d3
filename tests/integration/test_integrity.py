"""Pipeline integrity with real dvc: declared definition files, corrupt cache objects, removed months.

One reproduced project (2025-11 with parent symbology and its definition file, 2025-12 with
raw symbols, one trading day each); the tests run in order on one worker.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
from dvc_data.hashfile.hash import file_md5

from tests.integration.project import Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integrity")]
DEFINITION = "storage/raw/ES.FUT.2025-11.definition.dbn.zst"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    project = Project.copy_of_repo(tmp_path_factory.mktemp("integrity"))
    project.es("generate", "--month", "2025-11", "--out", "storage/raw/ES.FUT.2025-11.ohlcv-1s.dbn.zst",
               "--days", "1", "--symbology", "parent")
    project.generate("2025-12", days=1)
    project.es("months", "sync")
    project.dvc("repro")
    return project


def lock_md5(project: Project, stage: str, path: str) -> str:
    return next(o["md5"] for o in project.lock_stages()[stage]["outs"] if o["path"] == path)


def flip_byte(path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.chmod(path, mode)


def test_replacing_the_definition_file_makes_exactly_that_month_stale(project):
    months = (project.root / "params" / "months.yaml").read_text()
    assert "symbols: ES.FUT.2025-11.definition.dbn.zst" in months
    assert "symbols: ES.FUT.2025-12.ohlcv-1s.dbn.zst" in months
    assert "remote://raw/ES.FUT.2025-11.definition.dbn.zst" in (project.root / "pipelines/2025/dvc.lock").read_text()
    assert project.changed_stages() == set()
    definition = project.root / DEFINITION
    original = definition.read_bytes()
    definition.write_bytes(original + b"\0")
    assert project.changed_stages() == {"filter@2025-11"}
    definition.write_bytes(original)
    assert project.changed_stages() == set()


def own_copy(path) -> None:
    """Give a workspace output its own inode, as the copy link type would: the cache's link is broken."""
    data, mode = path.read_bytes(), stat.S_IMODE(path.stat().st_mode)
    path.unlink()
    path.write_bytes(data)
    os.chmod(path, mode)


def test_flipped_cache_byte_is_named_and_never_pushed(project):
    expected = lock_md5(project, "filter@2025-12", "data/filtered/2025-12.parquet")
    obj = project.root / ".dvc" / "cache" / "files" / "md5" / expected[:2] / expected[2:]
    own_copy(project.root / "data" / "filtered" / "2025-12.parquet")  # a good copy to repair from
    flip_byte(obj)  # keeping DVC's read-only mode: DVC never hashes such an object again
    actual = file_md5(str(obj))
    assert project.changed_stages() == set()  # DVC itself does not notice

    result = project.es("verify", check=False)
    assert result.returncode != 0
    assert f"cache {obj} (data/filtered/2025-12.parquet): expected {expected}, actual {actual}" in result.stderr

    demo = project.es("demo", check=False)
    assert demo.returncode != 0 and f"actual {actual}" in demo.stderr
    assert "$ dvc push" not in demo.stderr
    assert not (project.root / "storage" / "dvc-remote").exists()

    repaired = project.es("verify", "--repair")
    assert "repaired: data/filtered/2025-12.parquet" in repaired.stdout
    assert file_md5(str(obj)) == expected
    assert project.es("verify").returncode == 0
    project.es("demo")
    pushed = project.root / "storage" / "dvc-remote" / "files" / "md5" / expected[:2] / expected[2:]
    assert file_md5(str(pushed)) == expected


def test_a_file_inside_a_directory_output_is_named(project):
    partition = "data/dataset/year=2025/month=11"
    dir_md5 = lock_md5(project, "dataset@2025-11", partition)
    cache = project.root / ".dvc" / "cache" / "files" / "md5"
    listing = {e["relpath"]: e["md5"] for e in json.loads((cache / dir_md5[:2] / dir_md5[2:]).read_text())}
    relpath, md5 = next(iter(listing.items()))
    own_copy(project.root / partition / relpath)
    flip_byte(cache / md5[:2] / md5[2:])
    result = project.es("verify", check=False)
    assert result.returncode != 0 and f"({partition}/{relpath}): expected {md5}, actual " in result.stderr
    assert "repaired: data/dataset/" in project.es("verify", "--repair").stdout
    assert project.es("verify").returncode == 0


def test_pull_rejects_a_corrupt_remote_object(project):
    """`verify = true` on the remote: without it, dvc pull would check out the corrupt bytes."""
    md5 = lock_md5(project, "filter@2025-11", "data/filtered/2025-11.parquet")
    cached = project.root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    remote = project.root / "storage" / "dvc-remote" / "files" / "md5" / md5[:2] / md5[2:]
    output = project.root / "data" / "filtered" / "2025-11.parquet"
    good = cached.read_bytes()
    project.dvc("push", "data/filtered/2025-11.parquet")  # whatever ran before in this project
    flip_byte(remote)
    cached.unlink()
    output.unlink()
    result = project.dvc("pull", "data/filtered/2025-11.parquet", check=False)
    assert result.returncode != 0 and not output.exists()
    cached.write_bytes(good)
    project.dvc("checkout", "data/filtered/2025-11.parquet")
    assert project.es("verify").returncode == 0


def test_repair_without_a_good_copy_drops_the_object_for_repro(project):
    """`dvc repro -f` checks a corrupt cached copy out over a fresh output; repair removes it first."""
    expected = lock_md5(project, "filter@2025-12", "data/filtered/2025-12.parquet")
    obj = project.root / ".dvc" / "cache" / "files" / "md5" / expected[:2] / expected[2:]
    for path in (obj, project.root / "data" / "filtered" / "2025-12.parquet"):
        os.chmod(path, 0o644)
        path.write_bytes(path.read_bytes()[:-1] + b"\0")
    result = project.es("verify", "--repair", check=False)
    assert result.returncode != 0 and "dvc repro -f" in result.stderr
    assert "removed:  data/filtered/2025-12.parquet" in result.stdout and not obj.exists()
    project.dvc("repro", "-f", "-s", "pipelines/2025/dvc.yaml:filter@2025-12")
    assert file_md5(str(obj)) == expected
    assert project.es("verify").returncode == 0


def test_prune_removes_outputs_and_lock_entries_of_unlisted_months(project):
    months = project.root / "params" / "months.yaml"
    months.write_text("".join(line for line in months.read_text().splitlines(True) if '"2025-12"' not in line))
    refused = project.es("months", "prune", "--dry-run", check=False)  # the year's file still lists the month
    assert refused.returncode != 0 and "pipelines/2025/dvc.yaml: not what" in refused.stderr
    assert "run `es-pipeline months pipelines`" in refused.stderr
    project.es("months", "pipelines")
    assert "filter@2025-12" in (project.root / "pipelines/2025/dvc.lock").read_text()  # DVC keeps stale entries
    listed = project.es("months", "prune", "--dry-run").stdout
    assert "dataset@2025-12, featurize@2025-12, filter@2025-12, label@2025-12" in listed
    assert (project.root / "data" / "filtered" / "2025-12.parquet").exists()

    project.es("months", "prune")
    lock = project.lock_stages()
    assert not [name for name in lock if name.endswith("@2025-12")]
    assert {name for name in lock if name.endswith("@2025-11")} == {
        "filter@2025-11", "label@2025-11", "featurize@2025-11", "dataset@2025-11"}
    for folder in ("data/filtered", "data/labels", "data/features", "reports/filter", "reports/label",
                   "reports/featurize", "metrics/filter", "metrics/label", "metrics/featurize"):
        assert {p.stem for p in (project.root / folder).iterdir() if not p.name.startswith(".")} == {"2025-11"}
    assert not (project.root / "data" / "dataset" / "year=2025" / "month=12").exists()
    assert project.changed_stages() == {"decay", "report", "site", "model"}
