"""Atomic file writes (no heavy imports, so light processes such as the notebook runner can use them)."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from es_pipeline.core.errors import OutputWriteError

WRITE_RULES = {errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EROFS: "read_only",
               errno.EACCES: "permission_denied", errno.EPERM: "permission_denied"}
ADVICE = {"disk_full": "free space and rerun", "read_only": "the file system is mounted read-only",
          "permission_denied": "this user may not write there"}


def write_error(path: Path, exc: OSError) -> OutputWriteError:
    """An OS error while writing ``path`` as one line: the file, the rule, what was (not) written."""
    rule = WRITE_RULES.get(exc.errno or 0, "write_failed")
    reason = (exc.strerror or str(exc)).lower()
    return OutputWriteError(str(path), f"{reason}; this file was not written (a previous version, if any, is "
                                       f"unchanged): {ADVICE.get(rule, 'check the folder and rerun')}", rule=rule)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling path; move it onto ``path`` only if the block succeeds.

    Any OS error (a full disk, a read-only or forbidden folder) becomes an ``OutputWriteError``
    naming the file and its rule (``disk_full``, ``read_only``, ``permission_denied``, ``write_failed``).
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are shared files
        os.replace(tmp, path)
    except OSError as exc:
        raise write_error(path, exc) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
