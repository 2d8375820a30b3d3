"""A process's peak resident memory, which a long-lived process can start counting again (Linux).

A stage's peak is the number the stage logs and benchmarks report. A stage run inside a Dask
worker (ops/parallel/in_worker.py) shares its process with every stage before it, so the
high-water mark is reset when the stage starts; ``getrusage`` keeps the lifetime peak.
"""

from __future__ import annotations

import re
import resource
from pathlib import Path


def reset_peak_memory() -> None:
    """Count this process's peak resident memory again from what it holds now."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux, or not allowed: the peak stays the process's lifetime peak
        pass


def peak_memory_mb() -> float:
    """Peak resident memory of this process since it started or since ``reset_peak_memory``."""
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
    except OSError:
        found = None
    return int(found[1]) / 1024 if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
