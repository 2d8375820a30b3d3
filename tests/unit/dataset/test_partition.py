"""Dataset partitions (join on ts_event, pre-decay weights) and the decay applied when reading."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from es_pipeline.core.errors import StageInputError
from es_pipeline.core.periods import months_ago
from es_pipeline.core.tables import FILTERED_SCHEMA, write_table
from es_pipeline.dataset.decay import decay_factor, read_dataset, write_decay
from es_pipeline.dataset.partition import MonthInputs, assemble_month, build_month
from tests.params import load_params

REPO_PARAMS = Path(__file__).resolve().parents[3] / "params"


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


def test_assemble_month_joins_and_keeps_pre_decay_weights():
    bars = bars_for("2025-11")
    joined = assemble_month(bars, labels_for(bars), features_for(bars), "x")
    assert list(joined.columns) == [*bars.columns, "label_m", "weight_m", "return_30s"]
    assert (joined["weight_m"] == 2.0).all() and (joined["label_m"] == 1).all()
    assert len(joined) == len(bars)


def test_assemble_month_refuses_misaligned_inputs():
    bars = bars_for("2025-11")
    with pytest.raises(StageInputError, match=r"x: month 2025-11: labels rows do not match the filtered rows "
                                              r"\(4 rows vs 5 filtered rows\)"):
        assemble_month(bars, labels_for(bars).iloc[:4], features_for(bars), "x", "2025-11")


def test_a_mismatch_of_equal_length_names_what_differs():
    bars = bars_for("2025-11")
    shifted = bars.assign(ts_event=bars["ts_event"] + pd.to_timedelta([0, 0, 0, 3600, 0], unit="s"))
    features = features_for(shifted)
    with pytest.raises(StageInputError) as info:
        assemble_month(bars, labels_for(bars), features, "x", "2025-11")
    text = str(info.value)
    assert "month 2025-11: features rows do not match" in text
    assert "same 5 rows but 1 ts_event values differ, first at row 3" in text and "rerun the features stage" in text


def build(tmp_path: Path, months: dict[str, int]) -> tuple[Path, Path]:
    """Per-month inputs and partitions for ``months`` (month -> rows); returns (params dir, dataset)."""
    params_dir = tmp_path / "params"
    shutil.copytree(REPO_PARAMS, params_dir, dirs_exist_ok=True)
    (params_dir / "months.yaml").write_text("months:\n" + "".join(
        f'  "{m}": {{raw: ES.FUT.{m}.ohlcv-1s.dbn.zst, symbols: ES.FUT.{m}.ohlcv-1s.dbn.zst, '
        f'partition: year={m[:4]}/month={m[5:]}}}\n' for m in months))
    out = tmp_path / "data" / "dataset"
    for month, n in months.items():
        bars = bars_for(month, n)
        inputs = MonthInputs.under(tmp_path / "data", month)
        write_table(bars, inputs.filtered, FILTERED_SCHEMA)
        write_table(labels_for(bars), inputs.labels)
        write_table(features_for(bars), inputs.features)
        assert build_month(tmp_path / "data", out, month) == {
            "month": month, "rows": n, "partition": f"year={month[:4]}/month={month[5:]}"}
    params = load_params(params_dir)
    write_decay([m.month for m in params.months], params.dataset, out / "_decay.csv")
    return params_dir, out


def test_partitions_are_hive_and_readable_everywhere_with_decay_joined(tmp_path):
    _, out = build(tmp_path, {"2025-10": 3, "2025-11": 5, "2025-12": 4})
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet")) == [
        "year=2025/month=10/part-0.parquet", "year=2025/month=11/part-0.parquet", "year=2025/month=12/part-0.parquet"]
    assert (out / "year=2025" / "month=11" / "part-0.parquet").stat().st_mode & 0o777 == 0o644

    table = read_dataset(out)
    assert table.schema.field("session_date").type == pa.date32()
    frame = table.to_pandas()
    assert frame.groupby("month").size().to_dict() == {10: 3, 11: 5, 12: 4}
    expected = {10: 2.0 * math.exp(-0.1), 11: 2.0 * math.exp(-0.05), 12: 2.0}  # reference month undecayed
    for month, weight in expected.items():
        assert np.allclose(frame.loc[frame["month"] == month, "weight_m"], weight)
    assert frame["ts_event"].is_monotonic_increasing
    assert read_dataset(out, columns=["weight_m"]).column_names == ["weight_m", "year", "month", "time_decay"]

    # the README's one-liners: the same decayed weights from pandas, polars and duckdb
    import duckdb
    import polars as pl
    import polars.selectors as cs

    p = str(out)
    df = pd.read_parquet(p).astype({"year": int, "month": int}).merge(pd.read_csv(f"{p}/_decay.csv"))
    df = df.assign(**{c: df[c] * df.time_decay for c in df.filter(like="weight_")})
    assert sorted(df["weight_m"].round(12)) == sorted(frame["weight_m"].round(12))
    lf = (pl.scan_parquet(f"{p}/**/*.parquet", hive_partitioning=True)
          .join(pl.scan_csv(f"{p}/_decay.csv"), on=["year", "month"])
          .with_columns(cs.starts_with("weight_") * pl.col("time_decay")))
    assert sorted(lf.collect()["weight_m"].round(12).to_list()) == sorted(frame["weight_m"].round(12))
    rows = duckdb.sql(f"""select * replace (weight_m * time_decay as weight_m)
        from read_parquet('{p}/**/*.parquet', hive_partitioning=true) join '{p}/_decay.csv' using (year, month)""")
    assert sorted(round(w, 12) for (w,) in rows.select("weight_m").fetchall()) == sorted(frame["weight_m"].round(12))


def test_adding_a_month_adds_one_partition_and_rewrites_none(tmp_path):
    _, out = build(tmp_path, {"2025-11": 5, "2025-12": 4})
    before = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    build(tmp_path, {"2025-11": 5, "2025-12": 4, "2026-01": 2})  # same inputs, one month more
    after = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    assert set(after) - set(before) == {out / "year=2026" / "month=01" / "part-0.parquet"}
    assert all(after[p] == data for p, data in before.items())
    frame = read_dataset(out).to_pandas()
    assert np.allclose(frame.loc[frame["month"] == 1, "weight_m"], 2.0)
    assert np.allclose(frame.loc[frame["month"] == 12, "weight_m"], 2.0 * math.exp(-0.05))


def test_reader_names_months_without_a_decay_factor(tmp_path):
    _, out = build(tmp_path, {"2025-12": 4})
    bars = bars_for("2025-09", 2)
    assemble = assemble_month(bars, labels_for(bars), features_for(bars), "x")
    from es_pipeline.dataset.partition import write_partition

    write_partition(assemble, out, "2025-09")
    with pytest.raises(StageInputError, match=r"_decay.csv: no time decay for month\(s\) 2025-09 \(2 rows\)"):
        read_dataset(out)


def test_failed_month_leaves_no_partition(tmp_path):
    with pytest.raises(StageInputError, match="file not found"):
        build_month(tmp_path / "no-data", tmp_path / "dataset", "2025-12")
    assert not (tmp_path / "dataset").exists() or not any((tmp_path / "dataset").rglob("*.parquet"))
