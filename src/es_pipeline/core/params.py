"""Typed, validated parameters loaded from ``params/*.yaml``.

Every tunable number lives in YAML so DVC can track it per key; this module turns the
YAML into frozen dataclasses once, at load, and rejects bad values with a message naming
the file, the key and the allowed range, before any stage starts work.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from es_pipeline.core.calendars import calendar_names
from es_pipeline.core.errors import ParamsError
from es_pipeline.core.periods import MONTH_PATTERN, hive_partition, months_after

PARAM_FILES = ("market", "filter", "label", "features", "dataset", "months")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys instead of silently keeping the last."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Section:
    """Reads typed values from one YAML mapping, remembering where they came from."""

    def __init__(self, data: Any, file: Path, key: str):
        if not isinstance(data, dict):
            raise ParamsError(file, key, "a mapping", data)
        self.data, self.file, self.key = data, file, key
        self.read: set[str] = set()
        self.children: list[_Section] = []

    def _raw(self, name: str, default: Any = ...) -> Any:
        self.read.add(name)
        if name in self.data:
            return self.data[name]
        if default is ...:
            raise ParamsError(self.file, self._path(name), "a value (the key is missing)", None)
        return default

    def fail(self, name: str, allowed: str, value: Any) -> ParamsError:
        return ParamsError(self.file, self._path(name), allowed, value)

    def _path(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def section(self, name: str) -> _Section:
        child = _Section(self._raw(name), self.file, self._path(name))
        self.children.append(child)
        return child

    def reject_unknown(self) -> None:
        """A key nothing read is a typo (``timeout_secs``) that would silently keep the default."""
        for name in self.data:
            if name not in self.read:
                close = difflib.get_close_matches(str(name), sorted(map(str, self.read)), n=1, cutoff=0.5)
                hint = f"a known key (did you mean {self._path(close[0])}?)" if close else \
                    f"a known key ({', '.join(sorted(map(str, self.read))) or 'none'})"
                raise ParamsError(self.file, self._path(str(name)), hint, "unknown key")
        for child in self.children:
            child.reject_unknown()

    def number(self, name: str, lo: float, hi: float, default: Any = ..., integer: bool = False):
        value = self._raw(name, default)
        kind = "an integer" if integer else "a number"
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or not math.isfinite(value) or not lo <= value <= hi:
            raise self.fail(name, f"{kind} in [{lo}, {hi}]", value)
        return int(value) if integer else float(value)

    def integer(self, name: str, lo: int, hi: int, default: Any = ...) -> int:
        return self.number(name, lo, hi, default, integer=True)

    def choice(self, name: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self._raw(name, default)
        if value not in allowed:
            raise self.fail(name, f"one of {', '.join(allowed)}", value)
        return value

    def flag(self, name: str, default: Any = ...) -> bool:
        value = self._raw(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, "true or false", value)
        return value

    def text(self, name: str, pattern: str, default: Any = ...) -> str:
        value = self._raw(name, default)
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise self.fail(name, f"a string matching {pattern}", value)
        return value

    def clock(self, name: str, default: Any = ...) -> dt.time:
        value = self._raw(name, default)
        try:
            return dt.time.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.fail(name, "a clock time HH:MM", value) from None

    def optional_month(self, name: str) -> str | None:
        value = self._raw(name, None)
        if value is None:
            return None
        if not isinstance(value, str) or not MONTH_PATTERN.match(value):
            raise self.fail(name, "null or a month YYYY-MM", value)
        return value


@dataclass(frozen=True)
class MarketParams:
    root_symbol: str = "ES"
    tick_size: float = 0.25
    timezone: str = "America/Chicago"


@dataclass(frozen=True)
class FilterParams:
    calendar: str = "NYSE"
    session_start: dt.time = dt.time(7, 30)
    session_end: dt.time = dt.time(15, 0)
    min_session_minutes: int = 0
    bad_rows: str = "error"  # "error": stop with a clear error; "drop": drop and count them
    long_gap_seconds: int = 300  # a session whose longest filled run exceeds this is listed
    drop_long_gap_sessions: bool = False  # and, if true, dropped


@dataclass(frozen=True)
class TradeMode:
    name: str
    direction: str  # "long" or "short"
    stop_ticks: int
    target_ticks: int

    @property
    def sign(self) -> int:
        return 1 if self.direction == "long" else -1


@dataclass(frozen=True)
class WeightCurve:
    """clip(intercept - slope * (x - center) / scale, lower, upper)."""

    intercept: float
    slope: float
    center: float
    scale: float
    lower: float
    upper: float

    def __call__(self, x):
        import numpy as np

        return np.clip(self.intercept - self.slope * (x - self.center) / self.scale, self.lower, self.upper)


@dataclass(frozen=True)
class LabelParams:
    modes: tuple[TradeMode, ...]
    timeout_seconds: int = 900
    quality: WeightCurve = WeightCurve(2.0, 1.5, 0.0, 1.0, 0.5, 2.0)  # x = mae_ticks / stop_ticks
    velocity: WeightCurve = WeightCurve(2.0, 1.5, 300.0, 600.0, 0.5, 2.0)  # x = seconds_to_target


@dataclass(frozen=True)
class FeatureParams:
    windows: dict[str, int]
    touch_zone: float = 0.10
    touch_cooldown: int = 30
    vwap_price: str = "typical"  # "typical" = (high+low+close)/3, or "close"
    time_buckets: dict[str, tuple[dt.time, dt.time]] = field(default_factory=dict)


FEATURE_WINDOWS = (
    "volume_ratio", "volume_slope", "volume_slope_smoothing", "volume_slope_short", "vwap_slope",
    "short_range", "medium_range", "return_short", "return_medium", "return_long",
    "momentum_consistency", "atr_short", "atr_medium", "atr_long", "atr_percentile",
    "volatility_breakout", "uptick_short", "uptick_long",
)
TIME_BUCKETS = ("pre_open", "rth_open", "morning", "lunch", "afternoon", "rth_close")


@dataclass(frozen=True)
class DatasetParams:
    decay_rate: float = 0.05
    reference_month: str | None = None  # None: the last listed month


@dataclass(frozen=True)
class MonthEntry:
    month: str
    raw: str  # object name inside the raw location
    symbols: str  # the object instrument symbols come from: the definition file, else ``raw`` itself

    @property
    def definition(self) -> str | None:
        """The month's definition file, if it has one."""
        return None if self.symbols == self.raw else self.symbols


@dataclass(frozen=True)
class Params:
    market: MarketParams
    filter: FilterParams
    label: LabelParams
    features: FeatureParams
    dataset: DatasetParams
    months: tuple[MonthEntry, ...]

    @property
    def reference_month(self) -> str:
        return self.dataset.reference_month or self.months[-1].month


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise ParamsError(path, "(file)", "an existing YAML file", "missing")
    try:
        return yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        where = f"line {exc.problem_mark.line + 1}" if exc.problem_mark else "(file)"
        raise ParamsError(path, where, "valid YAML", exc.problem) from None
    except yaml.YAMLError as exc:
        raise ParamsError(path, "(file)", "valid YAML", str(exc)) from None


def _root(params_dir: Path, name: str, build):
    """Read ``<name>.yaml``, build its typed value, then reject every key the build did not read."""
    path = params_dir / f"{name}.yaml"
    top = _Section(_read_yaml(path) or {}, path, "")
    value = build(top.section(name))
    top.reject_unknown()
    return value


def _market(s: _Section) -> MarketParams:
    return MarketParams(
        root_symbol=s.text("root_symbol", r"[A-Z0-9]{1,6}"),
        tick_size=s.number("tick_size", 1e-9, 1e6),
        timezone=s.text("timezone", r"[A-Za-z_]+(/[A-Za-z_+\-0-9]+)*"),
    )


def _filter(s: _Section) -> FilterParams:
    calendar = s.text("calendar", r"[A-Za-z0-9_.\-]+")
    if calendar not in calendar_names():
        raise s.fail("calendar", "a pandas_market_calendars name such as NYSE or CME_Equity", calendar)
    start, end = s.clock("session_start"), s.clock("session_end")
    if not start < end:
        raise s.fail("session_end", f"a clock time after session_start {start}", end)
    return FilterParams(
        calendar=calendar,
        session_start=start,
        session_end=end,
        min_session_minutes=s.integer("min_session_minutes", 0, 24 * 60, 0),
        bad_rows=s.choice("bad_rows", ("error", "drop"), "error"),
        long_gap_seconds=s.integer("long_gap_seconds", 1, 86_400, 300),
        drop_long_gap_sessions=s.flag("drop_long_gap_sessions", False),
    )


def _curve(s: _Section, center: float | None, scale: float | None) -> WeightCurve:
    lower = s.number("lower", 0.0, 1e6)
    upper = s.number("upper", lower, 1e6)
    return WeightCurve(
        intercept=s.number("intercept", -1e6, 1e6),
        slope=s.number("slope", -1e6, 1e6),
        center=center if center is not None else s.number("center_seconds", 0, 1e6),
        scale=scale if scale is not None else s.number("scale_seconds", 1e-9, 1e6),
        lower=lower,
        upper=upper,
    )


def _label(s: _Section) -> LabelParams:
    modes_section = s.section("modes")
    modes = []
    for name in modes_section.data:
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise modes_section.fail(str(name), "a mode name of lowercase letters, digits and _", name)
        m = modes_section.section(name)
        modes.append(TradeMode(
            name=name,
            direction=m.choice("direction", ("long", "short")),
            stop_ticks=m.integer("stop_ticks", 1, 10_000),
            target_ticks=m.integer("target_ticks", 1, 10_000),
        ))
    if not modes:
        raise s.fail("modes", "at least one mode", {})
    weights = s.section("weights")
    return LabelParams(
        modes=tuple(modes),
        timeout_seconds=s.integer("timeout_seconds", 1, 86_400),
        quality=_curve(weights.section("quality"), center=0.0, scale=1.0),
        velocity=_curve(weights.section("velocity"), center=None, scale=None),
    )


def _features(s: _Section) -> FeatureParams:
    w = s.section("windows")
    windows = {name: w.integer(name, 2, 100_000) for name in FEATURE_WINDOWS}
    b = s.section("time_buckets")
    buckets = {}
    for name in TIME_BUCKETS:
        bucket = b._raw(name)
        if not isinstance(bucket, list) or len(bucket) != 2:
            raise b.fail(name, "a list [start, end] of clock times HH:MM", bucket)
        pair = _Section(dict(zip(("start", "end"), bucket)), b.file, f"{b.key}.{name}")
        start, end = pair.clock("start"), pair.clock("end")
        if not start < end:
            raise b.fail(name, "a start before its end", bucket)
        buckets[name] = (start, end)
    return FeatureParams(
        windows=windows,
        touch_zone=s.number("touch_zone", 1e-6, 0.5),
        touch_cooldown=s.integer("touch_cooldown", 0, 100_000),
        vwap_price=s.choice("vwap_price", ("typical", "close")),
        time_buckets=buckets,
    )


REFERENCE_MONTHS_AHEAD = 12  # a reference month this far past the last listed one is a typo, not a plan


def _dataset(s: _Section, last_month: str) -> DatasetParams:
    reference = s.optional_month("reference_month")
    latest = months_after(last_month, REFERENCE_MONTHS_AHEAD)
    # an earlier reference would give later months weights above their undecayed value
    if reference is not None and not last_month <= reference <= latest:
        raise s.fail("reference_month", f"null or a month from {last_month} (the last listed month) "
                     f"to {latest}", reference)
    return DatasetParams(decay_rate=s.number("decay_rate", 0.0, 10.0), reference_month=reference)


def _months(s: _Section) -> tuple[MonthEntry, ...]:
    entries = []
    for month in s.data:
        if not isinstance(month, str) or not MONTH_PATTERN.match(month):
            raise s.fail(str(month), "a month key YYYY-MM", month)
        entry = s.section(month)
        entry.text("partition", re.escape(hive_partition(month)))  # rewritten by `es-pipeline months sync`
        entries.append(MonthEntry(month, entry.text("raw", r"[^\s]+"), entry.text("symbols", r"[^\s]+")))
    if not entries:
        raise ParamsError(s.file, s.key, "at least one month", {})
    return tuple(sorted(entries, key=lambda e: e.month))


def load_params(params_dir: str | Path = "params") -> Params:
    """Load and validate every parameter file; the only place YAML is read."""
    params_dir = Path(params_dir)
    months = _root(params_dir, "months", _months)
    return Params(
        market=_root(params_dir, "market", _market),
        filter=_root(params_dir, "filter", _filter),
        label=_root(params_dir, "label", _label),
        features=_root(params_dir, "features", _features),
        dataset=_root(params_dir, "dataset", lambda s: _dataset(s, months[-1].month)),
        months=months,
    )
