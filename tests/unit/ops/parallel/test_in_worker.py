"""An es-pipeline stage command run inside the worker process does what the same command line does
as a new process, and leaves the process (folder, environment, standard streams) as it found it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from es_pipeline.ops.parallel import in_worker
from es_pipeline.ops.parallel.in_worker import es_pipeline_args, run_in_worker
from es_pipeline.ops.parallel.plan import StageTask
from es_pipeline.ops.parallel.worker import StageFailed, run_here

REPO = Path(__file__).resolve().parents[4]
DECAY = "es-pipeline decay --out data/dataset/_decay.csv --params-dir params"


@pytest.mark.parametrize(("cmd", "args"), [
    ("es-pipeline dataset --month 2025-11 --out data/dataset", ["dataset", "--month", "2025-11", "--out",
                                                                "data/dataset"]),
    ("es-pipeline notebook a.ipynb b.ipynb -p name 'two words'", ["notebook", "a.ipynb", "b.ipynb", "-p", "name",
                                                                   "two words"]),
    ("es-pipeline decay && rm -rf data", None),
    ("es-pipeline decay > log.txt", None),
    ("es-pipeline decay --out $HOME/x", None),
    ("dvc repro", None),
    ("python -m es_pipeline.cli decay", None),
])
def test_only_a_plain_es_pipeline_command_line_runs_in_the_worker(cmd, args):
    assert es_pipeline_args(cmd) == args


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(REPO / "params", tmp_path / "params")
    return tmp_path


def test_a_command_in_the_worker_writes_what_the_same_command_writes_as_a_process(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("process")
    shutil.copytree(project / "params", other / "params")
    subprocess.run(DECAY, shell=True, cwd=other, check=True, capture_output=True)
    before = os.getcwd(), dict(os.environ)

    status, output, peak_mb = run_in_worker(es_pipeline_args(DECAY), project)

    assert status == 0
    assert (project / "data/dataset/_decay.csv").read_bytes() == (other / "data/dataset/_decay.csv").read_bytes()
    assert "INFO" in output and "_decay.csv" in output  # its stage log, captured
    assert 1 < peak_mb < 10_000
    assert (os.getcwd(), dict(os.environ)) == before


def test_the_process_streams_are_its_own_again_after_the_command(project, capfd):
    run_in_worker(es_pipeline_args(DECAY), project)
    print("after the stage")
    print("on stderr", file=sys.stderr)
    out, err = capfd.readouterr()
    assert out == "after the stage\n" and err == "on stderr\n"  # nothing of the stage's own log


def test_a_bad_value_and_a_usage_error_fail_with_the_commands_own_message(project):
    (project / "params" / "dataset.yaml").write_text("dataset:\n  decay_rate: -3\n")
    status, output, _ = run_in_worker(es_pipeline_args(DECAY), project)
    assert status == 2 and output.startswith("error: ") and "decay_rate" in output
    status, output, _ = run_in_worker(["decay", "--no-such-option"], project)
    assert status == 2 and "unrecognized arguments: --no-such-option" in output


def test_a_bug_fails_the_stage_with_its_traceback(project, monkeypatch):
    def broken(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("es_pipeline.cli.main", broken)
    status, output, _ = run_in_worker(["decay"], project)
    assert status == 1 and "Traceback" in output and "ZeroDivisionError: a bug" in output


def test_run_here_reports_a_failure_in_the_worker_like_one_in_a_process(project):
    (project / "params" / "dataset.yaml").write_text("dataset:\n  decay_rate: -3\n")
    task = StageTask(name="decay@2025-11", cmd=DECAY, outs=("data/dataset/_decay.csv",), after=(), pull=())
    with pytest.raises(StageFailed) as caught:
        run_here(str(project), task)
    assert "decay_rate" in caught.value.log_tail


def test_a_second_thread_of_the_process_is_told_to_start_a_process(project):
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with in_worker._one_stage:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        assert run_in_worker(es_pipeline_args(DECAY), project) is None
    finally:
        release.set()
        thread.join()
