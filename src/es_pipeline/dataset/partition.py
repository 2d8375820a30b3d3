"""One month's partition of the Hive-partitioned Parquet dataset (``year=YYYY/month=MM/``).

A partition holds that month's filtered bars, labels with pre-decay weights and features, and
depends on nothing else: adding a month adds one partition and rewrites none. The time decay,
which depends on the reference month, is applied when the dataset is read (es_pipeline.dataset.decay).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from es_pipeline.core.errors import StageInputError
from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import log, timed
from es_pipeline.core.periods import hive_partition
from es_pipeline.core.tables import ROW_GROUP_SIZE, read_filtered, read_table, to_arrow

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


def assemble_month(bars: pd.DataFrame, labels: pd.DataFrame, features: pd.DataFrame, source: str,
                   month: str | None = None) -> pd.DataFrame:
    """Join one month's three tables on ts_event; weights stay pre-decay."""
    for name, table in (("labels", labels), ("features", features)):
        mismatch = row_mismatch(table, bars)
        if mismatch:
            where = f"month {month}: " if month else ""
            raise StageInputError(source, f"{where}{name} rows do not match the filtered rows ({mismatch}); "
                                          f"rerun the {name} stage for this month")
    return pd.concat([bars, labels.drop(columns="ts_event"), features.drop(columns="ts_event")], axis=1)


def write_partition(frame: pd.DataFrame, root: str | Path, month: str) -> Path:
    """Write the month's part file atomically (a failed write leaves no partition behind)."""
    path = Path(root) / hive_partition(month) / PART_NAME
    table = to_arrow(frame)
    column = table.schema.get_field_index("session_date")
    table = table.set_column(column, "session_date", table["session_date"].cast(pa.date32()))  # as in filtered
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_SIZE)
    return path


def build_month(data_root: str | Path, out: str | Path, month: str) -> dict:
    """Assemble and write one month's partition; returns its metrics (rows equal the filtered rows)."""
    inputs = MonthInputs.under(data_root, month)
    with timed(f"assembled {month}"):
        bars = read_filtered(inputs.filtered)
        frame = assemble_month(bars, read_table(inputs.labels), read_table(inputs.features),
                               str(inputs.filtered), month)
        path = write_partition(frame, out, month)
    log.info("%s: %s rows in %s", month, f"{len(frame):,}", path)
    return {"month": month, "rows": len(frame), "partition": hive_partition(month)}
