"""Dataset assembly: join on ts_event, time decay against the reference month, Hive partitions."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from es_pipeline.dataset import MonthInputs, assemble_month, build_dataset, decay_factor, months_ago, read_dataset
from es_pipeline.errors import StageInputError
from es_pipeline.params import load_params
from es_pipeline.tables import FILTERED_SCHEMA, write_table

REPO_PARAMS = Path(__file__).resolve().parents[2] / "params"


def bars_for(month: str, n: int = 5) -> pd.DataFrame:
    ts = pd.date_range(f"{month}-03 13:30", periods=n, freq="s", tz="UTC").astype("datetime64[ns, UTC]")
    close = 6000 + 0.25 * np.arange(n)
    return pd.DataFrame({
        "ts_event": ts, "session_date": pd.Timestamp(f"{month}-03").as_unit("ns"), "symbol": "ESZ5",
        "open": close, "high": close + 0.25, "low": close - 0.25, "close": close,
        "volume": np.arange(n, dtype=np.int64), "filled": np.zeros(n, bool),
    })


def labels_for(bars: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"ts_event": bars["ts_event"], "label_m": np.int8(1), "weight_m": 2.0})


def features_for(bars: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"ts_event": bars["ts_event"], "return_30s": np.nan})


@pytest.mark.parametrize(("month", "ref", "ago"), [("2025-12", "2025-12", 0), ("2025-11", "2025-12", 1),
                                                  ("2010-07", "2025-12", 185), ("2026-01", "2025-12", -1)])
def test_months_ago(month, ref, ago):
    assert months_ago(month, ref) == ago


def test_decay_is_exp_of_rate_times_months_ago():
    assert decay_factor("2025-10", "2025-12", 0.05) == pytest.approx(math.exp(-0.1))
    assert decay_factor("2025-12", "2025-12", 0.05) == 1.0


def test_assemble_month_joins_and_decays_weights_only():
    bars = bars_for("2025-11")
    joined = assemble_month(bars, labels_for(bars), features_for(bars), 0.5, "x")
    assert list(joined.columns) == [*bars.columns, "label_m", "weight_m", "return_30s", "time_decay"]
    assert (joined["weight_m"] == 1.0).all() and (joined["label_m"] == 1).all()
    assert len(joined) == len(bars)


def test_assemble_month_refuses_misaligned_inputs():
    bars = bars_for("2025-11")
    with pytest.raises(StageInputError, match=r"x: month 2025-11: labels rows do not match the filtered rows "
                                              r"\(4 rows vs 5 filtered rows\)"):
        assemble_month(bars, labels_for(bars).iloc[:4], features_for(bars), 1.0, "x", "2025-11")


def test_a_mismatch_of_equal_length_names_what_differs():
    bars = bars_for("2025-11")
    shifted = bars.assign(ts_event=bars["ts_event"] + pd.to_timedelta([0, 0, 0, 3600, 0], unit="s"))
    features = features_for(shifted)
    with pytest.raises(StageInputError) as info:
        assemble_month(bars, labels_for(bars), features, 1.0, "x", "2025-11")
    text = str(info.value)
    assert "month 2025-11: features rows do not match" in text
    assert "same 5 rows but 1 ts_event values differ, first at row 3" in text and "rerun the features stage" in text


def test_build_dataset_is_hive_partitioned_and_readable_everywhere(tmp_path):
    params_dir = tmp_path / "params"
    shutil.copytree(REPO_PARAMS, params_dir)
    params = load_params(params_dir)
    for entry in params.months:
        bars = bars_for(entry.month)
        inputs = MonthInputs.under(tmp_path / "data", entry.month)
        write_table(bars, inputs.filtered, FILTERED_SCHEMA)
        write_table(labels_for(bars), inputs.labels)
        write_table(features_for(bars), inputs.features)

    out = tmp_path / "data" / "dataset"
    metrics = build_dataset(params, tmp_path / "data", out)
    assert metrics["rows_per_month"] == {"2025-11": 5, "2025-12": 5} and metrics["rows"] == 10
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet")) == [
        "year=2025/month=11/part-0.parquet", "year=2025/month=12/part-0.parquet"]

    assert (out.stat().st_mode & 0o777) == 0o755
    assert read_dataset(out).schema.field("session_date").type == pa.date32()
    table = read_dataset(out).to_pandas()
    november = table[table["month"] == 11]
    assert np.allclose(november["weight_m"], 2.0 * math.exp(-0.05))
    assert np.allclose(table.loc[table["month"] == 12, "weight_m"], 2.0)

    import duckdb
    import polars as pl

    glob = str(out / "**" / "*.parquet")
    assert pl.scan_parquet(glob, hive_partitioning=True).select(pl.len()).collect().item() == 10
    assert duckdb.sql(f"select count(*), min(month) from read_parquet('{glob}', hive_partitioning=true)").fetchall() == [(10, 11)]
    assert len(pd.read_parquet(out)) == 10

    first = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    build_dataset(params, tmp_path / "data", out)
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")} == first


def test_failed_assembly_leaves_the_previous_dataset_untouched(tmp_path):
    params = load_params(REPO_PARAMS)
    out = tmp_path / "dataset"
    (out / "year=2025").mkdir(parents=True)
    (out / "year=2025" / "keep.txt").write_text("previous")
    with pytest.raises(StageInputError, match="file not found"):
        build_dataset(params, tmp_path / "no-data", out)
    assert (out / "year=2025" / "keep.txt").read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["dataset"]
