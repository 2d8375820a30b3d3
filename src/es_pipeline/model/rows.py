"""Which months and rows the model sees (SPEC 8a): a split by month, every n-th second of each session.

The split is by whole months: training months fit the trees, the last training months (early
stopping) only decide when to stop, and validation months are only ever predicted. Rows are read
month by month through the dataset's own reader (weights decayed) and only the sampled rows of
the needed columns are kept, so at 185 months memory holds ~1/30 of the history's features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import DTypeLike

from es_pipeline.dataset.decay import iter_months
from es_pipeline.features.frame import FEATURE_NAMES
from es_pipeline.model.params import ModelParams


@dataclass(frozen=True)
class Split:
    """Months per role; ``reason`` says why there is no usable split (then every list may be empty)."""

    train: tuple[str, ...]
    early_stopping: tuple[str, ...]
    validation: tuple[str, ...]
    reason: str | None = None


def split_months(months: list[str], params: ModelParams) -> Split:
    """The last months validate, the ones before them stop early, all earlier ones train."""
    months = sorted(months)
    if params.first_validation_month is not None:
        first = params.first_validation_month
        validation = [m for m in months if m >= first]
        rule = f"model.first_validation_month {first}"
    else:
        validation = months[len(months) - params.validation_months:] if params.validation_months < len(months) \
            else list(months)
        rule = f"model.validation_months {params.validation_months}"
    before = months[:len(months) - len(validation)]
    stop_count = params.early_stopping_months
    early_stopping, train = before[len(before) - stop_count:] if stop_count else [], before[:len(before) - stop_count]
    if not validation:
        return Split((), (), (), f"no listed month is a validation month ({rule}; last listed {months[-1]})")
    if not train:
        return Split((), (), tuple(validation),
                     f"{len(months)} month(s) listed, {len(validation)} validate ({rule}) and {stop_count} stop early: "
                     "none left to train on; list more months or lower model.validation_months or "
                     "model.early_stopping_months")
    return Split(tuple(train), tuple(early_stopping), tuple(validation))


def session_positions(session_date: np.ndarray) -> np.ndarray:
    """Each row's second within its session (0 for the first): rows are sorted, a session is one run."""
    n = len(session_date)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, session_date[1:] != session_date[:-1]])
    return np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))


@dataclass(frozen=True)
class Rows:
    """The sampled rows of some months: features (float32), per mode label, decayed weight, stop flag."""

    months: tuple[str, ...]
    month_index: np.ndarray  # int16, into ``months``, per row
    features: np.ndarray  # (rows, 43) float32, FEATURE_NAMES order
    won: np.ndarray  # (rows, modes) int8: label_<mode>
    weight: np.ndarray  # (rows, modes) float32: weight_<mode> * time decay
    stopped: np.ndarray | None  # (rows, modes) bool: outcome_<mode> == "stop" (read for validation only)

    def __len__(self) -> int:
        return len(self.month_index)


def columns(modes: list[str], outcomes: bool) -> list[str]:
    """The only columns read: session_date (for sampling), the 43 features, label and weight per mode
    (and outcome per mode, for the expectancy of validation rows)."""
    wanted = ["session_date", *FEATURE_NAMES, *(f"label_{m}" for m in modes), *(f"weight_{m}" for m in modes)]
    return wanted + ([f"outcome_{m}" for m in modes] if outcomes else [])


def _matrix(table: pa.Table, names: list[str], dtype: DTypeLike) -> np.ndarray:
    out = np.empty((table.num_rows, len(names)), dtype=dtype)
    for j, name in enumerate(names):
        out[:, j] = table.column(name).to_numpy(zero_copy_only=False)
    return out


def read_rows(dataset: str, months: tuple[str, ...], modes: list[str], row_stride: int, outcomes: bool) -> Rows:
    """Every ``row_stride``-th second of each session of ``months``, month by month (I/O)."""
    index, features, won, weight, stopped = [np.zeros(0, np.int16)], [], [], [], []
    for number, (_, table) in enumerate(iter_months(dataset, list(months), columns(modes, outcomes))):
        dates = table.column("session_date").to_numpy(zero_copy_only=False)
        kept = table.take(pa.array(np.flatnonzero(session_positions(dates) % row_stride == 0)))
        del table  # the month's full columns: only the sampled rows stay in memory
        index.append(np.full(kept.num_rows, number, dtype=np.int16))
        features.append(_matrix(kept, list(FEATURE_NAMES), np.float32))
        won.append(_matrix(kept, [f"label_{m}" for m in modes], np.int8))
        weight.append(_matrix(kept, [f"weight_{m}" for m in modes], np.float32))
        if outcomes:
            stopped.append(_matrix(kept, [f"outcome_{m}" for m in modes], object) == "stop")

    def joined(parts: list[np.ndarray], dtype: DTypeLike) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros((0, len(modes)), dtype=dtype)

    return Rows(tuple(months), np.concatenate(index),
                np.concatenate(features) if features else np.zeros((0, len(FEATURE_NAMES)), np.float32),
                joined(won, np.int8), joined(weight, np.float32), joined(stopped, bool) if outcomes else None)
