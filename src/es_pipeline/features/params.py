"""The featurize step's parameters (``params/features.yaml``, SPEC 7), each key declared once.

Windows count bars, which are seconds on the gap-filled grid; feature names stay fixed
(``return_30s`` ...) whatever the windows are set to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

from es_pipeline.core.params import (
    Choice,
    ClockRange,
    Integer,
    Number,
    Section,
    load_file,
    load_market,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def _window(help: str) -> Integer:
    return Integer(2, 100_000, help=help)


class _ByName:
    """Windows and buckets are read by name (``params.windows["atr_short"]``) in the feature groups."""

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def as_dict(self) -> dict[str, Any]:
        # every subclass is a dataclass
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(cast("DataclassInstance", self))}


@dataclass(frozen=True)
class FeatureWindows(_ByName):
    volume_ratio: Annotated[int, _window("volume_ratio_30s: mean volume over the bars before t")]
    volume_slope: Annotated[int, _window("volume_slope_30s: slope of the smoothed volume over this many bars")]
    volume_slope_smoothing: Annotated[int, _window("the volume slopes' smoothing: a mean over this many bars")]
    volume_slope_short: Annotated[int, _window("volume_slope_5s")]
    vwap_slope: Annotated[int, _window("vwap_slope_30s")]
    short_range: Annotated[int, _window("the 5-minute range of the consolidation group")]
    medium_range: Annotated[int, _window("the 15-minute range of the consolidation group")]
    return_short: Annotated[int, _window("return_30s")]
    return_medium: Annotated[int, _window("return_60s")]
    return_long: Annotated[int, _window("return_300s")]
    momentum_consistency: Annotated[int, _window("std of one-bar returns over this many bars")]
    atr_short: Annotated[int, _window("atr_30s")]
    atr_medium: Annotated[int, _window("atr_60s")]
    atr_long: Annotated[int, _window("atr_300s")]
    atr_percentile: Annotated[int, _window("atr_30s ranked among its last N values")]
    volatility_breakout: Annotated[int, _window("std of atr_30s over N bars")]
    uptick_short: Annotated[int, _window("uptick ratio over the short window")]
    uptick_long: Annotated[int, _window("uptick ratio over the long window")]


def _bucket(help: str) -> ClockRange:
    return ClockRange(help=f"[start, end) in market.timezone: {help}")


@dataclass(frozen=True)
class TimeBuckets(_ByName):
    pre_open: Annotated[tuple[dt.time, dt.time], _bucket("before the cash open")]
    rth_open: Annotated[tuple[dt.time, dt.time], _bucket("the cash open")]
    morning: Annotated[tuple[dt.time, dt.time], _bucket("the morning")]
    lunch: Annotated[tuple[dt.time, dt.time], _bucket("lunch")]
    afternoon: Annotated[tuple[dt.time, dt.time], _bucket("the afternoon")]
    rth_close: Annotated[tuple[dt.time, dt.time], _bucket("the cash close")]


FEATURE_WINDOWS = tuple(f.name for f in dataclasses.fields(FeatureWindows))
TIME_BUCKETS = tuple(f.name for f in dataclasses.fields(TimeBuckets))


@dataclass(frozen=True)
class FeatureParams:
    windows: Annotated[FeatureWindows, Section(help="window lengths in bars")]
    time_buckets: Annotated[TimeBuckets, Section(help="is_eth = outside all buckets")]
    touch_zone: Annotated[float, Number(1e-6, 0.5, help="top/bottom fraction of a range that counts as a touch")]
    touch_cooldown: Annotated[int, Integer(0, 100_000, help="bars after a touch before a new one counts")]
    vwap_price: Annotated[str, Choice(("typical", "close"), help="typical = (high + low + close) / 3, or close")]


def load(params_dir: str | Path = "params") -> FeatureParams:
    load_market(params_dir)
    return load_file(params_dir, "features", FeatureParams)
