"""What every stage runner shares: logging of reads, writes and timings, and metrics files."""

from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from es_pipeline.tables import atomic_path

log = logging.getLogger("es_pipeline")


def setup_logging(level: int = logging.INFO) -> None:
    """One log format for CLI and notebooks (papermill shows the stream in the executed notebook)."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
    log.setLevel(level)


@contextmanager
def timed(what: str):
    """Log how long a step took; stages wrap each read, compute and write in one."""
    start = time.perf_counter()
    yield
    log.info("%s in %.2f s", what, time.perf_counter() - start)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_metrics(metrics: dict, path: str | Path | None) -> None:
    """Metrics as sorted, indented JSON (stable bytes; readable by dvc metrics show/diff)."""
    if path is None:
        return
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_plain(metrics), indent=2, sort_keys=True) + "\n")
    log.info("wrote metrics %s", path)
