"""DVC's bookkeeping at N months, without N months of compute.

A scratch copy of the repo lists every month of the range, each with a raw object and every stage
output copied from one month a finished run produced (``--outputs-from``, default this repo after
``make demo``), then ``dvc commit -f`` writes every lock file without running a command. Times
(median of ``--repeat``) what a user waits for with the whole history in place: ``dvc status``,
a no-op ``dvc repro``, ``dvc dag``, ``dvc exp show``, ``es-pipeline repro --jobs 2`` with nothing
stale, and, after one more month is appended, how long until its first stage starts.

    python bench/bookkeeping.py [--start 2010-07] [--end 2025-12] [--outputs-from DIR] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT
from history import month_range

from es_pipeline.ops.pipelines import addressing
from tests.integration.project import raw_name

PER_MONTH = ("data/filtered/{m}.parquet", "data/labels/{m}.parquet", "data/features/{m}.parquet",
             "data/dataset/{partition}", *(f"reports/{s}/{{m}}.{ext}" for s in ("filter", "label", "featurize")
                                          for ext in ("ipynb", "html")),
             *(f"metrics/{s}/{{m}}.json" for s in ("filter", "label", "featurize", "dataset")))
ONCE = ("data/fingerprints", "data/dataset/_decay.csv", "reports/report.ipynb", "reports/report.html",
        "reports/index.html", "reports/pipeline.html", "plots", "metrics/summary.json",
        "models", "reports/model.ipynb", "reports/model.html", "metrics/model.json", "metrics/model_modes.json")


def link_tree(source: Path, target: Path) -> None:
    """``target`` as hard links to ``source`` (a file or a folder): one month's bytes serve every month."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, copy_function=os.link)
    else:
        os.link(source, target)


def faked_history(work: Path, months: list[str], template: Path):
    """A scratch project listing ``months``, every output in place and recorded in the lock files."""
    from es_pipeline.core.periods import hive_partition
    from tests.integration.project import Project

    model = sorted(p.stem for p in (template / "data" / "filtered").glob("*.parquet"))[0]
    project = Project.copy_of_repo(work)
    # hard links all round: the cache shares the workspace's inodes, so 185 months cost one month
    project.dvc("config", "--local", "cache.type", "hardlink")
    seed = work / ".template"  # a private copy: DVC makes cached files read-only, the source stays untouched
    for pattern in (*PER_MONTH, *ONCE):
        path = pattern.format(m=model, partition=hive_partition(model))
        (seed / path).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (template / path).is_dir() else shutil.copy2)(template / path, seed / path)
    shutil.copy2(sorted((template / "storage" / "raw").glob("*.dbn.zst"))[0], seed / "raw.dbn.zst")
    for month in months:
        for pattern in PER_MONTH:
            link_tree(seed / pattern.format(m=model, partition=hive_partition(model)),
                      work / pattern.format(m=month, partition=hive_partition(month)))
        link_tree(seed / "raw.dbn.zst", work / "storage" / "raw" / raw_name(month))
    for path in ONCE:
        link_tree(seed / path, work / path)
    project.set_months(months)
    (work / "data" / "dataset" / "_decay.csv").unlink()  # a link to the template's: the decay of its months only
    project.es("decay", "--out", "data/dataset/_decay.csv", "--params-dir", "params")
    project.dvc("commit", "-f", "-q")
    return project


def committed_baseline(args, prefix: str, report):
    """The faked history of ``args.start..args.end`` in ``args.work`` (default: a new temporary folder with
    ``prefix``), committed as the baseline that experiments are compared with: (project, months, folder)."""
    months = month_range(args.start, args.end)
    work = Path(args.work or tempfile.mkdtemp(prefix=prefix))
    project = faked_history(work, months, Path(args.outputs_from))
    project.commit_all("baseline")
    report("months", f"{len(months)} ({months[0]}..{months[-1]}), work folder {work}")
    return project, months, work


def seconds(project, *args: str, until: str | None = None) -> float:
    """Wall time of a command; with ``until``, the time until a line containing it appears (then it is stopped)."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(args), cwd=project.root, env=project.env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    for line in proc.stdout:
        output.append(line)
        if until and until in line:
            elapsed = time.perf_counter() - start
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
            return elapsed
    if proc.wait() != 0 or until:
        raise RuntimeError(f"{' '.join(args)}: exit {proc.returncode}, no {until!r}:\n{''.join(output)[-3000:]}")
    return time.perf_counter() - start


def median_of(repeat: int, *args, **kwargs) -> str:
    runs = sorted(seconds(*args, **kwargs) for _ in range(repeat))
    return f"{statistics.median(runs):.1f} s (runs: {', '.join(f'{r:.1f}' for r in runs)})"


def bench(args, report) -> None:
    """Each row is reported as soon as it is measured (a full run takes a while at 185 months)."""
    months = month_range(args.start, args.end)
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-bookkeeping-"))
    started = time.perf_counter()
    project = faked_history(work, months, Path(args.outputs_from))
    report("months", f"{len(months)} ({months[0]}..{months[-1]}), work folder {work}")
    report("set-up incl. dvc commit -f", f"{time.perf_counter() - started:.0f} s")
    dvc, es = "dvc", "es-pipeline"
    for label, command, until in (("dvc status", (dvc, "status"), None),
                                  ("dvc repro (no-op)", (dvc, "repro"), None),
                                  ("dvc dag", (dvc, "dag"), None),
                                  ("dvc exp show", (dvc, "exp", "show", "--no-pager"), None),
                                  ("es-pipeline repro --jobs 2 (no-op)", (es, "repro", "--jobs", "2"),
                                   "nothing to do")):
        report(label, median_of(args.repeat, project, *command, until=until))
    new = month_range(months[-1], "9999-12")[1]
    link_tree(work / ".template" / "raw.dbn.zst", work / "storage" / "raw" / raw_name(new))
    project.es("months", "sync")
    report(f"+{new}: dvc repro until its first stage",
           median_of(args.repeat, project, dvc, "repro", until=f"Running stage '{addressing(f'filter@{new}')}'"))
    report(f"+{new}: es-pipeline repro plan",
           median_of(args.repeat, project, es, "repro", "--jobs", "2", until="stale per-month"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2010-07")
    parser.add_argument("--end", default="2025-12")
    parser.add_argument("--outputs-from", default=str(ROOT), help="a repo holding one finished month (after make demo)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", help="the scratch folder (default: a new temporary folder)")
    bench(parser.parse_args(), report=lambda key, value: print(f"{key:<42}  {value}", flush=True))


if __name__ == "__main__":
    main()
