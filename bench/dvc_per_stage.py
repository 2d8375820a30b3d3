"""What plain DVC spends per stage at N months (the per-month stages in one pipeline file per year).

On the faked history of ``bookkeeping.py`` (every month's outputs in place and recorded), times
what plain DVC adds to each stage it runs: ``dvc repro -f -s`` of one label month and of three
(the difference, less the stage command's own time, is DVC's bookkeeping per stage), and
``dvc exp run`` of a label change for ``--exp-minutes`` (stages per minute). With ``--profile``
the three-stage repro runs under cProfile and the DVC functions that take the time are printed.

    python bench/dvc_per_stage.py [--start 2010-07] [--end 2025-12] [--work DIR] [--profile] [--exp-minutes 5]
"""

from __future__ import annotations

import argparse
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from bookkeeping import committed_baseline
from common import ROOT
from experiments import dvc_exp_run_rate

from es_pipeline.ops.pipelines import addressing, lock_of

PROFILED = ("dump_stages", "_load_yaml", "modify_yaml", "index", "graph", "changed", "save", "commit",
            "run_cache", "scm_context", "_get_stage_files", "collect", "reproduce")


def timed_run(project, *args: str) -> float:
    start = time.perf_counter()
    project.run(*args)
    return time.perf_counter() - start


def per_stage(project, targets: list[str], cmds: list[str], repeat: int) -> dict[str, float]:
    """DVC's seconds per extra stage: repro of three stages less one, less the commands' own time."""
    one = statistics.median(timed_run(project, "dvc", "repro", "-f", "-s", targets[0]) for _ in range(repeat))
    three = statistics.median(timed_run(project, "dvc", "repro", "-f", "-s", *targets) for _ in range(repeat))
    command = statistics.median(timed_run(project, "bash", "-c", cmds[1]) for _ in range(repeat))
    return {"one": one, "three": three, "command": command, "dvc_per_stage": (three - one) / 2 - command}


def profile(project, targets: list[str], out: Path) -> str:
    """cProfile of ``dvc repro -f -s`` of three stages: cumulative seconds of the functions named in PROFILED."""
    from tests.integration.project import BIN

    project.run("python", "-m", "cProfile", "-o", str(out), str(BIN / "dvc"), "repro", "-f", "-s", *targets)
    stats = pstats.Stats(str(out))
    rows = []
    for (filename, _, function), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "/dvc" in filename and any(p in function for p in PROFILED):
            rows.append((cumulative, f"{Path(filename).parent.name}/{Path(filename).name}:{function}"))
    return "\n".join(f"    {s:7.2f} s  {name}" for s, name in sorted(rows, reverse=True)[:25])


def bench(args, report) -> None:
    project, months, _ = committed_baseline(args, "bench-dvc-per-stage-", report)
    picked = months[len(months) // 2: len(months) // 2 + 3]
    lock = lock_of(project.root, f"label@{picked[0]}")
    targets = [addressing(f"label@{m}") for m in picked]
    recorded = project.lock_stages()
    cmds = [recorded[f"label@{m}"]["cmd"] for m in picked]
    report("lock the stages are written to", f"{lock.relative_to(project.root)}, {lock.stat().st_size / 1e6:.2f} MB")
    report("dvc status", f"{timed_run(project, 'dvc', 'status'):.1f} s")
    numbers = per_stage(project, targets, cmds, args.repeat)
    report("dvc repro -f -s of 1 / 3 label stages",
           f"{numbers['one']:.1f} / {numbers['three']:.1f} s; the stage command alone {numbers['command']:.1f} s")
    report("DVC's own time per extra stage", f"{numbers['dvc_per_stage']:.1f} s")
    if args.profile:
        report("profile of the 3-stage repro (cumulative)",
               "\n" + profile(project, targets, Path(tempfile.mkstemp(suffix=".prof")[1])))
    if args.exp_minutes:
        stages, elapsed = dvc_exp_run_rate(project, args.exp_minutes)
        report("dvc exp run of a label change",
               f"{stages} stages in {elapsed / 60:.1f} min = {elapsed / max(stages, 1):.1f} s a stage")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2010-07")
    parser.add_argument("--end", default="2025-12")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--exp-minutes", type=float, default=0)
    parser.add_argument("--outputs-from", default=str(ROOT), help="a repo holding one finished month (after make demo)")
    parser.add_argument("--work", help="the scratch folder (default: a new temporary folder)")
    bench(parser.parse_args(), report=lambda key, value: print(f"{key:<44}  {value}", flush=True))


if __name__ == "__main__":
    main()
