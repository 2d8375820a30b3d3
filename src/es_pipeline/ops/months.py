"""The month list (params/months.yaml) and its sync from a listing of the raw location.

Adding a month is: upload the raw file (and its definition file, if any), ``es-pipeline
months sync`` (which also writes the year's pipeline file, see pipelines.py), ``dvc repro``,
``dvc push``.

Each month records two objects, both dependencies of its ``filter@<month>`` stage: ``raw``
and ``symbols``, the object its instrument symbols come from: the month's definition file when
one is stored beside it, else the raw object itself. DVC cannot interpolate a list into a
stage's ``deps``, so a month without a definition file names its raw object twice rather than
leave the definition file undeclared for the months that have one.
"""

from __future__ import annotations

import re
from pathlib import Path

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.files import atomic_path
from es_pipeline.core.params import MonthEntry
from es_pipeline.filter.ingest import definition_path_for
from es_pipeline.filter.storage import Location
from es_pipeline.ops import pipelines

RAW_SUFFIX = ".ohlcv-1s.dbn.zst"
# "ES.FUT.2025-11.ohlcv-1s.dbn.zst" or Databento's "glbx-mdp3-20251101-20251130.ohlcv-1s.dbn.zst"
MONTH_IN_NAME = re.compile(r"(?<!\d)(?P<year>(19|20)\d{2})-?(?P<month>0[1-9]|1[0-2])(?!\d{3})")
HEADER = """\
# The month list: each month, its raw object, the object its instrument symbols come from (its
# definition file when one is stored beside it, else the raw object itself; both are dependencies
# of filter@<month>) and its dataset folder. All objects live in the raw location (DVC remote `raw`).
# `es-pipeline months sync` rewrites this from a listing of the raw location.
"""


def month_of(name: str) -> str | None:
    """The YYYY-MM a raw object holds, read from its name (None if the name has no month)."""
    match = MONTH_IN_NAME.search(name)
    return f"{match['year']}-{match['month']}" if match else None


def months_in(names: list[str]) -> dict[str, MonthEntry]:
    """Every raw month file in a listing, with its definition file if listed; two files for a month is an error."""
    found: dict[str, MonthEntry] = {}
    listed = set(names)
    for name in sorted(names):
        month = month_of(name) if name.endswith(RAW_SUFFIX) else None
        if month is None:
            continue
        if month in found:
            raise PipelineError(f"two raw files hold month {month}: {found[month].raw} and {name}")
        definition = definition_path_for(name).name
        found[month] = MonthEntry.of(month, name, definition if definition in listed else name)
    return found


def render(months: dict[str, MonthEntry]) -> str:
    lines = [HEADER.rstrip("\n"), "months:"]
    lines += [f"  {pipelines.month_line(e)}" for _, e in sorted(months.items())]
    return "\n".join(lines) + "\n"


def write(months: dict[str, MonthEntry], root: str | Path = ".", params_dir: str | Path = "params") -> None:
    """The month list and the per-year pipeline files made from it (see pipelines.py)."""
    with atomic_path(Path(root) / params_dir / "months.yaml") as tmp:
        tmp.write_text(render(months))
    pipelines.write(root, months.values())


def sync(location: Location, root: str | Path = ".", params_dir: str | Path = "params") -> dict[str, MonthEntry]:
    """Rewrite the month list and the pipeline files from the raw location; returns it. Refuses an empty listing."""
    months = months_in(location.list())
    if not months:
        raise PipelineError(f"no *{RAW_SUFFIX} files with a YYYY-MM in their name at {location.url}")
    write(months, root, params_dir)
    return months
