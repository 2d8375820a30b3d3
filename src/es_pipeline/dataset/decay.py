"""Time decay, applied when the dataset is read: ``weight_<mode> * exp(-decay_rate * months_ago)``.

The decay depends on the reference (newest) month, so it is kept out of the partitions (which
would all change whenever a month is added). The dataset carries a small table ``_decay.csv``
(year, month, time_decay) for the current parameters; readers join it on the partition columns.
The leading underscore keeps pyarrow/pandas from taking it for a data file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pds

from es_pipeline.core.errors import StageInputError
from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import log
from es_pipeline.core.params import load_months
from es_pipeline.core.periods import hive_partition, months_ago
from es_pipeline.dataset import params as dataset_params

DECAY_NAME = "_decay.csv"


def decay_factor(month: str, reference_month: str, decay_rate: float) -> float:
    return float(np.exp(-decay_rate * months_ago(month, reference_month)))


def decay_table(months: list[str], params: dataset_params.DatasetParams) -> pd.DataFrame:
    """One row per listed month: year, month (ints, as the Hive partition columns) and its factor."""
    return pd.DataFrame({
        "year": [int(m[:4]) for m in months],
        "month": [int(m[5:]) for m in months],
        "time_decay": [decay_factor(m, params.reference, params.decay_rate) for m in months],
    })


def write_decay(months: list[str], params: dataset_params.DatasetParams, out: str | Path) -> pd.DataFrame:
    table = decay_table(months, params)
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False, float_format="%.17g")
    return table


def _read_decay(path: Path) -> pd.DataFrame:
    decay_path = path / DECAY_NAME
    if not decay_path.exists():
        raise StageInputError(str(decay_path), "missing: run the decay stage (dvc repro decay)")
    return pd.read_csv(decay_path, dtype={"year": "int32", "month": "int32"})


def read_dataset(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """The dataset with decayed weights and a ``time_decay`` column, year/month from the paths."""
    path = Path(path)
    decay_path = path / DECAY_NAME
    decay = pa.Table.from_pandas(_read_decay(path), preserve_index=False)
    partitioning = pds.partitioning(pa.schema([("year", pa.int32()), ("month", pa.int32())]), flavor="hive")
    dataset = pds.dataset(str(path), format="parquet", partitioning=partitioning)
    wanted = None if columns is None else list(dict.fromkeys([*columns, "year", "month"]))
    table = dataset.to_table(columns=wanted)
    joined = table.join(decay, ["year", "month"], join_type="left outer")
    missing = joined.filter(pc.is_null(joined["time_decay"]))
    if missing.num_rows:
        months = sorted({f"{y}-{m:02d}"
                         for y, m in zip(missing["year"].to_pylist(), missing["month"].to_pylist(), strict=True)})
        raise StageInputError(str(decay_path), f"no time decay for month(s) {', '.join(months)} "
                                               f"({missing.num_rows:,} rows); rerun the decay stage")
    for name in joined.column_names:
        if name.startswith("weight_"):
            index = joined.schema.get_field_index(name)
            joined = joined.set_column(index, name, pc.multiply(joined[name], joined["time_decay"]))
    return joined.sort_by([("year", "ascending"), ("month", "ascending"), ("ts_event", "ascending")]) \
        if "ts_event" in joined.column_names else joined


def iter_months(path: str | Path, months: list[str], columns: list[str]) -> Iterator[tuple[str, pa.Table]]:
    """``(month, table)`` for each month in turn, weights decayed: the reader for consumers that keep
    only part of each month (the model stage samples rows), so no full-history table is ever built.

    Rows stay in the partition's order (ts_event); only ``columns`` are read.
    """
    path = Path(path)
    decay = _read_decay(path)
    factors = {f"{y:04d}-{m:02d}": factor
               for y, m, factor in zip(decay["year"], decay["month"], decay["time_decay"], strict=True)}
    for month in months:
        if month not in factors:
            raise StageInputError(str(path / DECAY_NAME), f"no time decay for month {month}; rerun the decay stage")
        folder = path / hive_partition(month)
        if not folder.is_dir():
            raise StageInputError(str(folder), f"missing: the dataset stage has not run for {month}")
        table = pds.dataset(str(folder), format="parquet").to_table(columns=columns)
        for name in table.column_names:
            if name.startswith("weight_"):
                index = table.schema.get_field_index(name)
                table = table.set_column(index, name, pc.multiply(table[name], factors[month]))
        yield month, table


def run(*, out: str | Path = "data/dataset/_decay.csv", params_dir: str | Path = "params") -> None:
    """The decay stage: the per-month time decay table for the current parameters."""
    params = dataset_params.load(params_dir)
    table = write_decay([m.month for m in load_months(params_dir)], params, out)
    log.info("time decay of %d month(s) against %s written to %s", len(table), params.reference, out)
