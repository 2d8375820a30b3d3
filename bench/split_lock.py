"""What DVC spends per stage at N months, with one dvc.yaml/dvc.lock and with the per-month stages split per year.

On the faked history of ``bookkeeping.py`` (every month's outputs in place and recorded), times
what plain DVC adds to each stage it runs: ``dvc repro -f -s`` of one label month and of three
(the difference, less the stage command's own time, is DVC's bookkeeping per stage), and
``dvc exp run`` of a label change for ``--exp-minutes`` (stages per minute). With ``--profile``
the three-stage repro runs under cProfile and the DVC functions that take the time are printed.
Then the same project is rewritten the way a per-year split would lay it out (the four per-month
stages of each year in ``pipelines/<year>/dvc.yaml`` with their own ``dvc.lock``, ``wdir`` at the
repo root; the rest stays in the root ``dvc.yaml``) and measured again.

    python bench/split_lock.py [--start 2010-07] [--end 2025-12] [--work DIR] [--profile] [--exp-minutes 5]
"""

from __future__ import annotations

import argparse
import pstats
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from bookkeeping import committed_baseline
from common import ROOT
from experiments import dvc_exp_run_rate

PER_MONTH = ("filter", "label", "featurize", "dataset")
PROFILED = ("dump_stages", "_load_yaml", "modify_yaml", "index", "graph", "changed", "save", "commit",
            "run_cache", "scm_context", "_get_stage_files", "collect", "reproduce")


def split_per_year(root: Path, months: list[str]) -> None:
    """Move the per-month stages into pipelines/<year>/dvc.yaml, their lock entries into its dvc.lock.

    Read and written with DVC's own YAML (1.2): PyYAML would turn a recorded ``17:00`` into 1020.
    """
    from dvc.utils.serialize import dump_yaml, load_yaml

    pipeline, lock = load_yaml(root / "dvc.yaml"), load_yaml(root / "dvc.lock")
    listed = load_yaml(root / "params" / "months.yaml")["months"]
    values = {k: v for entry in pipeline["vars"] if isinstance(entry, dict) for k, v in entry.items()}
    years = sorted({m[:4] for m in months})
    templates = {name: pipeline["stages"].pop(name)["do"] for name in PER_MONTH}
    for year in years:
        folder = root / "pipelines" / year
        folder.mkdir(parents=True, exist_ok=True)
        own = {m: listed[m] for m in months if m.startswith(year)}
        stages = {}
        for name, template in templates.items():
            text = yaml.safe_dump(template, sort_keys=False)  # commands and paths only: no times in them
            for key, value in values.items():
                text = text.replace(f"${{{key}}}", str(value))
            stages[name] = {"foreach": own, "do": {"wdir": "../..", **yaml.safe_load(text)}}
        dump_yaml(folder / "dvc.yaml", {"stages": stages})
        entries = {n: e for n, e in lock["stages"].items() if n.split("@")[0] in PER_MONTH and n.endswith(
            tuple(own))}
        dump_yaml(folder / "dvc.lock", {"schema": "2.0", "stages": entries})
    lock["stages"] = {n: e for n, e in lock["stages"].items() if n.split("@")[0] not in PER_MONTH}
    dump_yaml(root / "dvc.lock", lock)
    dump_yaml(root / "dvc.yaml", pipeline)


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


def measure(project, layout: str, months: list[str], args, report) -> None:
    picked = months[len(months) // 2: len(months) // 2 + 3]
    lock = "dvc.lock" if layout == "flat" else f"pipelines/{picked[0][:4]}/dvc.lock"
    targets = [f"label@{m}" if layout == "flat" else f"pipelines/{m[:4]}/dvc.yaml:label@{m}" for m in picked]
    lock_text = (project.root / lock).read_text()
    recorded = yaml.safe_load(lock_text)["stages"]
    cmds = [recorded[f"label@{m}"]["cmd"] for m in picked]
    report(f"[{layout}] lock the stages are written to", f"{lock}, {len(lock_text) / 1e6:.2f} MB")
    report(f"[{layout}] dvc status", f"{timed_run(project, 'dvc', 'status'):.1f} s")
    numbers = per_stage(project, targets, cmds, args.repeat)
    report(f"[{layout}] dvc repro -f -s of 1 / 3 label stages",
           f"{numbers['one']:.1f} / {numbers['three']:.1f} s; the stage command alone {numbers['command']:.1f} s")
    report(f"[{layout}] DVC's own time per extra stage", f"{numbers['dvc_per_stage']:.1f} s")
    if args.profile:
        report(f"[{layout}] profile of the 3-stage repro (cumulative)",
               "\n" + profile(project, targets, Path(tempfile.mkstemp(suffix=".prof")[1])))
    if args.exp_minutes:
        stages, elapsed = dvc_exp_run_rate(project, args.exp_minutes)
        report(f"[{layout}] dvc exp run of a label change",
               f"{stages} stages in {elapsed / 60:.1f} min = {elapsed / max(stages, 1):.1f} s a stage")


def bench(args, report) -> None:
    project, months, _ = committed_baseline(args, "bench-split-", report)
    measure(project, "flat", months, args, report)
    before = project.run("dvc", "status").stdout
    split_per_year(project.root, months)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "split per year")
    after = project.run("dvc", "status").stdout
    report("[split] dvc status after the split", "as before it" if after == before else f"differs:\n{after}")
    measure(project, "split", months, args, report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2010-07")
    parser.add_argument("--end", default="2025-12")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--exp-minutes", type=float, default=0)
    parser.add_argument("--outputs-from", default=str(ROOT), help="a repo holding one finished month (after make demo)")
    parser.add_argument("--work", help="the scratch folder (default: a new temporary folder)")
    bench(parser.parse_args(), report=lambda key, value: print(f"{key:<52}  {value}", flush=True))


if __name__ == "__main__":
    main()
