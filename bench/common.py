"""What the benchmarks share: the repo root on sys.path, timing, and a scratch copy of the repo."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def scratch_project(target: Path, raw_months: dict[str, Path]):
    """A throw-away copy of the repo whose raw location holds ``raw_months`` (month -> DBN file)."""
    from es_pipeline.core.params import MonthEntry
    from tests.integration.project import Project

    project = Project.copy_of_repo(target)
    raw = project.root / "storage" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for path in raw_months.values():
        shutil.copy(path, raw / path.name)
    project.set_months({m: MonthEntry.of(m, p.name, p.name) for m, p in raw_months.items()})
    return project
