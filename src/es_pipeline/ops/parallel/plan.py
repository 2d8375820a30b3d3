"""What to run: the stale per-month stages, their order, and their commands, all from DVC itself.

A stage stale only because a stage it reads is stale may find, once that one has run, its inputs
exactly as recorded (the same bytes written again): like ``dvc repro``, the worker then skips it,
so each task carries whether DVC itself reported it changed and the input hashes dvc.lock holds.

Stage commands, outputs and dependencies come from DVC's parsed pipeline (``Repo.index``), so
a parallel run executes exactly what ``dvc repro`` would. Per-month stages are the ``foreach``
ones (``name@YYYY-MM``, in pipelines/<year>/dvc.yaml). The other stale stages run through
``dvc repro``: those the per-month stages read (the ``code-<step>`` fingerprints) before them,
the rest (decay, report) after.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dvc.stage import Stage

from es_pipeline.core.errors import PipelineError, storage_failure
from es_pipeline.ops.pipelines import is_per_month


@dataclass(frozen=True)
class StageTask:
    """One stale per-month stage: its command and the stages it waits for."""

    name: str                       # e.g. "label@2025-11"
    cmd: str
    outs: tuple[str, ...]           # workspace-relative paths, set aside while the command runs (not persist ones)
    after: tuple[str, ...]          # stale per-month stages that must finish first
    pull: tuple[str, ...]           # every upstream stage whose outputs the command reads
    changed: bool = True            # DVC reports the stage itself changed; False: stale only through `after`
    recorded: tuple[tuple[str, str], ...] = ()  # (path, md5) of each workspace dependency as dvc.lock has it

    def inputs_as_recorded(self, current: dict[str, str]) -> bool:
        """True if this stage need not run: DVC saw no change of its own and every input ``current``
        knows (path -> md5 now) still has its recorded hash (inputs it does not know were not rewritten)."""
        return not self.changed and all(current.get(path, md5) == md5 for path, md5 in self.recorded)

    @property
    def stage(self) -> str:
        return self.name.split("@")[0]

    @property
    def month(self) -> str:
        return self.name.split("@", 1)[1]


@dataclass(frozen=True)
class Plan:
    """The stale per-month stages as tasks, and the other stale stages (left to ``dvc repro``)."""

    tasks: list[StageTask]
    rest: tuple[str, ...]
    first: tuple[str, ...] = ()     # stale stages that per-month stages read: run before planning tasks

    @property
    def nothing_to_do(self) -> bool:
        return not self.tasks and not self.rest and not self.first


def _cmd(stage: Stage) -> str:
    return stage.cmd if isinstance(stage.cmd, str) else " && ".join(stage.cmd)


def plan(root: str | Path) -> Plan:
    """The stale stages (changed, or downstream of a changed stage), per-month ones in dependency order.

    What stops DVC from telling (its lock held by another dvc command, a remote dependency that
    cannot be hashed) is one line, as ``dvc status`` prints it; ES_PIPELINE_DEBUG=1 shows the chain.
    """
    from dvc.exceptions import DvcException

    try:
        return _plan(root)
    except DvcException as exc:
        raise PipelineError(f"dvc status in {root}: {str(exc).splitlines()[0]}") from exc
    except Exception as exc:  # what the remote's filesystem (s3fs, botocore) raised hashing a remote://raw dep
        raise PipelineError(f"dvc status in {root}: a remote dependency cannot be read: "
                            f"{storage_failure(exc)}") from exc


def _plan(root: str | Path) -> Plan:
    import networkx as nx
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        graph = repo.index.graph  # edges point from a stage to the stages it depends on
        changed = set(repo.status())  # takes DVC's repo lock itself
        stale: set[Stage] = set()
        for stage in graph.nodes:
            if stage.addressing in changed:  # status keys are addressings, relative to the cwd
                stale |= {stage, *nx.ancestors(graph, stage)}
        tasks: list[StageTask] = []
        rest: list[str] = []
        first: list[str] = []
        for stage in reversed(list(nx.topological_sort(graph))):
            if stage not in stale:
                continue
            if not is_per_month(stage.name or ""):
                read_by_months = any(is_per_month(s.name or "") for s in nx.ancestors(graph, stage))
                (first if read_by_months else rest).append(stage.name)
                continue
            upstream = sorted(nx.descendants(graph, stage), key=lambda s: s.name)
            tasks.append(StageTask(
                name=stage.name, cmd=_cmd(stage), outs=tuple(str(o.def_path) for o in stage.outs if not o.persist),
                after=tuple(s.name for s in upstream if s in stale and is_per_month(s.name or "")),
                pull=tuple(s.name for s in upstream), changed=stage.addressing in changed,
                recorded=tuple((str(d.def_path), d.hash_info.value) for d in stage.deps
                               if d.is_in_repo and d.hash_info and d.hash_info.value)))
        return Plan(tasks, tuple(rest), tuple(first))
