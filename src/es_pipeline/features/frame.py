"""The 43 engineered features of SPEC 7 as one frame, the groups put together in SPEC order.

``compute_features(bars, params, timezone)`` returns ``ts_event`` + the 43 features in SPEC
order (``FEATURE_NAMES``). Every feature at row t uses only bars <= t of the same session;
windows are counted in bars, end at t inclusive (unless a formula says "before t") and
reset at each session start, so a window not yet full is NaN and nothing bleeds over the
overnight gap. Divisions by zero give NaN, never inf. Price-like and ratio features are
float64; the time-of-day flags are int8 (0/1). The formulas, windows and the documented
choices live in the group modules:

volume, price_context, consolidation, returns, volatility, microstructure, time_of_day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from es_pipeline.core.tables import UTC_NS, session_bounds
from es_pipeline.features import (
    consolidation,
    microstructure,
    price_context,
    returns,
    time_of_day,
    volatility,
    volume,
)
from es_pipeline.features.base import BarArrays
from es_pipeline.features.params import FeatureParams

GROUPS = {
    "volume": volume,
    "price_context": price_context,
    "consolidation": consolidation,
    "returns": returns,
    "volatility": volatility,
    "microstructure": microstructure,
    "time_of_day": time_of_day,
}
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {name: module.NAMES for name, module in GROUPS.items()}
FEATURE_NAMES: tuple[str, ...] = tuple(name for names in FEATURE_GROUPS.values() for name in names)
FLAG_NAMES: tuple[str, ...] = time_of_day.NAMES
# Features that may be NaN after their warm-up too (division by zero, no volume yet).
DATA_NAN: frozenset[str] = frozenset(n for module in GROUPS.values() for n in module.DATA_NAN)
assert len(FEATURE_NAMES) == 43 and len(set(FEATURE_NAMES)) == 43
# The features table as written to Parquet: float64 features, int8 0/1 flags.
FEATURES_SCHEMA = pa.schema(
    [("ts_event", UTC_NS)]
    + [(name, pa.int8() if name in FLAG_NAMES else pa.float64()) for name in FEATURE_NAMES]
)


def warmup_rows(params: FeatureParams) -> dict[str, int]:
    """Leading NaN rows each feature has in a session (its windows are not full yet)."""
    rows: dict[str, int] = {}
    for module in GROUPS.values():
        rows.update(module.warmup(params))
    return {name: rows[name] for name in FEATURE_NAMES}


def compute_features(bars: pd.DataFrame, params: FeatureParams, timezone: str) -> pd.DataFrame:
    """``ts_event`` + the 43 SPEC 7 features for sorted, gap-filled bars (FILTERED_COLUMNS)."""
    b = BarArrays.from_frame(bars)
    values: dict[str, np.ndarray] = {}
    values.update(volume.compute(b, params))
    values.update(price_context.compute(b, params))
    values.update(consolidation.compute(b, params))
    values.update(returns.compute(b, params))
    values.update(volatility.compute(b, params))
    values.update(microstructure.compute(b, params, values["atr_30s"]))
    values.update(time_of_day.compute(b.ts_event, params, timezone))
    columns: dict[str, pd.Series | np.ndarray] = {"ts_event": b.ts_event}
    for name in FEATURE_NAMES:
        column = values[name]
        columns[name] = column if name in FLAG_NAMES else np.asarray(column, dtype=np.float64)
    return pd.DataFrame(columns)


def nan_check(features: pd.DataFrame, session_date: pd.Series | np.ndarray, params: FeatureParams) -> pd.DataFrame:
    """Per feature: NaN rows expected from the warm-up windows vs NaN rows observed.

    A session of n rows should have exactly min(warm-up, n) leading NaN rows per feature.
    ``nan_in_warmup`` counts NaN among those rows (must equal ``expected_nan``);
    ``nan_after_warmup`` counts NaN later in the session, which only the features in
    ``DATA_NAN`` may have (a division by zero, no volume traded yet). ``passed`` is both.
    """
    starts, ends = session_bounds(np.asarray(session_date))
    lengths = ends - starts
    local = np.arange(len(features)) - np.repeat(starts, lengths)  # row index inside its session
    rows = []
    for name, warm in warmup_rows(params).items():
        missing = features[name].isna().to_numpy()
        in_warmup = local < warm
        expected = int(in_warmup.sum())
        nan_warm = int((missing & in_warmup).sum())
        nan_after = int((missing & ~in_warmup).sum())
        allowed = name in DATA_NAN
        rows.append({
            "feature": name,
            "warmup_rows": warm,
            "expected_nan": expected,
            "nan_in_warmup": nan_warm,
            "nan_after_warmup": nan_after,
            "data_nan_allowed": allowed,
            "observed_nan": nan_warm + nan_after,
            "passed": nan_warm == expected and (nan_after == 0 or allowed),
        })
    return pd.DataFrame(rows)


def feature_metrics(features: pd.DataFrame) -> dict:
    """Rows plus, per feature, mean / std (ddof 0) / min / max over non-NaN values and NaN share.

    Plain Python floats (None where a feature is all NaN), so JSON metrics stay valid.
    """
    out: dict = {"rows": int(len(features)), "features": {}}
    for name in FEATURE_NAMES:
        x = features[name].to_numpy(dtype=np.float64)
        valid = x[~np.isnan(x)]
        stats = {"nan_share": float((len(x) - len(valid)) / len(x)) if len(x) else None}
        if len(valid):
            stats.update(mean=float(valid.mean()), std=float(valid.std()),
                         min=float(valid.min()), max=float(valid.max()))
        else:
            stats.update(mean=None, std=None, min=None, max=None)
        out["features"][name] = stats
    return out


__all__ = [
    "DATA_NAN", "FEATURE_GROUPS", "FEATURE_NAMES", "FEATURES_SCHEMA", "FLAG_NAMES",
    "compute_features", "feature_metrics", "nan_check", "warmup_rows",
]
