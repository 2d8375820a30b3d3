"""Outputs are hard links into the DVC cache (``cache.type`` in .dvc/config), and that stays safe.

Every stage writes its outputs to a temporary file and renames it, and DVC removes a stage's
outputs before running it, so a read-only cache file shared with the workspace is never
written in place. These tests hold that against a stage rerun, ``dvc checkout``, an experiment's
changed outputs (the disk it takes) and a corrupt object's repair.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from dvc_data.hashfile.hash import file_md5

from tests.integration.project import Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cache_links")]
MONTH = "2025-12"
LABELS = f"data/labels/{MONTH}.parquet"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project.committed_month(tmp_path_factory.mktemp("links"), MONTH)


def lock_outs(project: Project) -> dict[str, str]:
    """Cached outputs (data/, reports/) and their md5; metrics and plots are git-tracked, not cached."""
    return {o["path"]: o["md5"] for stage in project.lock_stages().values() for o in stage.get("outs", [])
            if o["path"].startswith(("data/", "reports/"))}


def cache_object(project: Project, md5: str):
    return project.root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]


def disk_used(project: Project) -> int:
    """Bytes the project takes on disk, each hard-linked file counted once (as `du` does)."""
    return int(subprocess.run(["du", "-s", "-B1", str(project.root)], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def test_outputs_are_read_only_links_to_their_cache_objects(project):
    linked = 0
    for path, md5 in lock_outs(project).items():
        output = project.root / path
        if output.is_file():
            assert os.path.samefile(output, cache_object(project, md5)), path
            assert not os.access(output, os.W_OK) or os.geteuid() == 0, path
            linked += 1
    assert linked >= 8  # filtered, labels, features, three notebooks and three pages at least


def test_a_rerun_with_changed_params_leaves_the_old_cache_object_intact(project):
    before = lock_outs(project)
    old_object = cache_object(project, before[LABELS])
    used = disk_used(project)
    label_yaml = project.root / "params" / "label.yaml"
    label_yaml.write_text(label_yaml.read_text().replace("timeout_seconds: 900", "timeout_seconds: 600"))
    project.dvc("repro")
    after = lock_outs(project)
    assert after[LABELS] != before[LABELS]
    assert file_md5(str(old_object)) == before[LABELS]  # never written in place
    assert os.path.samefile(project.root / LABELS, cache_object(project, after[LABELS]))
    changed = sum((project.root / p).stat().st_size if (project.root / p).is_file()
                  else sum(f.stat().st_size for f in (project.root / p).rglob("*") if f.is_file())
                  for p in after if after[p] != before.get(p))
    assert disk_used(project) - used <= 1.2 * changed + 1_000_000  # no copies (+ small git-tracked files)
    project.git("checkout", "HEAD", "--", "params", "dvc.lock", "pipelines", "metrics", "plots")
    project.dvc("checkout")
    assert os.path.samefile(project.root / LABELS, old_object)
    assert project.changed_stages() == set()


def test_checkout_relinks_a_removed_output(project):
    output = project.root / LABELS
    output.unlink()
    project.dvc("checkout", LABELS)
    assert os.path.samefile(output, cache_object(project, lock_outs(project)[LABELS]))
    assert project.es("verify").returncode == 0


def test_a_corrupt_linked_object_is_named_twice_dropped_and_rebuilt(project):
    expected = lock_outs(project)[LABELS]
    obj = cache_object(project, expected)
    os.chmod(obj, 0o644)
    data = bytearray(obj.read_bytes())
    data[len(data) // 2] ^= 0xFF
    obj.write_bytes(bytes(data))  # the workspace output is the same file
    os.chmod(obj, 0o444)
    result = project.es("verify", check=False)
    assert result.returncode != 0
    assert f"cache {obj} ({LABELS})" in result.stderr
    assert f"workspace {project.root / LABELS} ({LABELS})" in result.stderr
    repaired = project.es("verify", "--repair", check=False)
    assert repaired.returncode != 0 and f"removed:  {LABELS}" in repaired.stdout and not obj.exists()
    project.dvc("repro", "-f", "-s", f"pipelines/{MONTH[:4]}/dvc.yaml:label@{MONTH}")
    assert file_md5(str(obj)) == expected
    assert os.path.samefile(project.root / LABELS, obj)
    assert project.es("verify").returncode == 0
