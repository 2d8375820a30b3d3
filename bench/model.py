"""Model stage benchmark: wall time, peak RSS and rows used on a long faked history.

The history is faked, not generated: one real month's dataset partition (built by the project's
own generator and stages, or given with ``--partition``) is hard-linked under every month's name
from ``--start`` to ``--end`` (2010-07..2025-11: 185 months, as in the full-history benchmark),
so every month holds the same 583,200 rows.
The decay table and month list are written for that range; then the model stage runs exactly as
``dvc repro`` runs it (``es-pipeline notebook notebooks/model.ipynb ...``), with a cold kernel so
that its memory is in this process's children's peak RSS.

Because every month is the same data, the early-stopping months look like the training months
and early stopping never fires: every mode runs all its rounds, the slowest case.

    python bench/model.py [--start 2010-07] [--end 2025-11] [--partition PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT
from history import month_range


def one_partition(work: Path, month: str = "2025-12") -> Path:
    """A full generated month through filter, label, featurize and dataset (the project's CLI)."""
    es = [str(Path(sys.executable).parent / "es-pipeline")]
    raw, data = work / "raw.dbn.zst", work / "data"
    params = ["--params-dir", str(ROOT / "params")]
    steps = [["generate", "--month", month, "--out", str(raw)],
             ["filter", str(raw), "--month", month, "--out", str(data / "filtered" / f"{month}.parquet"), *params],
             ["label", str(data / "filtered" / f"{month}.parquet"), "--out", str(data / "labels" / f"{month}.parquet"),
              *params],
             ["featurize", str(data / "filtered" / f"{month}.parquet"), "--out",
              str(data / "features" / f"{month}.parquet"), *params],
             ["dataset", "--month", month, "--data-root", str(data), "--out", str(data / "dataset")]]
    for step in steps:
        subprocess.run(es + step, check=True, capture_output=True)
    return next((data / "dataset").rglob("*.parquet"))


def fake_history(project: Path, partition: Path, months: list[str]) -> None:
    """Params for ``months`` and a dataset whose every partition is a hard link to ``partition``."""
    from es_pipeline.core.params import MonthEntry
    from es_pipeline.core.periods import hive_partition
    from es_pipeline.dataset import params as dataset_params
    from es_pipeline.dataset.decay import write_decay
    from es_pipeline.ops.months import render

    shutil.copytree(ROOT / "params", project / "params")
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    names = {m: f"ES.FUT.{m}.ohlcv-1s.dbn.zst" for m in months}
    (project / "params" / "months.yaml").write_text(render({m: MonthEntry.of(m, n, n) for m, n in names.items()}))
    for month in months:
        target = project / "data" / "dataset" / hive_partition(month) / "part-0.parquet"
        target.parent.mkdir(parents=True)
        os.link(partition, target)
    write_decay(months, dataset_params.load(project / "params"), project / "data" / "dataset" / "_decay.csv")


def run_stage(project: Path) -> tuple[float, float, float, str]:
    """The model stage's command as in dvc.yaml: wall seconds, CPU seconds and peak RSS MB of runner
    and kernel, and the stage log. CPU time says what the wall would be on an idle machine when other
    work shares the two cores."""
    command = [str(Path(sys.executable).parent / "es-pipeline"), "notebook", "notebooks/model.ipynb",
               "reports/model.ipynb", "--html", "reports/model.html", "-k", "es-pipeline",
               "-p", "dataset", "data/dataset", "-p", "models_dir", "models", "-p", "metrics_dir", "metrics",
               "-p", "plots_dir", "plots", "-p", "params_dir", "params"]
    env = {**os.environ, "ES_PIPELINE_WARM_KERNEL": "0"}  # a cold kernel is this process's grandchild
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # the partition's stages, if they ran
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"model stage failed:\n{done.stderr[-3000:]}")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = used.ru_utime + used.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, used.ru_maxrss / 1024, done.stderr  # the peak is the model stage's: the largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2010-07")
    parser.add_argument("--end", default="2025-11")
    parser.add_argument("--partition", type=Path, default=None, help="a dataset part file to reuse")
    parser.add_argument("--keep", type=Path, default=None, help="build the fake project here and keep it")
    args = parser.parse_args()
    months = month_range(args.start, args.end)
    with tempfile.TemporaryDirectory(prefix="bench-model-") as scratch:
        work = args.keep or Path(scratch)
        partition = args.partition or one_partition(Path(scratch) / "month")
        fake_history(work, partition, months)
        load = os.getloadavg()
        wall, cpu, peak_mb, log = run_stage(work)
        details = json.loads((work / "metrics" / "model_modes.json").read_text())
        summary = json.loads((work / "metrics" / "model.json").read_text())
    rows = next(iter(details["modes"].values()))["rows"]
    print(f"model stage, {len(months)} months ({months[0]}..{months[-1]}), one month's partition hard-linked:")
    print(f"  wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak_mb:,.0f} MB (runner and kernel); "
          f"load average before/after {load[0]:.1f} / {os.getloadavg()[0]:.1f}")
    print(f"  rows: {rows['train']:,} training, {rows['early_stopping']:,} early stopping, "
          f"{rows['validation']:,} validation")
    for mode, found in details["modes"].items():
        print(f"  {mode}: rounds run {found['rounds_run']}, best {found['best_iteration']}")
    print(f"  headline: {summary['model']}")
    print("  stage log (timed steps):")
    print("\n".join(f"    {line}" for line in log.splitlines() if " in " in line and line.endswith(" s")))


if __name__ == "__main__":
    main()
