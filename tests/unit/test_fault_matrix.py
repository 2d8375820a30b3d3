"""Fault matrix (issues 12 and 20): one case per fault, each asserting the clear error or the right handling.

Unit-level on purpose (hand-built frames, the real Databento sample files edited with databento_dbn,
the filter stage runner on local files, DVC's own API on a two-stage repository, the parallel
worker and lock on a scratch folder) so the whole list stays fast and always runs. Faults that need
`dvc repro`, a Dask cluster or S3 are in tests/integration/test_faults.py.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import databento_dbn as dbn
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
import zstandard

from es_pipeline.core.errors import DEBUG_ENV, OutputWriteError, RawDataError, StageInputError
from es_pipeline.dataset.partition import assemble_month
from es_pipeline.features import volatility
from es_pipeline.features.base import BarArrays
from es_pipeline.filter import stage
from es_pipeline.filter.ingest import UNDEF_PRICE_POINTS
from es_pipeline.ops.parallel import outputs
from es_pipeline.ops.parallel.plan import StageTask
from es_pipeline.ops.parallel.worker import StageFailed, run_here
from es_pipeline.ops.prune import prune
from es_pipeline.ops.verify import verify
from tests.params import load_params
from tests.unit.conftest import build_raw
from tests.unit.dbn_edits import (
    as_parent,
    header_only,
    with_definition_symbol,
    with_mixed_schemas,
    with_record_prices,
)
from tests.unit.faults import (
    DEFINITION,
    FIXTURES,
    REPO_PARAMS,
    SAMPLE,
    SAMPLE_MONTH,
    VERSIONS_RAW,
    XNAS_DEFINITION,
    dvc_repo,
    es,
    expect_error,
    one_line_error,
    one_session,
    params_with,
    run_file,
    run_frame,
    write,
)

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
    error = expect_error(OutputWriteError, lambda: run_frame(work, frame, monkeypatch), "f.parquet", "month 2025-12",
                         "rule 'disk_full'", "no space left on device")
    assert "this file was not written" in str(error)  # the executed notebook, shown on its page, was written
    assert not any((work / "out").iterdir())  # no partial output, no temporary file


def read_only_folder(work, monkeypatch):
    def read_only(*args):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    error = expect_error(OutputWriteError, lambda: run_frame(work, build_raw(one_session()), monkeypatch),
                         f"{work}/out/f.parquet, month 2025-12, rule 'read_only': read-only file system")
    assert "OSError" not in str(error) and not any((work / "out").iterdir())
    monkeypatch.undo()
    denied = es(work, "filter", str(VERSIONS_RAW), "--month", SAMPLE_MONTH, "--out", "/sys/es-pipeline-test/f.parquet",
                "--params-dir", str(params_with(work, session_start="07:00")))
    line = one_line_error(denied)  # sysfs refuses new files (EPERM, EACCES or EROFS, by kernel and user)
    assert line.startswith("error: /sys/es-pipeline-test/f.parquet, month 2020-12, rule '") and "OSError" not in line
    assert line.split("'")[1] in ("permission_denied", "read_only") and "this file was not written" in line


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


# ---------------------------------------------------------------- issue 20: nothing lost

def prune_keeps_what_current_stages_write(work, monkeypatch):
    """A stale `dataset` entry whose output was the whole data/dataset folder: only its other files go."""
    dvc_repo(work, {"dataset": {"foreach": ["2025-11"], "do": {"cmd": "true", "outs": ["data/dataset/m=${item}"]}},
                    "decay": {"cmd": "true", "outs": ["data/dataset/_decay.csv"]}})
    files = {"data/dataset/m=2025-11/part-0.parquet": b"kept", "data/dataset/m=2025-10/part-0.parquet": b"old",
             "data/dataset/_decay.csv": b"kept", "metrics/dataset.json": b"{}"}
    write(work, files)
    listing = [{"md5": "0" * 32, "relpath": name.removeprefix("data/dataset/")} for name in files if "dataset/" in name]
    write(work, {".dvc/cache/files/md5/ab/cdef.dir": json.dumps(listing).encode()})
    out = {"hash": "md5", "md5": "0" * 32}
    (work / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0", "stages": {
        "dataset": {"cmd": "es-pipeline dataset", "outs": [{"path": "data/dataset", "hash": "md5", "md5": "abcdef.dir"},
                                                         {"path": "metrics/dataset.json", **out}]},
        "dataset@2025-11": {"cmd": "true", "outs": [{"path": "data/dataset/m=2025-11", "hash": "md5",
                                                     "md5": "abcdef.dir"}]}}}))
    listed = prune(work, dry_run=True)
    assert listed.stages == ["dataset"] and listed.kept == ["data/dataset"]
    assert listed.paths == ["data/dataset/m=2025-10/part-0.parquet", "metrics/dataset.json"]
    prune(work)
    assert {p.relative_to(work).as_posix() for p in (work / "data").rglob("*") if p.is_file()} == {
        "data/dataset/m=2025-11/part-0.parquet", "data/dataset/_decay.csv"}
    assert not (work / "data/dataset/m=2025-10").exists() and not (work / "metrics/dataset.json").exists()
    assert set(yaml.safe_load((work / "dvc.lock").read_text())["stages"]) == {"dataset@2025-11"}


def failed_stage_keeps_its_outputs(work, monkeypatch):
    """A failed month keeps its last good outputs; persist ones (metrics) are never touched."""
    good = {"data/filtered/2025-12.parquet": b"good bars", "reports/filter/2025-12.ipynb": b"good notebook",
            "data/dataset/year=2025/month=12/part-0.parquet": b"good partition", "metrics/filter/2025-12.json": b"{}"}
    write(work, good)
    outs = ("data/filtered/2025-12.parquet", "reports/filter/2025-12.ipynb", "data/dataset/year=2025/month=12")
    failing = StageTask("filter@2025-12", "echo traceback > reports/filter/2025-12.ipynb; exit 1", outs, (), ())
    with pytest.raises(StageFailed):
        run_here(str(work), failing)
    now = {name: (work / name).read_bytes() for name in good}
    assert now == good | {"reports/filter/2025-12.ipynb": b"traceback\n"}  # the failed run's page stays
    assert not (work / outputs.ASIDE).exists() or not any((work / outputs.ASIDE).rglob("*.*"))
    fresh = StageTask("filter@2025-12", "test ! -e data/filtered/2025-12.parquet && echo new > "
                      "data/filtered/2025-12.parquet", outs[:1], (), ())
    run_here(str(work), fresh)  # as dvc repro: the command starts without its (non-persist) outputs
    assert (work / outs[0]).read_bytes() == b"new\n" and (work / "metrics/filter/2025-12.json").exists()


def killed_stage_outputs_come_back(work, monkeypatch):
    write(work, {"data/dataset/year=2025/month=12/part-0.parquet": b"good", "reports/label/2025-12.html": b"old"})
    outputs.set_aside(work, ("data/dataset/year=2025/month=12", "reports/label/2025-12.html"))
    write(work, {"reports/label/2025-12.html": b"written before the kill"})
    assert outputs.restore_leftovers(work) == ["data/dataset/year=2025/month=12"]
    assert (work / "data/dataset/year=2025/month=12/part-0.parquet").read_bytes() == b"good"
    assert (work / "reports/label/2025-12.html").read_bytes() == b"written before the kill"
    assert not (work / outputs.ASIDE).exists()


def unchanged_inputs_skip_the_stage(work, monkeypatch):
    """Upstream rewrote its output with the recorded bytes (e.g. only the raw object's ETag changed)."""
    from dvc_data.hashfile.hash import file_md5

    write(work, {"data/filtered/2025-12.parquet": b"bars"})
    recorded = (("data/filtered/2025-12.parquet", file_md5(str(work / "data/filtered/2025-12.parquet"))),)
    task = StageTask("label@2025-12", "touch ran", ("data/labels/2025-12.parquet",), ("filter@2025-12",),
                     ("filter@2025-12",), changed=False, recorded=recorded)
    assert run_here(str(work), task)["unchanged"] and not (work / "ran").exists()
    write(work, {"data/filtered/2025-12.parquet": b"other bars"})
    assert not run_here(str(work), task).get("unchanged") and (work / "ran").exists()


def second_repro_is_refused(work, monkeypatch):
    hold = ("import sys; from pathlib import Path\nfrom es_pipeline.ops.parallel.lock import workspace_lock\n"
            "with workspace_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(work)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        line = one_line_error(es(work, "repro", "--jobs", "1"))
        assert line.startswith(f"error: another es-pipeline repro (PID {holder.pid}) is running in {work}")
        shutil.copytree(REPO_PARAMS, work / "params")
        before = (work / "params/label.yaml").read_text()
        line = one_line_error(es(work, "exp", "run", "-S", "params/label.yaml:label.timeout_seconds=600",
                                 "--jobs", "1"))
        assert f"(PID {holder.pid})" in line and (work / "params/label.yaml").read_text() == before  # not applied
    finally:
        holder.stdin.close()
        holder.wait()


def bad_params_yaml_in_repro(work, monkeypatch):
    (work / "params").mkdir()
    shutil.copytree(REPO_PARAMS, work / "params", dirs_exist_ok=True)
    (work / "params/label.yaml").write_text((work / "params/label.yaml").read_text() + "  oops: [\n")
    line = one_line_error(es(work, "repro", "--jobs", "1"))
    assert line.startswith(f"error: {work}/params/label.yaml: line ") and "must be valid YAML" in line


def missing_cache_object_is_a_mismatch(work, monkeypatch):
    from dvc.repo import Repo

    dvc_repo(work, {"make": {"cmd": "true", "outs": ["out.txt"]}})
    write(work, {"out.txt": b"bars\n"})
    with Repo(str(work)) as repo:
        repo.commit(f"{work}/dvc.yaml:make", force=True)
    md5 = yaml.safe_load((work / "dvc.lock").read_text())["stages"]["make"]["outs"][0]["md5"]
    obj = work / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
    obj.unlink()
    assert [str(m) for m in verify(work).mismatches] == [f"cache {obj} (out.txt): expected {md5}, actual missing"]
    refused = es(work, "push")
    assert refused.returncode == 2 and f"cache {obj} (out.txt): expected {md5}, actual missing" in refused.stderr


# ---------------------------------------------------------------- issue 20: definition files and products

def definition_read_even_with_raw_symbols(work, monkeypatch):
    """A raw-symbol month given a broken definition file: the error names the definition file."""
    defs = work / "defs.dbn.zst"
    defs.write_bytes(DEFINITION.read_bytes()[:-5])
    params = params_with(work, session_start="07:00")
    line = one_line_error(es(work, "filter", str(VERSIONS_RAW), "--month", SAMPLE_MONTH, "--out", "f.parquet",
                             "--definition", str(defs), "--params-dir", str(params)))
    assert line.startswith(f"error: {defs}, month 2020-12, rule 'truncated'") and not (work / "f.parquet").exists()
    expect_error(RawDataError, lambda: run_file(work, as_parent(VERSIONS_RAW), name="x.dbn.zst",
                                                symbols=defs, session_start="07:00"), str(defs), "rule 'truncated'")


def definition_of_another_month(work, monkeypatch):
    """Ids mapped to ESM1 in December 2020 (the front is ESH1): a warning and a flag, not an error."""
    defs = work / "ES.FUT.definition.dbn.zst"
    defs.write_bytes(with_definition_symbol(DEFINITION, "ESH1", "ESM1"))
    result, _, metrics_out = run_file(work, as_parent(VERSIONS_RAW), symbols=defs, session_start="07:00")
    assert json.loads(metrics_out.read_text())["primary_not_front"] == {"2020-12-28": "ESM1"}
    defs.write_bytes(DEFINITION.read_bytes())
    result, _, metrics_out = run_file(work, as_parent(VERSIONS_RAW), symbols=defs, session_start="07:00")
    assert json.loads(metrics_out.read_text())["primary_not_front"] == {} and set(result.bars["symbol"]) == {"ESH1"}


def another_product(work, monkeypatch):
    for data, problem in ((as_parent(VERSIONS_RAW, "NQ.FUT"), "symbol(s) NQ.FUT are not ES futures"),
                          (as_parent(VERSIONS_RAW, dataset="XNAS.ITCH"), "dataset XNAS.ITCH, expected GLBX.MDP3")):
        expect_error(RawDataError, lambda data=data: run_file(work, data, session_start="07:00"), "month 2020-12",
                     "rule 'product'", problem)
        (work / "other.dbn.zst").write_bytes(data)
        line = one_line_error(es(work, "ingest", "other.dbn.zst", "--params-dir", str(REPO_PARAMS)))
        assert line == f"error: other.dbn.zst, rule 'product': {problem}" + line.split(problem, 1)[1]
    (work / "xnas.dbn.zst").write_bytes(XNAS_DEFINITION.read_bytes())
    expect_error(RawDataError, lambda: run_file(work, as_parent(VERSIONS_RAW), symbols=work / "xnas.dbn.zst",
                                                session_start="07:00"),
                 f"{work}/xnas.dbn.zst", "rule 'product'", "dataset XNAS.ITCH")


# ---------------------------------------------------------------- issue 20: one line, not a traceback

def not_dbn_names_no_object(work, monkeypatch):
    (work / "notes.dbn.zst").write_text("date,open,high\n")
    line = one_line_error(es(work, "ingest", "notes.dbn.zst", "--params-dir", str(REPO_PARAMS)))
    assert line == "error: notes.dbn.zst, rule 'not_dbn': not a DBN file: it does not start with DBN's signature " \
                   "(it starts b'date,ope')"


def mixed_schemas(work, monkeypatch):
    (work / "mixed.dbn.zst").write_bytes(with_mixed_schemas(VERSIONS_RAW, DEFINITION))
    line = one_line_error(es(work, "ingest", "mixed.dbn.zst", "--params-dir", str(REPO_PARAMS)))
    assert line == "error: mixed.dbn.zst, rule 'schema': expected schema ohlcv-1s, found several schemas " \
                   "(its header names none)"


def renamed_key(work, monkeypatch):
    params = params_with(work)
    (params / "label.yaml").write_text((params / "label.yaml").read_text().replace("timeout_seconds:", "timeout_secs:"))
    line = one_line_error(es(work, "repro", "--jobs", "1"))  # params/ checked before DVC reads it
    assert "label.timeout_seconds must be a value (the key is missing; unknown key label.timeout_secs found" in line


def debug_shows_the_real_traceback(work, monkeypatch):
    """In a notebook with ES_PIPELINE_DEBUG=1: IPython's traceback of the error, not NotImplementedError.
    And the stage log holds no kernel transport warning (kernels talk over IPC sockets)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    raising = new_code_cell("from es_pipeline.core.errors import ParamsError\n"
                            "raise ParamsError('params/label.yaml', 'label.timeout_seconds', 'set', 0)")
    kernel = {"name": "es-pipeline", "display_name": "es-pipeline", "language": "python"}
    nb = new_notebook(cells=[raising], metadata={"kernelspec": kernel})
    nbformat.write(nb, work / "nb.ipynb")
    for debug, shown in (("1", "Traceback"), ("0", "ParamsError: params/label.yaml: label.timeout_seconds must be")):
        run = es(work, "notebook", "nb.ipynb", "out.ipynb", "--html", "out.html", **{DEBUG_ENV: debug})
        assert run.returncode != 0 and "without encryption" not in run.stderr, run.stderr
        assert "KeyboardInterrupt" not in run.stderr, run.stderr
        cell = next(c for c in nbformat.read(work / "out.ipynb", as_version=4).cells if c.cell_type == "code")
        text = "\n".join(cell.outputs[0].traceback)
        assert shown in text and "NotImplementedError" not in text and "label.timeout_seconds" in text


CASES = {f.__name__: f for f in (
    parent_without_definitions, header_without_records, outage_hole, opening_from_overnight, null_price,
    every_broken_rule, dropped_rows_warn, wrong_schema, truncated, truncated_record, empty_file, disk_full,
    wrong_month, bad_rows, conflicting_duplicates, dataset_row_mismatch, flat_atr_percentile, read_only_folder,
    prune_keeps_what_current_stages_write, failed_stage_keeps_its_outputs, killed_stage_outputs_come_back,
    unchanged_inputs_skip_the_stage, second_repro_is_refused, bad_params_yaml_in_repro,
    missing_cache_object_is_a_mismatch, definition_read_even_with_raw_symbols, definition_of_another_month,
    another_product, not_dbn_names_no_object, mixed_schemas, renamed_key, debug_shows_the_real_traceback,
)}


@pytest.mark.parametrize("case", list(CASES))
def test_fault(case, tmp_path, monkeypatch):
    CASES[case](tmp_path, monkeypatch)

