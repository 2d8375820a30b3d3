"""History benchmark: a synthetic month range through the real pipeline, in parallel, then one more month.

Builds a scratch copy of the repo, generates every month with the project's generator, runs
``es-pipeline repro --jobs N`` on all but the last month, then appends the last month the way a
user does (``es-pipeline months sync``, ``es-pipeline repro``). The last few months of the history
also run serially in a second copy, each month's three stages through plain ``dvc repro``.
``--raw-dir`` keeps the generated months (seeded by month) for the next run. Prints one table.

    python bench/history.py [--start 2010-07] [--end 2025-12] [--days N] [--jobs 2] [--serial-months 3]
                          [--raw-dir DIR] [--generate-only]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import scratch_project, timed

from es_pipeline.ops.pipelines import addressing

PROGRESS = re.compile(r"^\[\d+/\d+\] (?P<month>\S+) (?P<stage>\S+)\s+(?P<seconds>[\d.]+) s\s+(?P<mb>\d+) MB"
                      r"\s+(?P<compute>[\d.]+) s compute")


def month_range(start: str, end: str) -> list[str]:
    year, month = map(int, start.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def seed_of(month: str) -> int:
    """The generator seed of a month, from the month itself: a month is the same file in any range."""
    year, number = map(int, month.split("-"))
    return year * 12 + number


def generate(months: list[str], folder: Path, days: int | None) -> dict[str, Path]:
    """Each month's raw file in ``folder``, generated only when missing (written under a temporary name first)."""
    from es_pipeline.synth import generate_month

    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for month in months:
        paths[month] = folder / f"ES.FUT.{month}.ohlcv-1s.dbn.zst"
        if not paths[month].exists():
            partial = folder / f".{paths[month].name}.partial"
            generate_month(month, partial, seed=seed_of(month), days=days)
            partial.rename(paths[month])
    return paths


def run(project, *args: str) -> tuple[str, float]:
    start = time.perf_counter()
    result = project.run(*args)
    return result.stdout + result.stderr, time.perf_counter() - start


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def per_stage(progress: str) -> dict[str, dict[str, list[float]]]:
    """stage -> wall, compute (its timed steps), overhead and peak RSS per month, from the progress lines."""
    found: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for match in filter(None, map(PROGRESS.match, progress.splitlines())):
        values = found[match["stage"]]
        values["wall"].append(float(match["seconds"]))
        values["compute"].append(float(match["compute"]))
        values["overhead"].append(values["wall"][-1] - values["compute"][-1])
        values["peak_mb"].append(float(match["mb"]))
    return found


def p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def month_outputs(project, month: str) -> int:
    """Bytes of the cached outputs of one month's stages, from its year's lock file."""
    return sum(out.get("size", 0) for name, stage in project.lock_stages().items() if name.endswith(f"@{month}")
               for out in stage.get("outs", []))


def serial_row(folder: Path, raw: dict[str, Path], total: int) -> tuple[str, str]:
    """One month's three stages (filter, label, featurize) through plain ``dvc repro``, month by month."""
    serial = scratch_project(folder, raw)
    run(serial, "dvc", "repro", "code-filter", "code-label", "code-featurize")  # once, not per month
    walls = [run(serial, "dvc", "repro", *(addressing(f"{s}@{m}") for s in ("label", "featurize")))[1] for m in raw]
    median = statistics.median(walls)
    return ("wall serial (dvc repro, 3 stages)", f"median {median:.1f} s/month over {', '.join(raw)} "
                                                  f"({', '.join(f'{w:.1f}' for w in walls)}), "
                                                  f"~{median * total:.0f} s for all")


def bench(args) -> list[tuple[str, str]]:
    months = month_range(args.start, args.end)
    history, extra = months[:-1], months[-1]
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-history-"))
    raw_dir = Path(args.raw_dir) if args.raw_dir else work / "raw"
    raw, gen_s = timed(generate, months, raw_dir / (f"days-{args.days}" if args.days else "full"), args.days)
    project = scratch_project(work / "history", {m: raw[m] for m in history})
    jobs = str(args.jobs)
    progress, parallel_s = run(project, "es-pipeline", "repro", "--jobs", jobs)
    stages = per_stage(progress)
    rows = sum(json.loads(p.read_text())["rows"] for p in (project.root / "metrics" / "dataset").glob("*.json"))
    _, push_s = run(project, "dvc", "push", "-q")
    cache, remote = du(project.root / ".dvc" / "cache"), du(project.root / "storage" / "dvc-remote")
    _, noop_s = run(project, "dvc", "repro")
    _, status_s = run(project, "dvc", "status")
    _, es_noop_s = run(project, "es-pipeline", "repro", "--jobs", jobs)
    _, report_s = run(project, "dvc", "repro", "--force", "--single-item", "report")

    (project.root / "storage" / "raw" / raw[extra].name).write_bytes(raw[extra].read_bytes())
    run(project, "es-pipeline", "months", "sync")
    appended, append_s = run(project, "es-pipeline", "repro", "--jobs", jobs)
    ran = sorted(set(re.findall(r"Running stage '([^']+)'", appended)) |
                 {f"{m['stage']}@{m['month']}" for m in map(PROGRESS.match, appended.splitlines()) if m})
    grown, own = du(project.root / ".dvc" / "cache") - cache, month_outputs(project, extra)

    table = [("months", f"{len(history)} ({history[0]}..{history[-1]}), then +{extra}; --days {args.days or 'all'}"),
             ("rows", f"{rows:,}"), ("generate (all months)", f"{gen_s:.0f} s"),
             (f"wall parallel (--jobs {jobs})", f"{parallel_s:.0f} s ({parallel_s / len(history):.1f} s/month)")]
    if args.serial_months:
        table.append(serial_row(work / "serial", {m: raw[m] for m in history[-args.serial_months:]}, len(history)))
    for stage, values in sorted(stages.items()):
        cells = [f"{key} {statistics.median(values[key]):.1f}/{p95(values[key]):.1f} s"
                 for key in ("wall", "compute", "overhead")]
        cells.append(f"peak RSS {max(values['peak_mb']):.0f} MB")
        table.append((f"{stage} (median/p95)", ", ".join(cells)))
    table += [("cache / remote", f"{cache / 1e6:.1f} MB / {remote / 1e6:.1f} MB (push {push_s:.0f} s)"),
              ("no-op dvc repro / dvc status", f"{noop_s:.1f} s / {status_s:.1f} s"),
              (f"no-op es-pipeline repro --jobs {jobs}", f"{es_noop_s:.1f} s"),
              ("report stage (forced)", f"{report_s:.1f} s"),
              (f"append {extra}", f"{append_s:.0f} s, ran {len(ran)} stage(s): {', '.join(ran)}"),
              (f"append {extra} storage", f"cache +{grown / 1e6:.2f} MB = {grown / max(own, 1):.2f}x "
                                          f"the month's own outputs ({own / 1e6:.2f} MB)"),
              ("work folder", str(work))]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2010-07")
    parser.add_argument("--end", default="2025-12", help="the last month; it is the one appended at the end")
    parser.add_argument("--days", type=int, default=None, help="generate only N trading days a month")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--serial-months", type=int, default=3,
                        help="the last N months of the history also run serially (0: none)")
    parser.add_argument("--raw-dir", help="keep the generated raw months here (in full/ or days-N/) and reuse "
                                          "the ones already there (default: inside the work folder)")
    parser.add_argument("--generate-only", action="store_true", help="only fill --raw-dir, run nothing")
    parser.add_argument("--work", help="keep the scratch copies here (default: a new temporary folder)")
    args = parser.parse_args()
    if args.generate_only:
        if not args.raw_dir:
            parser.error("--generate-only needs --raw-dir")
        folder = Path(args.raw_dir) / (f"days-{args.days}" if args.days else "full")
        paths, seconds = timed(generate, month_range(args.start, args.end), folder, args.days)
        print(f"{len(paths)} raw months in {folder} ({seconds:.0f} s)")
        return
    table = bench(args)
    width = max(len(k) for k, _ in table)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in table))


if __name__ == "__main__":
    main()
