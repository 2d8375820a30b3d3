"""Clean up after a month is removed from the month list.

DVC keeps a ``dvc.lock`` entry for every stage it ever ran and never deletes outputs:
after a month leaves params/months.yaml, ``dvc repro`` and ``dvc commit`` leave its
``filter@M``/``label@M``/``featurize@M`` entries, and their data, executed notebooks and
metrics stay in the workspace (``dvc gc -w`` drops only their cache objects). This removes
the lock entries of stages dvc.yaml no longer defines and the workspace files they name.

A stale entry can name a path the current pipeline still writes into: an old single
``dataset`` stage had the whole ``data/dataset`` folder as its output, where every month's
partition now lives. So a stale output is removed file by file, and only files that lie
under no current output (nor are one, nor hold one) go.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class StaleOut:
    """One output of a stale dvc.lock entry; ``files`` lists a folder output's files (relative to it)."""

    path: str
    files: tuple[str, ...] | None = None


@dataclass
class Pruned:
    stages: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # stale outputs left because current outputs overlap them


def overlaps(path: str, current: set[str]) -> bool:
    """True if ``path`` is, lies under or holds a current output."""
    return any(path == c or path.startswith(f"{c}/") or c.startswith(f"{path}/") for c in current)


def removable(outs: list[StaleOut], current: set[str]) -> tuple[list[str], list[str]]:
    """(files to remove, stale outputs kept whole or in part because a current output overlaps them)."""
    remove, kept = [], []
    for out in outs:
        names = [out.path] if out.files is None else [f"{out.path}/{f}" for f in out.files]
        free = [n for n in names if not overlaps(n, current)]
        remove += free
        if len(free) < len(names):
            kept.append(out.path)
    return remove, kept


def _folder_files(root: Path, out: dict, cache: Path) -> tuple[str, ...]:
    """A stale folder output's files: its ``.dir`` listing if cached, else what the workspace holds."""
    listing = cache / out["md5"][:2] / out["md5"][2:]
    if listing.is_file():
        return tuple(entry["relpath"] for entry in json.loads(listing.read_text()))
    folder = root / out["path"]
    return tuple(str(p.relative_to(folder)) for p in sorted(folder.rglob("*")) if p.is_file())


def _stale_out(root: Path, out: dict, cache: Path) -> StaleOut:
    if str(out.get("md5", "")).endswith(".dir"):
        return StaleOut(out["path"], _folder_files(root, out, cache))
    return StaleOut(out["path"])


def _remove(root: Path, relpaths: list[str], current: set[str]) -> None:
    """Delete the files, then the folders they leave empty (never a current output's)."""
    folders = set()
    for relpath in relpaths:
        path = root / relpath
        path.unlink(missing_ok=True)
        folders |= {str(p) for p in Path(relpath).parents if str(p) != "."}
    for folder in sorted(folders, key=len, reverse=True):
        path = root / folder
        if not overlaps(folder, current) and path.is_dir() and not any(path.iterdir()):
            os.rmdir(path)


def prune(root: str | Path = ".", dry_run: bool = False) -> Pruned:
    """Drop dvc.lock entries of stages no longer in dvc.yaml and delete the files they name.

    A file that is, lies under or holds a current stage's output is kept.
    """
    from dvc.repo import Repo
    from dvc.utils.serialize import load_yaml, modify_yaml

    root = Path(root).resolve()
    pruned = Pruned()
    with Repo(str(root)) as repo:
        names = {stage.name for stage in repo.index.stages}
        current = {Path(out.fs_path).relative_to(root).as_posix() for stage in repo.index.stages
                   for out in stage.outs}
        cache = Path(repo.cache.local.path)
    lock = root / "dvc.lock"
    if not lock.exists():
        return pruned
    stages = load_yaml(str(lock)).get("stages", {})
    pruned.stages = sorted(set(stages) - names)
    outs = [_stale_out(root, o, cache) for name in pruned.stages for o in stages[name].get("outs", [])]
    pruned.paths, pruned.kept = removable(outs, current)
    if dry_run or not pruned.stages:
        return pruned
    with modify_yaml(str(lock)) as data:
        for name in pruned.stages:
            del data["stages"][name]
    _remove(root, pruned.paths, current)
    return pruned
