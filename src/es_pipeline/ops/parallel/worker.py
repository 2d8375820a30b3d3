"""What a Dask worker does with one stage: run its DVC command, here or in its own clone.

``run_here`` is for workers that share the caller's filesystem: it runs the stage's command
in the caller's workspace (an ``es-pipeline`` command inside the worker process, see in_worker.py)
and leaves recording to the caller (``dvc commit`` of that stage).
``run_in_clone`` is for workers that share nothing but git and the DVC remote: it reproduces
the stage with ``dvc repro --single-item`` in a clone of its own, pushes the outputs (and the
run-cache) to the remote, and hands back the stage's lock entry for the caller to record.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.logs import timed_total
from es_pipeline.ops import pipelines
from es_pipeline.ops.parallel import outputs
from es_pipeline.ops.parallel.in_worker import es_pipeline_args, run_in_worker
from es_pipeline.ops.parallel.plan import StageTask

if TYPE_CHECKING:
    from dvc.repo import Repo
    from dvc.stage import Stage

LOG_TAIL = 30  # lines of a failed command's output carried back to the caller
# the notebook runner's own account, which includes a kernel forked from the warm zygote (not our descendant)
REPORTED_PEAK = re.compile(r"peak RSS (\d+) MB")


class StageFailed(PipelineError):
    """A stage command failed on a worker; says where its log and executed notebook are."""

    def __init__(self, stage: str, where: str, log_tail: str):
        self.stage, self.where, self.log_tail = stage, where, log_tail
        super().__init__(stage, where, log_tail)

    def __str__(self) -> str:
        return f"{self.stage} failed on {self.where}:\n{self.log_tail}"


def _worker_name() -> str:
    from distributed import get_worker

    try:
        return get_worker().address
    except ValueError:  # not inside a Dask worker (direct call)
        return f"{socket.gethostname()}:{os.getpid()}"


def _run(args: list[str] | str, cwd: Path, task: StageTask, shell: bool = False) -> tuple[float, str]:
    """Run a command; returns its peak RSS in MB (its process tree from wait4, or what the runner reports) and its
    output."""
    proc = subprocess.Popen(args, cwd=cwd, shell=shell, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, executable=os.environ.get("SHELL") if shell else None)
    assert proc.stdout is not None  # stdout=PIPE
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise _failed(task, cwd, output)
    return _peak(usage.ru_maxrss / 1024, output), output


def _failed(task: StageTask, cwd: Path, output: str) -> StageFailed:
    notebooks = [o for o in task.outs if o.endswith(".ipynb")]
    where = f"{socket.gethostname()}:{cwd}" + (f" (notebook {', '.join(notebooks)})" if notebooks else "")
    return StageFailed(task.name, where, "\n".join(output.splitlines()[-LOG_TAIL:]))


def _peak(measured_mb: float, output: str) -> float:
    return max([measured_mb, *(float(mb) for mb in REPORTED_PEAK.findall(output))])


def _run_command(task: StageTask, cwd: Path) -> tuple[float, str]:
    """The stage's command in ``cwd``: inside this worker process when it is an ``es-pipeline`` call
    (see in_worker.py), else through the shell. Returns (peak RSS in MB, output); raises StageFailed."""
    args = es_pipeline_args(task.cmd)
    ran = run_in_worker(args, cwd) if args is not None else None
    if ran is None:
        return _run(task.cmd, cwd, task, shell=True)
    status, output, peak_mb = ran
    if status != 0:
        raise _failed(task, cwd, output)
    return _peak(peak_mb, output), output


def _unchanged(task: StageTask, start: float, lock: dict[str, Any]) -> dict[str, Any]:
    return {"stage": task.name, "seconds": time.perf_counter() - start, "peak_mb": 0.0, "compute": 0.0,
            "worker": _worker_name(), "lock": lock, "unchanged": True}


def _workspace_hashes(root: Path, task: StageTask) -> dict[str, str]:
    """md5 (as DVC computes it) of each recorded input as the workspace holds it now ("" if it is not a file)."""
    from dvc_data.hashfile.hash import file_md5

    return {path: file_md5(str(root / path)) if (root / path).is_file() else "" for path, _ in task.recorded}


def run_here(root: str, task: StageTask, *upstream: dict[str, Any]) -> dict[str, Any]:
    """Run the stage's command in the shared workspace ``root``; the caller commits it.

    Skipped, as ``dvc repro`` would, when its upstream wrote its inputs again with the recorded bytes.
    Its previous outputs stay aside until the command succeeds and come back if it fails.
    """
    start, workspace = time.perf_counter(), Path(root)
    if task.inputs_as_recorded(_workspace_hashes(workspace, task)):
        return _unchanged(task, start, {})
    outputs.set_aside(workspace, task.outs)
    try:
        peak_mb, output = _run_command(task, workspace)
    except BaseException:
        outputs.put_back(workspace, task.outs)
        raise
    outputs.drop(workspace, task.outs)
    return {"stage": task.name, "seconds": time.perf_counter() - start, "peak_mb": peak_mb,
            "compute": timed_total(output),
            "worker": _worker_name(), "lock": {}}


def _clone_dir(git_url: str) -> Path:
    """One clone per repository and worker thread, under ES_PIPELINE_WORKDIR (default: cwd)."""
    base = Path(os.environ.get("ES_PIPELINE_WORKDIR", Path.cwd())) / "es-pipeline-clones"
    key = hashlib.sha1(git_url.encode()).hexdigest()[:10]
    return base / f"{key}-{os.getpid()}-{threading.get_ident()}"


def _checkout(git_url: str, ref: str, task: StageTask) -> Path:
    clone = _clone_dir(git_url)
    if not (clone / ".git").exists():
        clone.parent.mkdir(parents=True, exist_ok=True)
        _run(["git", "clone", "-q", "--no-checkout", git_url, str(clone)], clone.parent, task)
    _run(["git", "fetch", "-q", "origin", ref], clone, task)
    _run(["git", "checkout", "-q", "--force", "FETCH_HEAD"], clone, task)
    return clone


def collect(repo: Repo, names: list[str]) -> list[Stage]:
    """Pipeline stages by name, wherever the current directory is, from one read of each pipeline file they are in.

    ``repo.stage.collect`` reads and resolves the pipeline and lock files again for every stage: half a
    minute for a batch of 50 at 185 months, in the child that records it.
    """
    from dvc.dvcfile import load_file

    files: dict[str, Any] = {}
    for name in names:
        if (path := pipelines.dvcfile_of(name)) not in files:
            files[path] = load_file(repo, str(Path(repo.root_dir) / path)).stages
    return [files[pipelines.dvcfile_of(name)][name] for name in names]


def dump_per_file(stages: list[Stage]) -> None:
    """Write the stages' lock entries: one write of each lock file they belong to."""
    by_file: dict[str, list[Stage]] = {}
    for stage in stages:
        by_file.setdefault(stage.dvcfile.path, []).append(stage)
    for same_file in by_file.values():
        same_file[0].dvcfile.dump_stages(same_file, update_pipeline=False)


def record_lock_entries(root: str | Path, entries: dict[str, dict[str, Any]]) -> None:
    """Write stage lock entries into their lock files through DVC's own loader and dumper."""
    from dvc.repo import Repo
    from dvc.stage.loader import StageLoader

    if not entries:
        return
    with Repo(str(root)) as repo, repo.lock:
        stages = collect(repo, list(entries))
        for stage, entry in zip(stages, entries.values(), strict=True):
            StageLoader.fill_from_lock(stage, entry)
        dump_per_file(stages)


def run_in_clone(git_url: str, ref: str, task: StageTask, *upstream: dict[str, Any]) -> dict[str, Any]:
    """Reproduce one stage in this worker's clone; push its outputs; return its lock entry."""
    start = time.perf_counter()
    known = {name: entry for result in upstream for name, entry in result["lock"].items()}
    if task.inputs_as_recorded({o["path"]: o.get("md5") for e in known.values() for o in e.get("outs", [])}):
        return _unchanged(task, start, known)
    clone = _checkout(git_url, ref, task)
    record_lock_entries(clone, known)
    if task.pull:
        _run(["dvc", "pull", "-q", *map(pipelines.addressing, task.pull)], clone, task)
    peak_mb, output = _run(["dvc", "repro", "--single-item", pipelines.addressing(task.name)], clone, task)
    _run(["dvc", "push", "-q", "--run-cache", pipelines.addressing(task.name)], clone, task)
    entry = yaml.safe_load(pipelines.lock_of(clone, task.name).read_text())["stages"][task.name]
    return {"stage": task.name, "seconds": time.perf_counter() - start, "peak_mb": peak_mb,
            "compute": timed_total(output), "worker": _worker_name(), "lock": {**known, task.name: entry}}
