"""Benchmark: per-stage compute time, rows/s and peak memory on a full generated month.

Each stage runs in its own process so its peak RSS is its own; kernels are warmed up on a
small slice first so compile time is reported apart from compute time. Finally, the wall
time of ``dvc repro`` for that month end to end (papermill and DVC overhead included).

    python bench/run_bench.py [--month 2025-12] [--skip-dvc]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, scratch_project
from common import timed as _timed


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_generate(month: str, work: Path) -> dict:
    from es_pipeline.synth import generate_month

    summary, seconds = _timed(generate_month, month, work / f"ES.FUT.{month}.ohlcv-1s.dbn.zst")
    return {"records": summary.records, "seconds": seconds, "rows_per_s": summary.records / seconds}


def stage_ingest(month: str, work: Path) -> dict:
    from es_pipeline.filter.ingest import read_raw

    raw, seconds = _timed(read_raw, work / f"ES.FUT.{month}.ohlcv-1s.dbn.zst")
    raw.to_pickle(work / "raw.pkl")
    return {"records": len(raw), "seconds": seconds, "rows_per_s": len(raw) / seconds}


def stage_filter(month: str, work: Path) -> dict:
    import pandas as pd

    from es_pipeline.core.tables import FILTERED_SCHEMA, write_table
    from es_pipeline.filter.filtering import filter_month
    from tests.params import load_params

    params = load_params(ROOT / "params")
    raw = pd.read_pickle(work / "raw.pkl")
    result, seconds = _timed(filter_month, raw, month, params.market, params.filter, "bench")
    write_table(result.bars, work / "filtered.parquet", FILTERED_SCHEMA)
    return {"records_in": len(raw), "rows": len(result.bars), "seconds": seconds, "rows_per_s": len(raw) / seconds}


def stage_label(month: str, work: Path) -> dict:
    from es_pipeline.core.tables import read_filtered
    from es_pipeline.label.labels import label_bars
    from tests.params import load_params

    params = load_params(ROOT / "params")
    bars = read_filtered(work / "filtered.parquet")
    _, compile_s = _timed(label_bars, bars.iloc[:2000], params.label, params.market.tick_size)
    labels, seconds = _timed(label_bars, bars, params.label, params.market.tick_size)
    n_labels = len(bars) * len(params.label.modes)
    return {"rows": len(bars), "modes": len(params.label.modes), "seconds": seconds, "warmup_s": compile_s,
            "labels_per_s": n_labels / seconds}


def stage_label_reference(month: str, work: Path) -> dict:
    """The brute-force reference (tests/reference) against the fast kernel on one session."""
    from es_pipeline.core.tables import read_filtered
    from es_pipeline.label.labels import label_bars
    from tests.params import load_params
    from tests.reference.labels import label_bars_reference

    params = load_params(ROOT / "params")
    bars = read_filtered(work / "filtered.parquet")
    day = bars[bars["session_date"] == bars["session_date"].iloc[0]].reset_index(drop=True)
    label_bars(day.iloc[:2000], params.label, params.market.tick_size)
    _, fast = _timed(label_bars, day, params.label, params.market.tick_size)
    _, slow = _timed(label_bars_reference, day, params.label, params.market.tick_size)
    return {"rows": len(day), "fast_seconds": fast, "reference_seconds": slow, "speedup": slow / fast}


def stage_featurize(month: str, work: Path) -> dict:
    from es_pipeline.core.tables import read_filtered
    from es_pipeline.features.frame import compute_features
    from tests.params import load_params

    params = load_params(ROOT / "params")
    bars = read_filtered(work / "filtered.parquet")
    _, compile_s = _timed(compute_features, bars.iloc[:5000], params.features, params.market.timezone)
    features, seconds = _timed(compute_features, bars, params.features, params.market.timezone)
    return {"rows": len(bars), "features": features.shape[1] - 1, "seconds": seconds, "warmup_s": compile_s,
            "rows_per_s": len(bars) / seconds}


STAGES = {"generate": stage_generate, "ingest": stage_ingest, "filter": stage_filter, "label": stage_label,
          "label_reference": stage_label_reference, "featurize": stage_featurize}


def dvc_repro_wall_time(month: str, work: Path) -> dict:
    """One full month through the real DVC pipeline in a throw-away copy of the repository."""
    project = scratch_project(work / "project", {month: work / f"ES.FUT.{month}.ohlcv-1s.dbn.zst"})
    start = time.perf_counter()
    project.dvc("repro")
    first = time.perf_counter() - start  # includes numba's first compile into the fresh copy's cache
    start = time.perf_counter()
    project.dvc("repro", "--force")
    return {"first_run_seconds": first, "warm_rerun_seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2025-12")
    parser.add_argument("--skip-dvc", action="store_true")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # child-process mode
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        result = STAGES[args.stage](args.month, Path(args.work))
        print(json.dumps({**result, "peak_mb": _peak_mb()}))
        return

    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for stage in STAGES:
            out = subprocess.run([sys.executable, __file__, "--stage", stage, "--work", tmp, "--month", args.month],
                                 check=True, capture_output=True, text=True).stdout
            results[stage] = json.loads(out.strip().splitlines()[-1])
            print(f"{stage:<16}" + "  ".join(f"{k}={v:,.2f}" if isinstance(v, float) else f"{k}={v:,}"
                                             for k, v in results[stage].items()), flush=True)
        if not args.skip_dvc:
            results["dvc_repro_one_month"] = dvc_repro_wall_time(args.month, Path(tmp))
            wall = results["dvc_repro_one_month"]
            print(f"dvc repro (1 month, end to end): {wall['first_run_seconds']:.1f} s first run (cold JIT cache), "
                  f"{wall['warm_rerun_seconds']:.1f} s rerun")
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
