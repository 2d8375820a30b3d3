"""``es-pipeline repro --jobs N | --scheduler ADDR``: the caller's side of a parallel run.

1. DVC says which per-month stages are stale (plan.py); each becomes one Dask task that waits
   for the tasks of the stages it reads (label/featurize after filter, dataset after all three).
2. Workers run them (worker.py). As results arrive, the caller records them in their lock files through
   DVC's API, in a child process (record.py): ``stage.save()`` + ``stage.commit()`` of outputs the
   shared workspace holds, or the lock entries handed back by workers in their own clones (then
   ``dvc pull``).
   Workers that share no filesystem get the workspace state through a git ref and the outputs
   they read through the DVC remote, and hand back lock entries (see worker.py).
3. If every month succeeded, a plain ``dvc repro`` runs what is left (decay, report): the
   per-month stages are already recorded, so DVC skips them.
A failed stage fails its month alone; its downstream stages are skipped, the rest go on, and
a rerun does only what is left because only successful stages were recorded.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.params import load_market, load_months, load_step
from es_pipeline.ops import pipelines
from es_pipeline.ops.parallel.lock import workspace_lock
from es_pipeline.ops.parallel.outputs import restore_leftovers
from es_pipeline.ops.parallel.plan import Plan, StageTask, plan
from es_pipeline.ops.parallel.record import Recorder
from es_pipeline.ops.parallel.worker import StageFailed, run_here, run_in_clone

if TYPE_CHECKING:
    from distributed import Client, Future


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # inputs written again with the recorded bytes: not run
    failed: dict[str, StageFailed] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{len(self.failed)} stage(s) failed, {len(self.skipped)} skipped after them:"]
        for name, error in sorted(self.failed.items()):
            lines.append(f"  {name}: on {error.where}\n    " + "\n    ".join(error.log_tail.splitlines()[-5:]))
        if self.skipped:
            lines.append(f"  skipped: {', '.join(sorted(self.skipped))}")
        months = sorted({name.split("@", 1)[1] for name in self.failed})
        lines.append(f"failed month(s): {', '.join(months)}; rerun `es-pipeline repro` once fixed")
        return "\n".join(lines)


def _git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def _publish(root: Path, git_remote: str) -> tuple[str, str]:
    """Push the workspace's state (tracked edits, pipeline and lock files, committed or not) to a ref workers fetch.

    A copy of the user's index builds the commit, so their index and branch are left alone.
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        shutil.copy(root / _git(root, "rev-parse", "--git-path", "index"), env["GIT_INDEX_FILE"])
        _git(root, "add", "-u", env=env)
        _git(root, "add", "-f", "--", *[p for p in ("dvc.lock", "params", "pipelines") if (root / p).exists()], env=env)
        tree = _git(root, "write-tree", env=env)
    sha = _git(root, "commit-tree", tree, "-p", "HEAD", "-m", "es-pipeline repro: workspace state")
    ref = f"refs/es-pipeline/{sha}"
    _git(root, "push", "-q", git_remote, f"+{sha}:{ref}")
    return _git(root, "remote", "get-url", git_remote), ref


def _submit(client: Client, tasks: list[StageTask], run: Callable[..., dict[str, Any]], *args: str,
            ) -> dict[str, Future[dict[str, Any]]]:
    """One task per stage, waiting on the tasks of the stale stages it reads (Dask dependencies)."""
    futures: dict[str, Future[dict[str, Any]]] = {}
    run_id = uuid.uuid4().hex[:8]
    for task in tasks:
        upstream = [futures[name] for name in task.after]
        futures[task.name] = client.submit(run, *args, task, *upstream, key=f"{task.name}-{run_id}", pure=False)
    return futures


def _dvc(root: Path, *args: str) -> None:
    if subprocess.run(["dvc", *args], cwd=root).returncode != 0:
        raise PipelineError(f"`dvc {' '.join(args)}` failed in {root} (its output is above)")


def run_parallel(client: Client, todo: Plan, root: str | Path = ".", git_remote: str | None = None,
                 echo: Callable[[str], None] = print) -> Outcome:
    """Run the planned per-month stages on ``client``'s cluster, record them, then ``dvc repro`` the rest."""
    from distributed import as_completed

    root = Path(root).resolve()
    tasks = todo.tasks
    echo(f"{len(tasks)} stale per-month stage(s)" + (f"; dashboard {client.dashboard_link}"
                                                     if client.dashboard_link else ""))
    if git_remote:
        upstream_done = sorted({u for t in tasks for u in t.pull} - {t.name for t in tasks})
        if upstream_done:  # workers pull what they read from the remote
            _dvc(root, "push", "-q", *map(pipelines.addressing, upstream_done))
        futures = _submit(client, tasks, run_in_clone, *_publish(root, git_remote))
    else:
        futures = _submit(client, tasks, run_here, str(root))
    outcome, recorder = Outcome(), Recorder(root, handed_back=bool(git_remote))
    names = {future.key: name for name, future in futures.items()}
    for batch in as_completed(list(futures.values())).batches():
        results = []
        for future in batch:
            name = names[future.key]
            if future.status != "error":
                results.append(future.result())
                continue
            error = future.exception()
            if isinstance(error, StageFailed) and error.stage != name:
                outcome.skipped.append(name)  # a stage it reads failed
                continue
            if not isinstance(error, StageFailed):  # e.g. the worker died
                error = StageFailed(name, "the Dask cluster", repr(error))
            outcome.failed[name] = error
            echo(f"[{len(outcome.done)}/{len(tasks)}] FAILED {name} on {error.where}")
        for result in results:
            stage, month = result["stage"].split("@", 1)
            if result.get("unchanged"):
                outcome.unchanged.append(result["stage"])
                echo(f"[{len(outcome.done)}/{len(tasks)}] {month} {stage:<10} skipped: its inputs are as recorded")
                continue
            outcome.done.append(result["stage"])
            echo(f"[{len(outcome.done)}/{len(tasks)}] {month} {stage:<10} {result['seconds']:7.1f} s "
                 f"{result['peak_mb']:7.0f} MB {result['compute']:6.1f} s compute  {result['worker']}")
        recorder.add([r for r in results if not r.get("unchanged")])
    recorder.finish()
    if git_remote and outcome.done:
        _dvc(root, "pull", "-q", *map(pipelines.addressing, outcome.done))
    if not outcome.failed and not outcome.skipped:
        _dvc(root, "repro")
    return outcome


PARAM_STEPS = ("filter", "label", "featurize", "dataset", "report")


def check_params(params_dir: Path) -> None:
    """Every params file, validated before DVC reads any: a bad value or a YAML error is one line."""
    load_market(params_dir)
    load_months(params_dir)
    for step in PARAM_STEPS:
        load_step(step, params_dir)


def repro(jobs: int | None = None, scheduler: str | None = None, git_remote: str | None = None,
          root: str | Path = ".") -> int:
    """The CLI entry: one run per workspace at a time (``workspace_lock``), then ``_repro``."""
    root = Path(root).resolve()
    with workspace_lock(root):
        restored = restore_leftovers(root)
        if restored:
            print(f"put back {len(restored)} output(s) a killed run had set aside: {', '.join(restored)}", flush=True)
        check_params(root / "params")
        pipelines.check(root)
        return _repro(jobs, scheduler, git_remote, root)


def _repro(jobs: int | None, scheduler: str | None, git_remote: str | None, root: Path) -> int:
    """A LocalCluster of ``jobs`` processes, or the scheduler at ``scheduler``.

    The plan comes first: with nothing stale no cluster starts (a no-op run costs one status).
    Stale stages the per-month ones read (code-<step> fingerprints) run first, then DVC plans
    again: only the months whose step really changed are stale.
    """
    from distributed import Client, LocalCluster

    todo = plan(root)
    if todo.first:
        print(f"dvc repro {' '.join(todo.first)} (read by the per-month stages)", flush=True)
        _dvc(root, "repro", *todo.first)
        todo = plan(root)
    if todo.nothing_to_do:
        print("nothing to do: every stage is up to date", flush=True)
        return 0
    if not todo.tasks:
        print(f"0 stale per-month stage(s); dvc repro {' '.join(todo.rest)}", flush=True)
        _dvc(root, "repro")
        return 0
    if scheduler:
        client = Client(scheduler, timeout="60s")
        try:
            client.wait_for_workers(1, timeout=300)
        except TimeoutError:
            client.close()
            raise PipelineError(f"no Dask worker joined the scheduler {scheduler} within 300 s") from None
        cluster = None
    else:
        # silence_logs: a failed stage is reported once, in the summary; Dask's own "Compute Failed" log
        # of the same exception printed a Python traceback per failed stage
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
        client = Client(cluster)
    try:
        outcome = run_parallel(client, todo, root, git_remote, echo=lambda line: print(line, flush=True))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if outcome.failed or outcome.skipped:
        print(outcome.summary(), file=sys.stderr)
        return 1
    return 0
