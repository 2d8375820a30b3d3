"""A stage's previous outputs, kept until its command has written new ones.

``dvc repro`` removes a stage's outputs (all but ``persist`` ones) before running its command, so
that no stale file survives in a folder output; their bytes are still in the cache. A parallel
run does the same but moves them aside instead (``.dvc/tmp/es-pipeline-previous/``): when the
command fails, every output it did not write again goes back where it was, so a bad raw month,
an unreachable remote or a killed worker never leaves a month without its last good outputs.
What a killed run left aside is put back by the next run before it plans.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ASIDE = Path(".dvc") / "tmp" / "es-pipeline-previous"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def set_aside(root: Path, outs: tuple[str, ...]) -> None:
    """Move each existing output out of the command's way."""
    for out in outs:
        path, kept = root / out, root / ASIDE / out
        if path.exists() or path.is_symlink():
            kept.parent.mkdir(parents=True, exist_ok=True)
            _remove(kept)
            shutil.move(path, kept)


def put_back(root: Path, outs: tuple[str, ...]) -> None:
    """After a failed command: each output it did not write again is restored, the rest dropped."""
    for out in outs:
        path, kept = root / out, root / ASIDE / out
        if not (kept.exists() or kept.is_symlink()):
            continue
        if path.exists():
            _remove(kept)
        else:
            shutil.move(kept, path)


def drop(root: Path, outs: tuple[str, ...]) -> None:
    """After a successful command: the previous outputs are no longer needed."""
    for out in outs:
        _remove(root / ASIDE / out)


def restore_leftovers(root: Path) -> list[str]:
    """Put back what a killed run left aside where the workspace has nothing; returns what came back."""
    base, restored = root / ASIDE, []
    todo = sorted(base.iterdir()) if base.is_dir() else []
    while todo:
        kept = todo.pop(0)
        relpath = kept.relative_to(base)
        path = root / relpath
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(kept, path)
            restored.append(relpath.as_posix())
        elif path.is_dir() and kept.is_dir() and not kept.is_symlink():
            todo = sorted(kept.iterdir()) + todo
    if base.is_dir():
        shutil.rmtree(base)
    return restored
