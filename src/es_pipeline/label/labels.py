"""Stop/target trade labels and their pre-decay sample weights (SPEC 6).

For row t and a mode: enter at the open of bar t+1 of the same session, then scan bars
j = t+1, t+2, ... while ts_j - ts_(t+1) < timeout and never past the session's last bar.
The first bar touching the target gives ``win``, the stop ``stop`` (a bar touching both
counts as the stop); ``timeout`` if the whole horizon was seen without a touch,
``session_end`` if the session ended first or t is the session's last bar.

"The whole horizon was seen" means the bars of the session cover
[ts_(t+1), ts_(t+1) + timeout): a later bar exists, or the last bar, which lasts
``BAR_NS`` (1 s, schema ohlcv-1s), ends at or after the horizon's end. On the gap-filled
grid a row whose 900-bar horizon ends exactly on the session's last bar is a timeout.

Time decay is applied when the dataset is assembled, never here. The compiled loop is in
``labeling_kernel``; this module is the pandas edge around it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from es_pipeline.core.errors import StageInputError
from es_pipeline.core.tables import OUTCOMES, UTC_NS, check_bars, session_bounds
from es_pipeline.label.kernel import label_kernel
from es_pipeline.label.params import LabelParams, TradeMode

OUTCOME_DTYPE = pd.CategoricalDtype(list(OUTCOMES), ordered=False)
BAR_NS = 1_000_000_000  # a bar covers [ts_event, ts_event + 1 s)
NS_PER_SECOND = 1_000_000_000
GRID_TOLERANCE = 1e-6  # in ticks: prices this close to the tick grid are snapped onto it
REQUIRED = ("ts_event", "session_date", "open", "high", "low")


def mode_columns(mode: TradeMode | str) -> dict[str, str]:
    """Output column names of one mode, keyed by quantity."""
    name = mode if isinstance(mode, str) else mode.name
    return {q: f"{q}_{name}" for q in ("label", "outcome", "mae_ticks", "seconds_to_target", "weight")}


def label_schema(modes: tuple[TradeMode, ...] | list[str]) -> pa.Schema:
    """Arrow schema of a label table; outcomes are stored as plain strings."""
    fields = [pa.field("ts_event", UTC_NS)]
    for mode in modes:
        c = mode_columns(mode)
        fields += [
            pa.field(c["label"], pa.int8()),
            pa.field(c["outcome"], pa.string()),
            pa.field(c["mae_ticks"], pa.float64()),
            pa.field(c["seconds_to_target"], pa.float64()),
            pa.field(c["weight"], pa.float64()),
        ]
    return pa.schema(fields)


def label_table(labels: pd.DataFrame, modes: tuple[TradeMode, ...] | list[str]) -> pa.Table:
    """The label frame as an Arrow table of ``label_schema(modes)``.

    Built column by column (outcome codes decoded through a fixed dictionary) rather than by
    ``Table.from_pandas``: 0.03 s instead of 0.6 s for a month's six categoricals, and no
    pandas metadata, so the Parquet bytes do not change with the pandas version.
    """
    schema = label_schema(modes)
    dictionary = pa.array(OUTCOMES, pa.string())
    arrays = []
    for field in schema:
        column = labels[field.name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = pa.array(column.cat.codes.to_numpy(), pa.int8())
            arrays.append(pa.DictionaryArray.from_arrays(codes, dictionary).dictionary_decode())
        elif field.name == "ts_event":
            arrays.append(pa.array(column.dt.tz_convert("UTC").to_numpy("datetime64[ns]"), UTC_NS))
        else:
            arrays.append(pa.array(column.to_numpy(), field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def modes_in(labels: pd.DataFrame) -> list[str]:
    """Mode names present in a label table, in column order."""
    return [c.removeprefix("outcome_") for c in labels.columns if c.startswith("outcome_")]


def _utc_ns(ts: pd.Series) -> pd.Series:
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = pd.to_datetime(ts).dt.tz_localize("UTC")
    return ts.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def _in_ticks(values: np.ndarray, tick_size: float) -> np.ndarray:
    """Prices in ticks, snapped onto the integer grid so levels compare exactly (tick 0.1 too)."""
    ticks = values / tick_size
    grid = np.rint(ticks)
    return np.where(np.abs(ticks - grid) <= GRID_TOLERANCE, grid, ticks)


def _sessions(bars: pd.DataFrame, source: str) -> tuple[np.ndarray, np.ndarray]:
    codes, _ = pd.factorize(bars["session_date"], sort=False, use_na_sentinel=False)
    if (np.diff(codes) < 0).any():  # first-seen codes only fall if a session reappears
        raise StageInputError(source, "a session_date occurs in more than one block of rows")
    return session_bounds(codes)


def check_label_input(bars: pd.DataFrame, source: str = "bars") -> None:
    """The part of the filtered-bars contract labeling relies on (for callers of label_bars)."""
    check_bars(bars, source, columns=REQUIRED, prices=("open", "high", "low"))


def label_bars(bars: pd.DataFrame, label: LabelParams, tick_size: float) -> pd.DataFrame:
    """One row per input bar, same order: ``ts_event`` plus five columns per mode."""
    check_label_input(bars, "label_bars input")
    if not tick_size > 0:
        raise ValueError(f"tick_size must be positive, got {tick_size!r}")
    ts = _utc_ns(bars["ts_event"]).reset_index(drop=True)
    starts, ends = _sessions(bars, "label_bars input")
    modes = label.modes
    ts_ns = np.ascontiguousarray(ts.to_numpy("datetime64[ns]").view("int64"))
    open_, high, low = (np.ascontiguousarray(_in_ticks(bars[c].to_numpy("float64"), tick_size))
                        for c in ("open", "high", "low"))
    outcome, mae, seconds = label_kernel(
        ts_ns, open_, high, low,
        starts, ends,
        np.array([m.sign for m in modes], np.int64),
        np.array([m.stop_ticks for m in modes], np.float64),
        np.array([m.target_ticks for m in modes], np.float64),
        np.int64(label.timeout_seconds) * NS_PER_SECOND,
        np.int64(BAR_NS),
    )
    columns: dict[str, object] = {"ts_event": ts}
    for i, mode in enumerate(modes):
        c = mode_columns(mode)
        win = outcome[i] == 0
        weight = np.ones(len(ts))
        weight[win] = label.weights.quality(mae[i][win] / mode.stop_ticks) * label.weights.velocity(seconds[i][win])
        columns[c["label"]] = win.astype(np.int8)
        columns[c["outcome"]] = pd.Categorical.from_codes(outcome[i], dtype=OUTCOME_DTYPE)
        columns[c["mae_ticks"]] = mae[i]
        columns[c["seconds_to_target"]] = seconds[i]
        columns[c["weight"]] = weight
    return pd.DataFrame(columns)


def _mean(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None


def label_metrics(labels: pd.DataFrame, label: LabelParams) -> dict:
    """Per mode: win rate (wins / rows), outcome counts, mean winner weight, MAE and seconds."""
    rows = len(labels)
    modes = {}
    for mode in label.modes:
        c = mode_columns(mode)
        counts = labels[c["outcome"]].value_counts()
        winners = labels[c["label"]] == 1
        modes[mode.name] = {
            "win_rate": float(winners.sum() / rows) if rows else None,
            "outcomes": {o: int(counts.get(o, 0)) for o in OUTCOMES},
            "mean_winner_weight": _mean(labels.loc[winners, c["weight"]]),
            "mean_winner_mae_ticks": _mean(labels.loc[winners, c["mae_ticks"]]),
            "mean_winner_seconds_to_target": _mean(labels.loc[winners, c["seconds_to_target"]]),
        }
    return {"rows": rows, "modes": modes}
