"""Typed, validated parameters from ``params/*.yaml``: each key declared once, beside its step.

A parameter is a dataclass field whose ``Annotated`` metadata is a ``Key`` (its allowed values and
its help); its default, if any, is the field's own. ``load_file`` reads a YAML file once, builds the
step's dataclass from those declarations, and rejects a bad or unknown key with one message naming
the file, the key, the value and what is allowed, before any stage starts work. Each step keeps its
own parameters (``<step>/params.py``), so a label parameter change never touches filter code; here
live the machinery and what every step shares: the market and the month list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import importlib
import math
import re
import typing
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import yaml

from es_pipeline.core.errors import ParamsError
from es_pipeline.core.periods import MONTH_PATTERN, hive_partition

if TYPE_CHECKING:
    from yaml.nodes import MappingNode

T = TypeVar("T")
REQUIRED: Any = dataclasses.MISSING


class Invalid(Exception):
    """A value outside what its key allows, raised by a ``Key`` or a dataclass's ``check``."""

    def __init__(self, allowed: str, key: str | None = None, value: Any = None):
        super().__init__(allowed)
        self.allowed, self.key, self.value = allowed, key, value


@dataclass(frozen=True, kw_only=True)
class Key:
    """What one key allows, and the help text shown in ``params/*.yaml`` and the notebooks."""

    help: str

    def parse(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Number(Key):
    lo: float
    hi: float

    def parse(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not self.lo <= value <= self.hi:
            raise Invalid(f"a number in [{self.lo}, {self.hi}]")
        return float(value)


@dataclass(frozen=True)
class Integer(Key):
    lo: int
    hi: int

    def parse(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= self.hi:
            raise Invalid(f"an integer in [{self.lo}, {self.hi}]")
        return value


@dataclass(frozen=True)
class Choice(Key):
    options: tuple[str, ...]

    def parse(self, value: Any) -> str:
        if value not in self.options:
            raise Invalid(f"one of {', '.join(self.options)}")
        return value


@dataclass(frozen=True)
class Flag(Key):
    def parse(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid("true or false")
        return value


@dataclass(frozen=True)
class Text(Key):
    pattern: str

    def parse(self, value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(self.pattern, value):
            raise Invalid(f"a string matching {self.pattern}")
        return value


@dataclass(frozen=True)
class Clock(Key):
    def parse(self, value: Any) -> dt.time:
        try:
            return dt.time.fromisoformat(value)
        except (TypeError, ValueError):
            raise Invalid("a clock time HH:MM") from None


@dataclass(frozen=True)
class ClockRange(Key):
    def parse(self, value: Any) -> tuple[dt.time, dt.time]:
        allowed = "a list [start, end] of clock times HH:MM, start before end"
        if not isinstance(value, list) or len(value) != 2:
            raise Invalid(allowed)
        try:
            start, end = (dt.time.fromisoformat(v) for v in value)
        except (TypeError, ValueError):
            raise Invalid(allowed) from None
        if not start < end:
            raise Invalid(allowed)
        return start, end


@dataclass(frozen=True)
class OptionalMonth(Key):
    def parse(self, value: Any) -> str | None:
        if value is not None and (not isinstance(value, str) or not MONTH_PATTERN.match(value)):
            raise Invalid("null or a month YYYY-MM")
        return value


@dataclass(frozen=True)
class Section(Key):
    """A nested mapping, built into the field's own dataclass type."""


@dataclass(frozen=True)
class Named(Key):
    """A mapping of names to entries of one dataclass type (trade modes, months), in file order.

    The name goes into the entry's field ``name_field``; at least one entry is required.
    """

    name_pattern: str
    name_allowed: str
    entry: str
    name_field: str = "name"


class _Reader:
    """One YAML mapping being read: where it came from, and which of its keys were declared."""

    def __init__(self, data: Any, file: Path, key: str):
        if not isinstance(data, dict):
            raise ParamsError(file, key or "(file)", "a mapping", data)
        self.data, self.file, self.key = data, file, key
        self.declared: set[str] = set()

    def path(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def fail(self, name: str, allowed: str, value: Any) -> ParamsError:
        return ParamsError(self.file, self.path(name), allowed, value)

    def child(self, name: str, data: Any) -> _Reader:
        return _Reader(data, self.file, self.path(name))

    def unknown(self) -> list[str]:
        return [str(name) for name in self.data if name not in self.declared]

    def missing(self, name: str) -> ParamsError:
        """A required key is absent; an unknown key close to it is named too (``timeout_secs``)."""
        close = difflib.get_close_matches(name, self.unknown(), n=1, cutoff=0.5)
        found = f"; unknown key {self.path(close[0])} found instead" if close else ""
        return self.fail(name, f"a value (the key is missing{found})", None)

    def reject_unknown(self) -> None:
        """A key nothing declared is a typo that would silently keep the default."""
        for name in self.unknown():
            close = difflib.get_close_matches(name, sorted(self.declared), n=1, cutoff=0.5)
            hint = f"a known key (did you mean {self.path(close[0])}?)" if close else \
                f"a known key ({', '.join(sorted(self.declared)) or 'none'})"
            raise self.fail(name, hint, "unknown key")


def _declared_keys(cls: type) -> list[tuple[dataclasses.Field, Any, Key | None]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    found = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        key = next((m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Key)), None)
        found.append((f, typing.get_args(hint)[0] if key else hint, key))
    return found


def _element_type(hint: Any) -> type:
    """``tuple[TradeMode, ...]`` -> ``TradeMode``."""
    return typing.get_args(hint)[0]


def build(cls: type[T], reader: _Reader, **given: Any) -> T:
    """``cls`` from the mapping ``reader`` holds: each declared key parsed, ``given`` fields as they are."""
    declared = _declared_keys(cls)
    reader.declared |= {f.name for f, _, key in declared if key is not None}
    values = dict(given)
    for f, hint, key in declared:
        if key is None:
            continue
        if f.name not in reader.data:
            if f.default is REQUIRED:
                raise reader.missing(f.name)
            values[f.name] = f.default
            continue
        raw = reader.data[f.name]
        if isinstance(key, Section):
            values[f.name] = build(hint, reader.child(f.name, raw))
        elif isinstance(key, Named):
            values[f.name] = _named(key, _element_type(hint), reader.child(f.name, raw))
        else:
            try:
                values[f.name] = key.parse(raw)
            except Invalid as exc:
                raise reader.fail(f.name, exc.allowed, raw) from None
    value = cls(**values)
    check = getattr(value, "check", None)
    if check is not None:
        try:
            check()
        except Invalid as exc:
            raise reader.fail(exc.key or "(section)", exc.allowed, exc.value) from None
    reader.reject_unknown()
    return value


def _named(key: Named, cls: type, reader: _Reader) -> tuple:
    entries: list[object] = []
    for name in reader.data:
        if not isinstance(name, str) or not re.fullmatch(key.name_pattern, name):
            raise reader.fail(str(name), key.name_allowed, name)
        reader.declared.add(name)
        entries.append(build(cls, reader.child(name, reader.data[name]), **{key.name_field: name}))
    if not entries:
        raise ParamsError(reader.file, reader.key, f"at least one {key.entry}", reader.data)
    return tuple(entries)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys instead of silently keeping the last."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    if not path.exists():
        raise ParamsError(path, "(file)", "an existing YAML file", "missing")
    try:
        return yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        where = f"line {exc.problem_mark.line + 1}" if exc.problem_mark else "(file)"
        raise ParamsError(path, where, "valid YAML", exc.problem) from None
    except yaml.YAMLError as exc:
        raise ParamsError(path, "(file)", "valid YAML", str(exc)) from None


def load_file(params_dir: str | Path, name: str, cls: type[T], **given: Any) -> T:
    """``params/<name>.yaml``'s top-level key ``name`` as ``cls``; no other top-level key is allowed."""
    path = Path(params_dir) / f"{name}.yaml"
    top = _Reader(read_yaml(path) or {}, path, "")
    top.declared.add(name)
    if name not in top.data:
        raise top.missing(name)
    value = build(cls, top.child(name, top.data[name]), **given)
    top.reject_unknown()
    return value


STEP_PACKAGES = {"featurize": "features"}  # a stage named otherwise than its step's folder


def load_step(step: str, params_dir: str | Path) -> Any:
    """A step's parameters through its ``es_pipeline.<step>.params.load``: found by name, so that shared
    code (the notebook runner, the fingerprint) validates a step's keys without importing every step."""
    package = STEP_PACKAGES.get(step, step)
    return importlib.import_module(f"es_pipeline.{package}.params").load(params_dir)


@dataclass(frozen=True)
class MarketParams:
    """The traded instrument, shared by every step (``params/market.yaml``)."""

    root_symbol: Annotated[str, Text(r"[A-Z0-9]{1,6}",
                                     help="outright contracts of this root are kept (ESZ5, ESH26 ...)")]
    tick_size: Annotated[float, Number(1e-9, 1e6, help="price increment in points")]
    timezone: Annotated[str, Text(r"[A-Za-z_]+(/[A-Za-z_+\-0-9]+)*",
                                  help="session dates and clock times are in this zone (DST from tzdata)")]


@dataclass(frozen=True)
class MonthEntry:
    """One listed month (``params/months.yaml``, written by ``es-pipeline months sync``)."""

    month: str
    raw: Annotated[str, Text(r"[^\s]+", help="the raw object's name in the raw location")]
    symbols: Annotated[str, Text(r"[^\s]+", help="the object instrument symbols come from: its definition "
                                                  "file, else the raw object itself")]
    partition: Annotated[str, Text(r"year=\d{4}/month=\d{2}", help="its dataset folder, year=YYYY/month=MM")]

    @classmethod
    def of(cls, month: str, raw: str, symbols: str) -> MonthEntry:
        return cls(month, raw, symbols, hive_partition(month))

    @property
    def definition(self) -> str | None:
        """The month's definition file, if it has one."""
        return None if self.symbols == self.raw else self.symbols

    def check(self) -> None:
        if self.partition != hive_partition(self.month):
            raise Invalid(f"a string matching {re.escape(hive_partition(self.month))}", "partition", self.partition)


@dataclass(frozen=True)
class MonthList:
    months: Annotated[tuple[MonthEntry, ...], Named(
        r"\d{4}-(0[1-9]|1[0-2])", "a month key YYYY-MM", "month", name_field="month", help="the listed months")]


def load_market(params_dir: str | Path = "params") -> MarketParams:
    return load_file(params_dir, "market", MarketParams)


def load_months(params_dir: str | Path = "params") -> tuple[MonthEntry, ...]:
    """The listed months, oldest first."""
    path = Path(params_dir) / "months.yaml"
    top = _Reader(read_yaml(path) or {}, path, "")
    listed = build(MonthList, top)
    return tuple(sorted(listed.months, key=lambda e: e.month))
