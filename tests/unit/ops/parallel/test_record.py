"""The caller records finished stages in a child process and says so when that fails."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from es_pipeline.core.errors import PipelineError
from es_pipeline.ops.parallel.record import Recorder, commit_here

LINKED = ["dvc", "config", "cache.type", "reflink,hardlink,copy"]  # as the project's .dvc/config


def test_adding_a_batch_returns_while_the_child_records_and_finish_reports_its_failure(tmp_path):
    recorder = Recorder(tmp_path, handed_back=False)  # not a DVC project: recording must fail
    with pytest.raises(PipelineError, match=r"recording finished stages in the lock files of .* failed"):
        recorder.add([{"stage": "label@2025-11", "lock": {}}])
        assert recorder.child is not None and recorder.pending == {}  # handed over, not done here
        recorder.add([{"stage": "featurize@2025-11", "lock": {}}])  # raises here if the child already failed
        recorder.finish()


def test_nothing_finished_starts_no_child(tmp_path):
    recorder = Recorder(tmp_path, handed_back=True)
    recorder.add([])
    recorder.finish()
    assert recorder.child is None


def test_a_new_recording_waits_for_the_interval_and_batches_what_finished_meanwhile(tmp_path):
    now = [100.0]
    recorder = Recorder(tmp_path, handed_back=False, min_interval=30, clock=lambda: now[0])
    recorder.add([{"stage": "filter@2025-11", "lock": {}}])
    first = recorder.child
    first.wait()  # done (failed: not a DVC project), but the next one is not due yet
    recorder.add([{"stage": "label@2025-11", "lock": {}}])
    recorder.add([{"stage": "featurize@2025-11", "lock": {}}])
    assert recorder.child is first and sorted(recorder.pending) == ["featurize@2025-11", "label@2025-11"]
    now[0] += 30
    with pytest.raises(PipelineError, match="recording finished stages"):
        recorder.add([])  # due: collects the first child, which failed


def test_recording_leaves_the_workspace_files_in_place_for_stages_still_reading_them(tmp_path):
    for command in (["git", "init", "-q"], ["dvc", "init", "-q"], LINKED):
        subprocess.run(command, cwd=tmp_path, check=True)
    (tmp_path / "dvc.yaml").write_text("stages:\n  make:\n    cmd: echo data > out.txt\n    outs: [out.txt]\n")
    out = tmp_path / "out.txt"
    out.write_text("data\n")  # as a worker running the command leaves it
    before = out.stat()
    commit_here(tmp_path, ["make"])
    after = out.stat()  # still the file the command wrote: never replaced by a copy from the cache
    assert after.st_ino == before.st_ino and out.read_text() == "data\n"
    lock = yaml.safe_load((tmp_path / "dvc.lock").read_text())["stages"]["make"]
    assert lock["outs"][0]["path"] == "out.txt" and lock["outs"][0]["md5"]
    md5 = lock["outs"][0]["md5"]
    assert os.path.samefile(out, tmp_path / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:])
    status = subprocess.run(["dvc", "status", "-q"], cwd=tmp_path)
    assert status.returncode == 0  # recorded and cached: nothing changed


def test_a_folder_output_is_cached_as_links_of_its_files(tmp_path):
    for command in (["git", "init", "-q"], ["dvc", "init", "-q"], LINKED):
        subprocess.run(command, cwd=tmp_path, check=True)
    (tmp_path / "dvc.yaml").write_text("stages:\n  make:\n    cmd: mkdir -p part\n    outs: [part]\n")
    (tmp_path / "part").mkdir()
    files = {name: tmp_path / "part" / name for name in ("a.parquet", "b.parquet")}
    for name, path in files.items():
        path.write_text(name)
    inodes = {name: path.stat().st_ino for name, path in files.items()}
    commit_here(tmp_path, ["make"])
    cache = tmp_path / ".dvc" / "cache" / "files" / "md5"
    cached = {p.stat().st_ino for p in cache.rglob("*") if p.is_file() and not p.name.endswith(".dir")}
    assert set(inodes.values()) <= cached and {p.stat().st_ino for p in files.values()} == set(inodes.values())
    assert subprocess.run(["dvc", "status", "-q"], cwd=tmp_path).returncode == 0
