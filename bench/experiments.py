"""A label experiment over the whole history: `es-pipeline exp run` beside plain `dvc exp run`.

On the faked history of ``bookkeeping.py`` (every month's outputs hard-linked from one finished
month and recorded, committed as the baseline), a real label change reruns every month's label
and dataset stages on real data. Reported as each row is measured: one experiment's wall time
and the disk it adds (hard links counted once) against its changed outputs, ``dvc exp apply`` and
the way back, a sweep of ``--sweep`` values, and ``dvc exp run`` of the same change for
``--dvc-minutes`` (its stages per minute, extrapolated to every stale stage).

    python bench/experiments.py [--start 2010-07] [--end 2025-12] [--jobs 2] [--sweep 300,600,900]
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import time
from pathlib import Path

from bookkeeping import committed_baseline
from common import ROOT

TIMEOUT = "params/label.yaml:label.timeout_seconds"


def disk_used(folder: Path) -> int:
    return int(subprocess.run(["du", "-s", "-B1", str(folder)], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def wall(project, *args: str) -> float:
    start = time.perf_counter()
    project.run(*args)
    return time.perf_counter() - start


def experiment_wall(project, *args: str) -> tuple[float, float]:
    """Wall time of an ``es-pipeline exp run``, and the part its model stages took (reported beside it).

    A model stage runs from its "Running stage 'model'" line to the next stage of the same experiment
    (lines of a sweep's experiments carry an ``[exp]`` prefix); its lock update counts as its own.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(list(args), cwd=project.root, env=project.env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    model, started, output = 0.0, {}, []
    name = args[args.index("-n") + 1]
    with (project.root.parent / f"{project.root.name}-{name}.log").open("w") as log:  # every line, timestamped
        for line in proc.stdout:
            output.append(line)
            log.write(f"{time.perf_counter() - start:8.1f} {line}")
            log.flush()
            found = re.match(r"(\[[^]]*\] )?Running stage '([^']+)'", line)
            if found:
                prefix, now = found.group(1) or "", time.perf_counter()
                if prefix in started:
                    model += now - started.pop(prefix)
                if found.group(2) == "model":
                    started[prefix] = now
    if proc.wait() != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {proc.returncode}:\n{''.join(output)[-3000:]}")
    end = time.perf_counter()
    model += sum(end - at for at in started.values())  # model the last stage: until the experiment was saved
    return end - start, model


def changed_output_bytes(project, name: str) -> int:
    """Bytes of the cached outputs whose hash differs between HEAD and experiment ``name``."""
    def outs(rev: str) -> dict[str, str]:
        return {o["path"]: o["md5"] for s in project.lock_stages(rev).values() for o in s.get("outs", [])}

    refs = project.git("for-each-ref", "--format=%(objectname) %(refname)", "refs/exps").stdout.splitlines()
    ref = next(line.split()[0] for line in refs if line.endswith(f"/{name}"))
    before, after = outs("HEAD"), outs(ref)
    total = 0
    for path, md5 in after.items():
        if before.get(path) != md5 and (project.root / path).exists():
            target = project.root / path
            total += sum(f.stat().st_size for f in target.rglob("*") if f.is_file()) if target.is_dir() \
                else target.stat().st_size
    return total


def dvc_exp_run_rate(project, minutes: float) -> tuple[int, float]:
    """Stages `dvc exp run` finishes in ``minutes`` (then it is stopped, and the workspace restored)."""
    proc = subprocess.Popen(["dvc", "exp", "run", "-n", "plain", "-S", f"{TIMEOUT}=600"], cwd=project.root,
                            env=project.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    started, stages = time.perf_counter(), 0
    deadline = started + minutes * 60
    for line in proc.stdout:
        if re.match(r"Running stage '(?:[^']*:)?(label|dataset)@", line):
            stages += 1
        if time.perf_counter() > deadline:
            break
    elapsed = time.perf_counter() - started
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
    project.git("checkout", "HEAD", "--", "params", "dvc.lock", "pipelines", "metrics", "plots")
    project.dvc("checkout", "-q", "-f")
    return max(stages - 1, 0), elapsed  # the last one started, not finished


def bench(args, report) -> None:
    project, months, work = committed_baseline(args, "bench-experiments-", report)

    used = disk_used(work)
    seconds, model = experiment_wall(project, "es-pipeline", "exp", "run", "-n", "t600", "-S", f"{TIMEOUT}=600",
                                     "--jobs", str(args.jobs))
    added, changed = disk_used(work) - used, changed_output_bytes(project, "t600")
    report("es-pipeline exp run (one label change), without its model",
           f"{(seconds - model) / 60:.1f} min, {2 * len(months)} label+dataset stages")
    report("  its model stage", f"{model / 60:.1f} min")
    report("disk added / changed outputs", f"{added / 1e6:.0f} MB / {changed / 1e6:.0f} MB = {added / changed:.2f}x")

    project.git("checkout", "HEAD", "--", "params", "dvc.lock", "pipelines", "metrics", "plots")
    report("back to the baseline (git checkout HEAD + dvc checkout)", f"{wall(project, 'dvc', 'checkout', '-q'):.1f} s")
    report("dvc exp apply t600", f"{wall(project, 'dvc', 'exp', 'apply', 't600'):.1f} s")
    project.git("checkout", "HEAD", "--", "params", "dvc.lock", "pipelines", "metrics", "plots")
    report("and back", f"{wall(project, 'dvc', 'checkout', '-q'):.1f} s")

    if args.sweep:
        values = args.sweep.split(",")
        seconds, model = experiment_wall(project, "es-pipeline", "exp", "run", "-n", "sweep", "-S",
                                         f"{TIMEOUT}={args.sweep}", "--jobs", str(args.jobs))
        report(f"es-pipeline exp run sweep of {len(values)}", f"{seconds / 60:.1f} min wall, "
               f"{model / 60:.1f} min of it in model stages")

    if args.dvc_minutes:
        stages, elapsed = dvc_exp_run_rate(project, args.dvc_minutes)
        per_stage = elapsed / max(stages, 1)
        report("dvc exp run (same change)", f"{stages} stages in {elapsed / 60:.1f} min = {per_stage:.0f} s a stage; "
               f"{2 * len(months)} stages ~ {2 * len(months) * per_stage / 3600:.1f} h")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2010-07")
    parser.add_argument("--end", default="2025-12")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sweep", default="300,450,1200",
                        help="label.timeout_seconds values (not the baseline 900 nor 600); empty: no sweep")
    parser.add_argument("--dvc-minutes", type=float, default=10, help="how long to time plain dvc exp run; 0: not")
    parser.add_argument("--outputs-from", default=str(ROOT), help="a repo holding one finished month (after make demo)")
    parser.add_argument("--work", help="the scratch folder (default: a new temporary folder)")
    bench(parser.parse_args(), report=lambda key, value: print(f"{key:<58}  {value}", flush=True))


if __name__ == "__main__":
    main()
