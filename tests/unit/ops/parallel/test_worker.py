"""A worker runs a stage's command as given; a failure names the stage, host, folder and notebook."""

from __future__ import annotations

import pickle

import pytest

from es_pipeline.ops.parallel.plan import StageTask
from es_pipeline.ops.parallel.worker import StageFailed, run_here


def task(cmd: str, outs=("out/x.txt", "reports/s/2025-11.ipynb")) -> StageTask:
    return StageTask(name="s@2025-11", cmd=cmd, outs=tuple(outs), after=(), pull=())


def test_run_here_removes_outputs_first_then_runs_the_command_in_the_workspace(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.txt").write_text("stale")
    (tmp_path / "out" / "keep.txt").write_text("other")
    result = run_here(str(tmp_path), task("test ! -e out/x.txt && echo fresh > out/x.txt"))
    assert (tmp_path / "out" / "x.txt").read_text() == "fresh\n"
    assert (tmp_path / "out" / "keep.txt").read_text() == "other"
    assert result["stage"] == "s@2025-11" and result["seconds"] > 0 and result["lock"] == {}
    assert 1 < result["peak_mb"] < 10_000
    assert result["compute"] == 0.0  # the command logged no timed step


def test_run_here_reports_the_timed_steps_of_the_stage_log_as_compute(tmp_path):
    log = "echo '06:30:01 INFO read x in 0.25 s'; echo '06:30:02 INFO wrote y in 1.50 s' >&2; echo 'in 9.00 s'"
    assert run_here(str(tmp_path), task(log))["compute"] == 1.75


def test_a_failing_command_raises_a_picklable_error_naming_where_to_look(tmp_path):
    with pytest.raises(StageFailed) as caught:
        run_here(str(tmp_path), task("echo line one; echo 'boom at the end' >&2; exit 3"))
    error = pickle.loads(pickle.dumps(caught.value))  # Dask ships it back to the caller
    assert error.stage == "s@2025-11"
    assert f":{tmp_path} (notebook reports/s/2025-11.ipynb)" in error.where
    assert error.log_tail.splitlines() == ["line one", "boom at the end"]
    assert "s@2025-11 failed on" in str(error)


def test_peak_memory_includes_what_the_runner_reports_for_a_kernel_outside_its_process_tree(tmp_path):
    result = run_here(str(tmp_path),
                      task("echo '12:00:00 INFO x.ipynb -> y: executed in 1.0 s, saved in 0.1 s, peak RSS 4321 MB'"))
    assert result["peak_mb"] == 4321
