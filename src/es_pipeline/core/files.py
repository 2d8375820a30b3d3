"""Atomic file writes (no heavy imports, so light processes such as the notebook runner can use them)."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from es_pipeline.core.errors import OutputWriteError

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling path; move it onto ``path`` only if the block succeeds.

    A full disk (or quota) becomes an ``OutputWriteError`` naming the file and rule ``disk_full``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are shared files
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno not in NO_SPACE:
            raise
        raise OutputWriteError(str(path), f"no space left on device ({exc.strerror}); nothing was written, "
                               "free space and rerun") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
