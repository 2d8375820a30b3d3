"""``es-pipeline exp run``: a parameter experiment on the Dask path, saved as an ordinary DVC experiment.

``dvc exp run`` records each stage by re-dumping the whole ``dvc.lock`` (~35 s a stage at 185
months, hours for one label change). Here the change is applied with DVC's own ``-S`` parser
(sweeps included, so the params files get the same bytes), the stale stages run through
``es-pipeline repro`` (one Dask cluster, batched recording), and ``dvc exp save`` records the
result, so ``dvc exp show/diff/apply/branch/remove/push`` see it like any other experiment.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from es_pipeline.core.errors import PipelineError
from es_pipeline.ops.parallel.lock import workspace_lock

WORKING_COPIES = Path(".dvc") / "tmp" / "es-pipeline-exps"  # git-ignored, and never part of DVC's workspace
QUEUE = Path(".dvc") / "tmp" / "es-pipeline-queue.json"


@dataclass(frozen=True)
class Experiment:
    name: str | None
    overrides: dict[str, list[str]]  # params file -> Hydra overrides, as `dvc exp run -S` groups them

    def describe(self) -> str:
        return " ".join(f"{path}:{value}" for path, values in self.overrides.items() for value in values)


def expand(sets: list[str], name: str | None = None) -> list[Experiment]:
    """``-S`` values as DVC reads them: one experiment, or one per point of a sweep (``key=1,2,3``)."""
    from dvc.exceptions import InvalidArgumentError
    from dvc.utils.cli_parse import to_path_overrides
    from dvc.utils.hydra import get_hydra_sweeps, to_hydra_overrides

    overrides = to_path_overrides(sets)
    try:
        sweep = any(o.is_sweep_override() for values in overrides.values() for o in to_hydra_overrides(values))
        points = get_hydra_sweeps(overrides) if sweep else [overrides]
    except InvalidArgumentError as exc:
        raise PipelineError(f"-S {' '.join(sets)}: {exc}") from None
    except Exception as exc:  # Hydra's parser raises its own errors for a malformed override
        raise PipelineError(f"-S {' '.join(sets)}: not a valid override ({exc})") from None
    if not sweep:
        return [Experiment(name, overrides)]
    return [Experiment(f"{name}-{i}" if name else None, point) for i, point in enumerate(points, 1)]


def apply(root: Path, experiment: Experiment) -> None:
    """Write the overrides into the params files, exactly as ``dvc exp run -S`` does."""
    from dvc.exceptions import InvalidArgumentError
    from dvc.utils.hydra import apply_overrides

    for path, values in experiment.overrides.items():
        target = root / path
        if not target.is_file():
            raise PipelineError(f"-S {path}:...: {target} is not a params file")
        try:
            apply_overrides(target, values)
        except InvalidArgumentError as exc:
            cause = exc.__cause__ or exc
            raise PipelineError(f"-S {experiment.describe()}: {cause}") from None


def save(root: Path, name: str | None) -> str:
    """``dvc exp save``: the workspace (params, dvc.lock, metrics, plots) as an experiment of HEAD."""
    command = ["dvc", "exp", "save", *(["-n", name] if name else [])]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    saved = re.search(r"saved as: (\S+)", result.stdout)
    if result.returncode != 0 or not saved:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PipelineError(f"`{' '.join(command)}` failed in {root}: {tail[0]}")
    return saved.group(1)


def run_in_workspace(experiment: Experiment, reproduce: Callable[[], int], root: Path = Path(".")) -> str | None:
    """Apply, reproduce, save: the workspace is left in the experiment's state, as ``dvc exp run`` leaves it.

    All under the workspace's repro lock: a run already going there is never handed changed params.
    """
    with workspace_lock(root):
        apply(root, experiment)
        if reproduce() != 0:
            return None
        return save(root, experiment.name)


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise PipelineError(f"`git {' '.join(args)}` failed in {root}: {done.stderr.strip()}")
    return done.stdout.strip()


def working_copy(root: Path, label: str) -> Path:
    """A git worktree of HEAD sharing ``root``'s DVC cache and remotes, its outputs linked from that cache.

    What ``dvc exp run --queue`` makes for each run, without copying the history: the project's
    cache link type (``.dvc/config``) links every output, so a copy costs inodes, not bytes.
    """
    from dvc.repo import Repo

    path = root / WORKING_COPIES / label
    if path.exists():
        remove_working_copy(root, path)
    _git(root, "worktree", "add", "--detach", "-q", str(path), "HEAD")
    local = root / ".dvc" / "config.local"
    if local.exists():
        shutil.copy(local, path / ".dvc" / "config.local")  # credentials and remotes set only here
    with Repo(str(root)) as repo:
        cache_dir = repo.cache.local_cache_dir
        remotes = {name: str(conf["url"]) for name, conf in repo.config["remote"].items()}
    with Repo(str(path)) as copy, copy.config.edit("local") as conf:
        conf.setdefault("cache", {})["dir"] = cache_dir
        for name, url in remotes.items():
            if Path(url).is_absolute():  # a folder remote named relative to .dvc/ would point into the copy
                conf.setdefault("remote", {}).setdefault(name, {})["url"] = url
    result = subprocess.run(["dvc", "checkout", "-q"], cwd=path, capture_output=True, text=True)
    if result.returncode != 0:
        raise PipelineError(f"`dvc checkout` in the working copy {path} failed: {result.stderr.strip()[-300:]}")
    return path


def remove_working_copy(root: Path, path: Path) -> None:
    _git(root, "worktree", "remove", "--force", str(path))


@contextmanager
def shared_scheduler(jobs: int | None, scheduler: str | None) -> Iterator[str]:
    """The address every experiment's ``es-pipeline repro`` submits to: the given one, or a LocalCluster's."""
    if scheduler:
        yield scheduler
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        yield cluster.scheduler_address


def _reproduce(copy: Path, label: str, address: str, echo: Callable[[str], None]) -> int:
    """``es-pipeline repro --scheduler`` in one working copy, its lines prefixed with the experiment."""
    proc = subprocess.Popen([sys.executable, "-m", "es_pipeline.cli", "repro", "--scheduler", address], cwd=copy,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        echo(f"[{label}] {line.rstrip()}")
    return proc.wait()


def run_queue(root: Path, experiments: list[Experiment], jobs: int | None, scheduler: str | None,
              echo: Callable[[str], None] = print) -> dict[str, str | None]:
    """Several experiments at once, each in its own working copy, their stages on one Dask cluster.

    Each copy's ``es-pipeline repro`` plans its own stale stages (a label sweep reruns labels and
    partitions, never filter or featurize) and submits them to the shared scheduler, so the workers
    stay busy across experiments; each is saved as it finishes. The workspace is left as it was.
    Returns label -> the saved experiment's name (None: it failed; its working copy is kept).
    """
    labels = [e.name or f"exp-{i}" for i, e in enumerate(experiments, 1)]
    copies = {label: working_copy(root, label) for label in labels}
    for label, experiment in zip(labels, experiments, strict=True):
        apply(copies[label], experiment)
        echo(f"[{label}] {experiment.describe()} in {copies[label]}")
    saved: dict[str, str | None] = {}
    saving = threading.Lock()  # experiment refs live in the one git repository: one save at a time

    def one(label: str, experiment: Experiment) -> None:
        code = _reproduce(copies[label], label, address, echo)
        with saving:
            saved[label] = save(copies[label], experiment.name) if code == 0 else None

    with shared_scheduler(jobs, scheduler) as address:
        threads = [threading.Thread(target=one, args=pair) for pair in zip(labels, experiments, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for label, name in saved.items():
        if name is not None:
            remove_working_copy(root, copies[label])
    return saved


def enqueue(root: Path, experiments: list[Experiment]) -> list[Experiment]:
    """Add experiments to the workspace's queue (``es-pipeline exp queue start`` runs them together)."""
    queued = queued_experiments(root) + experiments
    path = root / QUEUE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{"name": e.name, "overrides": e.overrides} for e in queued], indent=1))
    return queued


def queued_experiments(root: Path) -> list[Experiment]:
    path = root / QUEUE
    if not path.exists():
        return []
    return [Experiment(entry["name"], entry["overrides"]) for entry in json.loads(path.read_text())]


def clear_queue(root: Path) -> None:
    (root / QUEUE).unlink(missing_ok=True)
