"""Assemble every month into one Hive-partitioned Parquet dataset (``year=YYYY/month=MM/``).

Time decay is applied here, not in the label stage, so a month's labels never depend on
which other months exist; only this stage reruns when the reference month moves.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.parquet as pq

from es_pipeline.errors import StageInputError
from es_pipeline.params import Params
from es_pipeline.stages.common import log, timed
from es_pipeline.tables import ROW_GROUP_SIZE, read_filtered, read_table, to_arrow

PART_NAME = "part-0.parquet"


@dataclass(frozen=True)
class MonthInputs:
    """Where one month's stage outputs live, by the pipeline's path convention."""

    month: str
    filtered: Path
    labels: Path
    features: Path

    @classmethod
    def under(cls, data_root: str | Path, month: str) -> MonthInputs:
        root = Path(data_root)
        return cls(month, root / "filtered" / f"{month}.parquet", root / "labels" / f"{month}.parquet",
                   root / "features" / f"{month}.parquet")


def months_ago(month: str, reference_month: str) -> int:
    year, mon = map(int, month.split("-"))
    ref_year, ref_mon = map(int, reference_month.split("-"))
    return (ref_year - year) * 12 + (ref_mon - mon)


def decay_factor(month: str, reference_month: str, decay_rate: float) -> float:
    return float(np.exp(-decay_rate * months_ago(month, reference_month)))


def row_mismatch(table: pd.DataFrame, bars: pd.DataFrame) -> str | None:
    """What differs between a table's ts_event rows and the filtered bars', or None if they match."""
    ts = table["ts_event"].to_numpy("datetime64[ns]")
    want = bars["ts_event"].to_numpy("datetime64[ns]")
    if len(ts) != len(want):
        return f"{len(ts):,} rows vs {len(want):,} filtered rows"
    differ = np.flatnonzero(ts != want)
    if not len(differ):
        return None
    first = int(differ[0])
    return (f"same {len(ts):,} rows but {len(differ):,} ts_event values differ, first at row {first:,} "
            f"({pd.Timestamp(ts[first], tz='UTC')} vs filtered {pd.Timestamp(want[first], tz='UTC')})")


def assemble_month(bars: pd.DataFrame, labels: pd.DataFrame, features: pd.DataFrame,
                   decay: float, source: str, month: str | None = None) -> pd.DataFrame:
    """Join one month's three tables on ts_event and apply the time decay to every weight."""
    for name, table in (("labels", labels), ("features", features)):
        mismatch = row_mismatch(table, bars)
        if mismatch:
            where = f"month {month}: " if month else ""
            raise StageInputError(source, f"{where}{name} rows do not match the filtered rows ({mismatch}); "
                                          f"rerun the {name} stage for this month")
    joined = pd.concat(
        [bars, labels.drop(columns="ts_event"), features.drop(columns="ts_event")], axis=1
    )
    weights = [c for c in labels.columns if c.startswith("weight_")]
    joined[weights] = joined[weights] * decay
    joined["time_decay"] = decay
    return joined


def write_partition(frame: pd.DataFrame, root: Path, month: str) -> Path:
    year, mon = month.split("-")
    folder = root / f"year={year}" / f"month={mon}"
    folder.mkdir(parents=True, exist_ok=True)
    table = to_arrow(frame)
    column = table.schema.get_field_index("session_date")
    table = table.set_column(column, "session_date", table["session_date"].cast(pa.date32()))  # as in filtered
    pq.write_table(table, folder / PART_NAME, compression="zstd", row_group_size=ROW_GROUP_SIZE)
    return folder / PART_NAME


def build_dataset(params: Params, data_root: str | Path, out: str | Path) -> dict:
    """Write the whole dataset to a temporary folder, then swap it in; returns its metrics."""
    out = Path(out)
    reference = params.reference_month
    rows: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for entry in params.months:
            inputs = MonthInputs.under(data_root, entry.month)
            with timed(f"assembled {entry.month}"):
                bars = read_filtered(inputs.filtered)
                decay = decay_factor(entry.month, reference, params.dataset.decay_rate)
                frame = assemble_month(bars, read_table(inputs.labels), read_table(inputs.features),
                                       decay, str(inputs.filtered), entry.month)
                write_partition(frame, staging, entry.month)
            rows[entry.month] = len(frame)
            log.info("%s: %s rows, time decay %.4f", entry.month, f"{len(frame):,}", decay)
        if out.exists():
            shutil.rmtree(out)
        staging.chmod(0o755)  # mkdtemp creates 0700; the dataset is shared
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return {"reference_month": reference, "rows": sum(rows.values()), "rows_per_month": rows}


def read_dataset(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """Read the assembled dataset the way any Hive-aware reader does (year/month from the paths)."""
    return pds.dataset(str(path), format="parquet", partitioning="hive").to_table(columns=columns)
