"""One ``es-pipeline repro`` per workspace at a time.

DVC locks the repository only while one of its own commands runs; a parallel run lasts much
longer and releases DVC's lock between its steps, so a second run started meanwhile would plan
the same stale stages and delete outputs the first is writing. This lock, beside DVC's own
(``.dvc/tmp``), is held from planning to the last recorded stage; the kernel releases it when its
holder dies, so a killed run never leaves it behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from es_pipeline.core.errors import PipelineError

LOCK_FILE = Path(".dvc") / "tmp" / "es-pipeline-repro.lock"
_held: set[Path] = set()  # workspaces this process holds: an experiment's apply, repro and save nest


@contextmanager
def workspace_lock(root: Path) -> Iterator[None]:
    """Hold the workspace's repro lock, or refuse in one line naming the running run's PID."""
    root = root.resolve()
    if root in _held:
        yield
        return
    path = root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise PipelineError(f"another es-pipeline repro (PID {holder}) is running in {root}; wait for it "
                            f"to finish (lock {path})") from None
    _held.add(root)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        _held.discard(root)
        os.ftruncate(fd, 0)
        os.close(fd)
