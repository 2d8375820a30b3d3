"""Where each stage is defined: the cross-month stages in dvc.yaml, the per-month ones in a file per year.

DVC rewrites a stage's whole lock file after every stage it runs (a YAML round trip): with every
month in one dvc.lock that was ~4 s a stage at 185 months, most of ``dvc repro``'s own time. So the
per-month stages live in ``pipelines/<year>/dvc.yaml``, each with its own small dvc.lock, written
from one template (``pipelines/per-month.yaml``) with that year's months of params/months.yaml.
A stage keeps its name (``label@2025-11``, one month is in one year); DVC's commands address it
with its file (``pipelines/2025/dvc.yaml:label@2025-11``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.files import atomic_path
from es_pipeline.core.params import MonthEntry, load_months

TEMPLATE = "pipelines/per-month.yaml"
ROOT_FILE = "dvc.yaml"
GENERATED = """\
# Written by `es-pipeline months sync` from ../per-month.yaml with the months of {year} in
# ../../params/months.yaml: edit those, then run `es-pipeline months pipelines`, not this file.
"""
UPDATE = "run `es-pipeline months pipelines`"


def is_per_month(name: str) -> bool:
    return "@" in name


def year_file(month: str) -> str:
    return f"pipelines/{month[:4]}/dvc.yaml"


def dvcfile_of(name: str) -> str:
    """The pipeline file that defines stage ``name``, relative to the repository root."""
    return year_file(name.split("@", 1)[1]) if is_per_month(name) else ROOT_FILE


def addressing(name: str) -> str:
    """How DVC's commands name the stage from the repository root (``file:name`` outside dvc.yaml)."""
    return f"{dvcfile_of(name)}:{name}" if is_per_month(name) else name


def lock_of(root: str | Path, name: str) -> Path:
    """The lock file that records stage ``name``."""
    return (Path(root) / dvcfile_of(name)).with_name("dvc.lock")


def lock_files(root: str | Path) -> list[Path]:
    """Every lock file of the project that exists: dvc.lock, then each year's."""
    root = Path(root)
    return [p for p in [root / "dvc.lock", *sorted(root.glob("pipelines/*/dvc.lock"))] if p.is_file()]


def month_line(entry: MonthEntry) -> str:
    """One month as params/months.yaml and the year files list it."""
    return f'"{entry.month}": {{raw: {entry.raw}, symbols: {entry.symbols}, partition: {entry.partition}}}'


def _body(template: str) -> str:
    """The template without its leading comment, which explains the template rather than a year."""
    lines = template.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    body = "".join(lines[start:])
    if body.count("\nvars:\n") + body.startswith("vars:\n") != 1:
        raise PipelineError(f"{TEMPLATE} must have one top-level `vars:` list (the months are added to it)")
    return body


def render_year(template: str, year: str, months: Iterable[MonthEntry]) -> str:
    listed = "".join(f"      {month_line(m)}\n" for m in months)
    body = _body(template).replace("vars:\n", f"vars:\n  - months:\n{listed}", 1)
    return GENERATED.format(year=year) + body


def expected(root: Path, months: Iterable[MonthEntry]) -> dict[Path, str]:
    """Each year's pipeline file as the template and the month list make it."""
    template = (root / TEMPLATE).read_text()
    by_file: dict[Path, list[MonthEntry]] = {}
    for entry in months:
        by_file.setdefault(root / year_file(entry.month), []).append(entry)
    return {path: render_year(template, path.parent.name, entries) for path, entries in sorted(by_file.items())}


def _generated(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("pipelines/*/dvc.yaml") if p.read_text().startswith("# Written by"))


def _out_of_date(root: Path, wanted: dict[Path, str]) -> list[Path]:
    """Year files that differ from ``wanted`` or are missing, then generated ones no longer wanted."""
    return ([p for p, text in wanted.items() if not p.is_file() or p.read_text() != text]
            + [p for p in _generated(root) if p not in wanted])


def write(root: str | Path, months: Iterable[MonthEntry]) -> list[Path]:
    """Write every year's pipeline file, drop those of years no longer listed; returns what changed.

    A year dropped leaves its dvc.lock: ``es-pipeline months prune`` removes its entries and files.
    Lock entries an older layout kept in dvc.lock for per-month stages move to their year's lock, so
    nothing recorded reruns.
    """
    root = Path(root)
    wanted = expected(root, months)
    changed = _out_of_date(root, wanted)
    for path in changed:
        if path not in wanted:
            path.unlink()
            continue
        with atomic_path(path) as tmp:
            tmp.write_text(wanted[path])
    _move_lock_entries(root)
    return changed


def _misplaced(root: Path) -> list[str]:
    """Per-month stages whose entries an older layout kept in dvc.lock, and whose year file exists."""
    from dvc.utils.serialize import load_yaml

    lock = root / "dvc.lock"
    names = (load_yaml(str(lock)) or {}).get("stages", {}) if lock.is_file() else {}
    return [name for name in names if is_per_month(name) and (root / dvcfile_of(name)).is_file()]


def _move_lock_entries(root: Path) -> None:
    from dvc.utils.serialize import dump_yaml, load_yaml, modify_yaml

    lock = root / "dvc.lock"
    moving = _misplaced(root)
    if not moving:
        return
    with modify_yaml(str(lock)) as data:
        entries = {name: data["stages"].pop(name) for name in moving}
    for year_lock in sorted({lock_of(root, name) for name in moving}):
        held: dict[str, Any] = load_yaml(str(year_lock)) if year_lock.is_file() else {"schema": "2.0", "stages": {}}
        held["stages"] = {**held["stages"], **{n: e for n, e in entries.items() if lock_of(root, n) == year_lock}}
        dump_yaml(str(year_lock), held)


def check(root: str | Path = ".", params_dir: str | Path = "params") -> None:
    """Refuse to plan a run while a year's file is not what the template and the month list make
    (a project without the template has no year files)."""
    root = Path(root)
    if not (root / TEMPLATE).is_file():
        return
    wanted = expected(root, load_months(root / params_dir))
    stale = _out_of_date(root, wanted) + [root / "dvc.lock"] * bool(_misplaced(root))
    if stale:
        names = ", ".join(str(p.relative_to(root)) for p in stale)
        raise PipelineError(f"{names}: not what {TEMPLATE} and params/months.yaml make; {UPDATE}")
