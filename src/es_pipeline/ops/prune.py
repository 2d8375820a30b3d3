"""Clean up after a month is removed from the month list.

DVC keeps a ``dvc.lock`` entry for every stage it ever ran and never deletes outputs:
after a month leaves params/months.yaml, ``dvc repro`` and ``dvc commit`` leave its
``filter@M``/``label@M``/``featurize@M`` entries, and their data, executed notebooks and
metrics stay in the workspace (``dvc gc -w`` drops only their cache objects). This removes
the lock entries of stages dvc.yaml no longer defines and the workspace files they name.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Pruned:
    stages: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


def prune(root: str | Path = ".", dry_run: bool = False) -> Pruned:
    """Drop dvc.lock entries of stages no longer in dvc.yaml and delete the outputs they list.

    A path that a current stage still declares as an output is kept.
    """
    from dvc.repo import Repo
    from dvc.utils.serialize import load_yaml, modify_yaml

    root = Path(root).resolve()
    pruned = Pruned()
    with Repo(str(root)) as repo:
        current = {stage.name for stage in repo.index.stages}
        kept = {str(Path(out.fs_path).relative_to(root)) for stage in repo.index.stages for out in stage.outs}
    lock = root / "dvc.lock"
    if not lock.exists():
        return pruned
    stages = load_yaml(str(lock)).get("stages", {})
    for name in sorted(set(stages) - current):
        pruned.stages.append(name)
        pruned.paths += [o["path"] for o in stages[name].get("outs", []) if o["path"] not in kept]
    if dry_run or not pruned.stages:
        return pruned
    with modify_yaml(str(lock)) as data:
        for name in pruned.stages:
            del data["stages"][name]
    for relpath in pruned.paths:
        path = root / relpath
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return pruned
