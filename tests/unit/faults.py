"""Helpers of the fault matrix: the filter stage on files or frames, the CLI as a command, a small DVC repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from es_pipeline.filter import stage
from tests.unit.conftest import trades

REPO_PARAMS = Path(__file__).resolve().parents[2] / "params"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "databento"
SAMPLE = FIXTURES / "test_data.ohlcv-1s.dbn.zst"  # ESH1, 2020-12-28 00:00 UTC (Sunday evening CT)
SAMPLE_MONTH = "2020-12"
DEFINITION = FIXTURES / "test_data.definition.dbn.zst"  # ESH1 = instrument 5482, GLBX.MDP3
VERSIONS_RAW = FIXTURES / "versions" / "test_data.ohlcv-1s.v3.dbn.zst"  # ESH1, 2020-12-28 07:00 CT
XNAS_DEFINITION = FIXTURES / "versions" / "test_data.definition.v3.dbn.zst"  # Databento's MSFT sample


def params_with(work: Path, **filter_changes) -> Path:
    """A copy of the repository's params with some filter keys changed."""
    folder = work / "params"
    shutil.copytree(REPO_PARAMS, folder, dirs_exist_ok=True)
    path = folder / "filter.yaml"
    data = yaml.safe_load(path.read_text())
    data["filter"].update(filter_changes)
    path.write_text(yaml.safe_dump(data))
    return folder


def run_file(work: Path, data: bytes, month: str = SAMPLE_MONTH, name: str = "ES.FUT.ohlcv-1s.dbn.zst",
             symbols: Path | None = None, **filter_changes):
    """The filter stage on raw bytes written to a local file; returns (result, out, metrics_out)."""
    raw = work / "raw" / name
    raw.parent.mkdir(exist_ok=True)
    raw.write_bytes(data)
    out, metrics_out = work / "out" / "f.parquet", work / "out" / "f.json"
    result = stage.run(raw=raw, month=month, out=out, metrics_out=metrics_out,
                       params_dir=params_with(work, **filter_changes), symbols=symbols)
    return result, out, metrics_out


def run_frame(work: Path, frame: pd.DataFrame, monkeypatch, **filter_changes):
    """The filter stage on a hand-built raw frame (the reader replaced, everything after it real)."""
    monkeypatch.setattr(stage, "read_raw", lambda *args: frame)
    out, metrics_out = work / "out" / "f.parquet", work / "out" / "f.json"
    result = stage.run(raw="raw/ES.FUT.2025-12.ohlcv-1s.dbn.zst", month="2025-12", out=out, metrics_out=metrics_out,
                       params_dir=params_with(work, **filter_changes))
    return result, out, metrics_out


def expect_error(kind, fn, *names):
    """Run ``fn``; it must raise ``kind`` whose message holds every one of ``names``."""
    with pytest.raises(kind) as info:
        fn()
    text = str(info.value)
    missing = [n for n in names if n not in text]
    assert not missing, f"{missing} not in: {text}"
    return info.value


def one_session(symbol="ESZ5", price=6000.0, start="2025-12-01 08:00:00", seconds=60, **kw):
    return trades(symbol, start, seconds, price=price, **kw)


def es(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The ``es-pipeline`` command, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "es_pipeline.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env})


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The command failed with exactly one ``error:`` line and no traceback; returns that line."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 2 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    return errors[0]


def dvc_repo(work: Path, stages: dict) -> Path:
    """A DVC repository (no git) with these stages; DVC's own API reads and records it."""
    from dvc.repo import Repo

    Repo.init(str(work), no_scm=True).close()
    (work / "dvc.yaml").write_text(yaml.safe_dump({"stages": stages}))
    return work


def write(work: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(data)
