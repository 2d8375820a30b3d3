"""Stage output tables: their Arrow schemas and the one way they are written and read.

Writes are atomic (temporary file, then rename) so a failed stage never leaves a
half-written Parquet file that DVC could mistake for a result, and deterministic
(fixed schema, compression and row-group size) so the same inputs give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from es_pipeline.core.errors import StageInputError
from es_pipeline.core.files import atomic_path

UTC_NS = pa.timestamp("ns", tz="UTC")
FILTERED_SCHEMA = pa.schema([
    ("ts_event", UTC_NS),
    ("session_date", pa.date32()),
    ("symbol", pa.string()),
    ("open", pa.float64()),
    ("high", pa.float64()),
    ("low", pa.float64()),
    ("close", pa.float64()),
    ("volume", pa.int64()),
    ("filled", pa.bool_()),
])
FILTERED_COLUMNS = tuple(FILTERED_SCHEMA.names)
ROW_GROUP_SIZE = 1 << 20
OUTCOMES = ("win", "stop", "timeout", "session_end")  # a label's outcome categories, in the label kernel's code order


def to_arrow(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """Convert with an explicit schema so dtypes (ns timestamps, date32) never drift."""
    frame = frame.reset_index(drop=True)
    if schema is None:
        return pa.Table.from_pandas(frame, preserve_index=False)
    return pa.Table.from_pandas(frame[list(schema.names)], schema=schema, preserve_index=False)


def write_table(frame: pd.DataFrame | pa.Table, path: str | Path, schema: pa.Schema | None = None) -> None:
    table = frame if isinstance(frame, pa.Table) else to_arrow(frame, schema)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_SIZE)


def from_arrow(table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas keeping ``ts_event`` in ns (pandas 3 defaults to us) and dates as datetime64[ns]."""
    frame = table.to_pandas()
    for name, typ in zip(table.schema.names, table.schema.types, strict=True):
        if pa.types.is_timestamp(typ):
            frame[name] = frame[name].astype(f"datetime64[ns, {typ.tz}]" if typ.tz else "datetime64[ns]")
        elif pa.types.is_date(typ):
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    return frame


def read_table(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise StageInputError(str(path), "file not found")
    return from_arrow(pq.read_table(path, columns=columns))


def read_filtered(path: str | Path) -> pd.DataFrame:
    """Read a filtered month and check it is the SPEC 5.6 table later stages rely on."""
    frame = read_table(path)
    check_bars(frame, str(path))
    return frame


PRICE_COLUMNS = ("open", "high", "low", "close")


def check_bars(frame: pd.DataFrame, source: str, columns: tuple[str, ...] = FILTERED_COLUMNS,
               prices: tuple[str, ...] = PRICE_COLUMNS) -> None:
    """Reject bars that downstream kernels would silently mis-handle (a stage checks what it uses)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise StageInputError(source, f"missing column(s) {', '.join(missing)}")
    ts = frame["ts_event"].to_numpy("datetime64[ns]").view("int64")
    steps = np.diff(ts)
    if (steps < 0).any():
        raise StageInputError(source, "ts_event is not sorted ascending", int((steps < 0).sum()))
    if (steps == 0).any():
        raise StageInputError(source, "ts_event has duplicate timestamps", int((steps == 0).sum()))
    bad = ~np.isfinite(frame[list(prices)].to_numpy(dtype="float64")).all(axis=1)
    if bad.any():
        raise StageInputError(source, "NaN or infinite prices", int(bad.sum()))


def session_bounds(session_date: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) row of each session in a sorted bar table."""
    values = np.asarray(session_date)
    if len(values) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    change = np.flatnonzero(values[1:] != values[:-1]) + 1
    starts = np.concatenate([[0], change]).astype(np.int64)
    ends = np.concatenate([change, [len(values)]]).astype(np.int64)
    return starts, ends
