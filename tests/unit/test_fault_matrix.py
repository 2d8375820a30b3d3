"""Fault matrix (issue 12): one case per raw-data fault, each asserting the clear error or the right handling.

Unit-level on purpose (hand-built frames, the real Databento sample files edited with databento_dbn,
the filter stage runner on local files) so the whole list stays fast and always runs.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
from pathlib import Path

import databento_dbn as dbn
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
import zstandard

from es_pipeline.core.errors import OutputWriteError, RawDataError, StageInputError
from es_pipeline.dataset.partition import assemble_month
from es_pipeline.features import volatility
from es_pipeline.features.base import BarArrays
from es_pipeline.filter import stage
from es_pipeline.filter.ingest import UNDEF_PRICE_POINTS
from tests.params import load_params
from tests.unit.conftest import build_raw, trades
from tests.unit.dbn_edits import as_parent, header_only, with_record_prices

REPO_PARAMS = Path(__file__).resolve().parents[2] / "params"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "databento"
SAMPLE = FIXTURES / "test_data.ohlcv-1s.dbn.zst"  # ESH1, 2020-12-28 00:00 UTC (Sunday evening CT)
SAMPLE_MONTH = "2020-12"


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
             **filter_changes):
    """The filter stage on raw bytes written to a local file; returns (result, out, metrics_out)."""
    raw = work / "raw" / name
    raw.parent.mkdir(exist_ok=True)
    raw.write_bytes(data)
    out, metrics_out = work / "out" / "f.parquet", work / "out" / "f.json"
    result = stage.run(raw=raw, month=month, out=out, metrics_out=metrics_out,
                       params_dir=params_with(work, **filter_changes))
    return result, out, metrics_out


def run_frame(work: Path, frame: pd.DataFrame, monkeypatch, **filter_changes):
    """The filter stage on a hand-built raw frame (the reader replaced, everything after it real)."""
    monkeypatch.setattr(stage, "read_raw", lambda raw, month=None, symbols=None: frame)
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


# ---------------------------------------------------------------- the cases

def parent_without_definitions(work, monkeypatch):
    raw = as_parent(SAMPLE)  # the real file, as a parent request; no definition file beside it
    (work / "ES.FUT.ohlcv-1s.dbn.zst").write_bytes(raw)
    assert stage.read_raw(work / "ES.FUT.ohlcv-1s.dbn.zst")["symbol"].tolist() == ["id:5482"] * 4
    frame = build_raw(one_session("id:5482") + one_session("id:7", price=-12.5, volume=50))
    result, _, metrics_out = run_frame(work, frame, monkeypatch)
    metrics = json.loads(metrics_out.read_text())
    assert metrics["symbology"] == "instrument_id" and metrics["dropped"]["spread"] == 60
    assert set(result.bars["symbol"]) == {"id:5482"} and metrics["primary"] == {"2025-12-01": "id:5482"}


def header_without_records(work, monkeypatch):
    error = expect_error(RawDataError, lambda: run_file(work, header_only(SAMPLE)),
                         "ES.FUT.ohlcv-1s.dbn.zst", "month 2020-12", "rule 'no_records'")
    assert error.count == 0


def outage_hole(work, monkeypatch):
    rows = one_session(start="2025-12-01 07:30:00", seconds=27_000)
    frame = build_raw(rows[:3600] + rows[3600 + 7200:])  # a 2-hour hole from 08:30
    _, _, metrics_out = run_frame(work, frame, monkeypatch)
    metrics = json.loads(metrics_out.read_text())
    assert metrics["longest_filled_run"] == {"2025-12-01": 7200} and metrics["long_gap_sessions"] == ["2025-12-01"]
    frame = build_raw(rows[:3600] + rows[3600 + 7200:] + one_session(start="2025-12-02 07:30:00", seconds=27_000))
    result, _, metrics_out = run_frame(work, frame, monkeypatch, drop_long_gap_sessions=True)
    metrics = json.loads(metrics_out.read_text())
    assert metrics["dropped"]["long_gap_session"] == 27_000 - 7200 and metrics["sessions"] == 1


def opening_from_overnight(work, monkeypatch):
    frame = build_raw(one_session(price=5990.0, start="2025-12-01 03:00:00", seconds=1) + one_session())
    result, _, _ = run_frame(work, frame, monkeypatch)
    assert result.bars["close"].iloc[0] == 5990.0 and result.metrics["sessions_filled_from_first_open"] == 0


def null_price(work, monkeypatch):
    data = with_record_prices(SAMPLE, high=dbn.UNDEF_PRICE)
    error = expect_error(RawDataError, lambda: run_file(work, data), "ES.FUT.ohlcv-1s.dbn.zst",
                         "month 2020-12", "rule 'undefined_price'", "4 record(s)")
    assert error.rule == "undefined_price"
    frame = build_raw(one_session() + [("2025-12-01 09:00:00", "ESZ5", 6000.0, UNDEF_PRICE_POINTS, 6000.0,
                                        6000.0, 1)])
    _, out, metrics_out = run_frame(work, frame, monkeypatch, bad_rows="drop")
    assert json.loads(metrics_out.read_text())["dropped"]["undefined_price"] == 1
    assert pq.read_table(out, columns=["high"]).column(0).to_numpy().max() < 7000


def every_broken_rule(work, monkeypatch):
    frame = build_raw(one_session() + [("2025-12-01 09:00:00", "ESZ5", 6000.0, 6001.0, 6000.0, 6000.0, -1),
                                       ("2025-12-01 09:00:01", "ESZ5", 6000.0, 5999.0, 6000.0, 6000.0, 1),
                                       ("2025-12-01 09:00:02", "ESZ5", 6000.0, 5999.0, 6000.0, 6000.0, 1)])
    error = expect_error(RawDataError, lambda: run_frame(work, frame, monkeypatch), "month 2025-12",
                         "ohlc_consistency: 2 record(s)", "negative_volume: 1 record(s)")
    assert error.rule == "ohlc_consistency, negative_volume" and error.count == 3


def dropped_rows_warn(work, monkeypatch):
    frame = build_raw(one_session() + [("2025-12-01 09:00:00", "ESZ5", 6000.0, 6001.0, 6000.0, 6000.0, -1)])
    logger = logging.getLogger("es_pipeline")
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        run_frame(work, frame, monkeypatch, bad_rows="drop")
    finally:
        logger.removeHandler(handler)
    messages = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert any("dropped 1 bad record(s)" in m and "negative_volume 1" in m for m in messages), messages


def wrong_schema(work, monkeypatch):
    data = (FIXTURES / "test_data.ohlcv-1m.dbn.zst").read_bytes()
    expect_error(RawDataError, lambda: run_file(work, data), "ES.FUT.ohlcv-1s.dbn.zst", "month 2020-12",
                 "rule 'schema'", "expected schema ohlcv-1s, found ohlcv-1m")


def truncated(work, monkeypatch):
    data = SAMPLE.read_bytes()[:-5]
    expect_error(RawDataError, lambda: run_file(work, data), "ES.FUT.ohlcv-1s.dbn.zst", "month 2020-12",
                 "rule 'truncated'")


def truncated_record(work, monkeypatch):
    plain = zstandard.ZstdDecompressor().decompressobj().decompress(SAMPLE.read_bytes())
    data = zstandard.ZstdCompressor().compress(plain[:-10])
    expect_error(RawDataError, lambda: run_file(work, data), "month 2020-12", "rule 'not_dbn'")


def empty_file(work, monkeypatch):
    expect_error(RawDataError, lambda: run_file(work, b""), "ES.FUT.ohlcv-1s.dbn.zst", "month 2020-12",
                 "rule 'empty_file'")


def disk_full(work, monkeypatch):
    def full(table, where, **kw):
        Path(where).write_bytes(b"PAR1")  # a partial file, as a real full disk leaves
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full)
    frame = build_raw(one_session())
    expect_error(OutputWriteError, lambda: run_frame(work, frame, monkeypatch), "f.parquet", "month 2025-12",
                 "rule 'disk_full'", "no space left on device")
    assert not any((work / "out").iterdir())  # no partial output, no temporary file


def wrong_month(work, monkeypatch):
    expect_error(RawDataError, lambda: run_file(work, SAMPLE.read_bytes(), month="2025-12"),
                 "month 2025-12", "rule 'records_outside_month'", "2020-12 (4)")


def bad_rows(work, monkeypatch):
    frame = build_raw(one_session() + [("2025-12-01 09:00:00", "ESZ5", 0.0, 0.25, 0.0, 0.0, 1)])
    expect_error(RawDataError, lambda: run_frame(work, frame, monkeypatch), "month 2025-12",
                 "rule 'non_positive_price'", "bad_rows: drop")


def conflicting_duplicates(work, monkeypatch):
    rows = one_session()
    frame = build_raw(rows + [rows[0][:-1] + (99,)])
    expect_error(RawDataError, lambda: run_frame(work, frame, monkeypatch, bad_rows="drop"), "month 2025-12",
                 "rule 'conflicting_duplicate'", "1 record(s)")


def dataset_row_mismatch(work, monkeypatch):
    ts = pd.date_range("2025-12-01 13:30", periods=3, freq="s", tz="UTC").astype("datetime64[ns, UTC]")
    bars = pd.DataFrame({"ts_event": ts})
    labels = pd.DataFrame({"ts_event": ts, "weight_m": 1.0})
    features = pd.DataFrame({"ts_event": ts[::-1]})
    expect_error(StageInputError, lambda: assemble_month(bars, labels, features, "data/filtered/2025-12.parquet",
                                                         "2025-12"),
                 "month 2025-12", "features rows", "same 3 rows but 2 ts_event values differ, first at row 0")


def flat_atr_percentile(work, monkeypatch):
    """SPEC 7 corrected: a flat stretch reads near 50 (average rank), the breakout is NaN (std 0)."""
    n = 700
    ts = pd.date_range("2025-12-01 13:30", periods=n, freq="s", tz="UTC").astype("datetime64[ns, UTC]")
    bars = pd.DataFrame({"ts_event": ts, "session_date": pd.Timestamp("2025-12-01").as_unit("ns"),
                         "open": 6000.0, "high": 6000.25, "low": 6000.0, "close": 6000.0, "volume": 1})
    out = volatility.compute(BarArrays.from_frame(bars), load_params(REPO_PARAMS).features)
    np.testing.assert_allclose(out["atr_percentile"][-1], 100 * 150.5 / 300)
    assert np.isnan(out["volatility_breakout"][-1])


CASES = {f.__name__: f for f in (
    parent_without_definitions, header_without_records, outage_hole, opening_from_overnight, null_price,
    every_broken_rule, dropped_rows_warn, wrong_schema, truncated, truncated_record, empty_file, disk_full,
    wrong_month, bad_rows, conflicting_duplicates, dataset_row_mismatch, flat_atr_percentile,
)}


@pytest.mark.parametrize("case", list(CASES))
def test_fault(case, tmp_path, monkeypatch):
    CASES[case](tmp_path, monkeypatch)

