"""Clean up after a month is removed from the month list.

DVC keeps a lock entry for every stage it ever ran and never deletes outputs: after a month
leaves params/months.yaml (and ``es-pipeline months sync`` its year's pipeline file),
``dvc repro`` and ``dvc commit`` leave its ``filter@M``/``label@M``/... entries in its year's
dvc.lock, and their data, executed notebooks and metrics stay in the workspace (``dvc gc -w``
drops only their cache objects). This removes the lock entries of stages their pipeline file no
longer defines, the workspace files they name, and a dropped year's emptied lock file.

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

from es_pipeline.ops.pipelines import check, lock_files


@dataclass(frozen=True)
class StaleOut:
    """One output of a stale lock entry; ``files`` lists a folder output's files (relative to it)."""

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
    """Drop lock entries of stages their pipeline file no longer defines and delete the files they name.

    A file that is, lies under or holds a current stage's output is kept. A dropped year's lock file
    (its pipeline file gone, see pipelines.py) goes once it holds nothing.
    """
    from dvc.repo import Repo
    from dvc.utils.serialize import load_yaml, modify_yaml

    root = Path(root).resolve()
    check(root)  # a year's file still listing a dropped month would keep its stages "current"
    pruned = Pruned()
    with Repo(str(root)) as repo:
        defined = {(Path(stage.path).with_name("dvc.lock"), stage.name) for stage in repo.index.stages}
        current = {Path(out.fs_path).relative_to(root).as_posix() for stage in repo.index.stages
                   for out in stage.outs}
        cache = Path(repo.cache.local.path)
    stale: dict[Path, list[str]] = {}
    outs: list[StaleOut] = []
    for lock in lock_files(root):
        stages = load_yaml(str(lock)).get("stages", {})
        names = sorted(name for name in stages if (lock, name) not in defined)
        if names:
            stale[lock] = names
            pruned.stages += names
            outs += [_stale_out(root, o, cache) for name in names for o in stages[name].get("outs", [])]
    pruned.paths, pruned.kept = removable(outs, current)
    if dry_run or not pruned.stages:
        return pruned
    for lock, names in stale.items():
        with modify_yaml(str(lock)) as data:
            for name in names:
                del data["stages"][name]
        if not data["stages"] and not lock.with_name("dvc.yaml").exists():
            lock.unlink()
            if not any(lock.parent.iterdir()):
                lock.parent.rmdir()
    _remove(root, pruned.paths, current)
    return pruned
