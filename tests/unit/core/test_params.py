"""Parameters are validated once, at load, with errors naming file, key and allowed range.

Each step declares its own keys (``<step>/params.py``); these tests load every step's the way the
notebook runner and the fingerprint do (``load_step``), plus the shared market and month list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import typing
from pathlib import Path

import pytest

from es_pipeline.core.errors import ParamsError
from es_pipeline.core.params import Key, MarketParams, MonthEntry, load_step
from es_pipeline.dataset.params import DatasetParams
from es_pipeline.features.params import FeatureParams
from es_pipeline.filter.params import FilterParams
from es_pipeline.label.params import LabelParams
from es_pipeline.model.params import ModelParams
from tests.params import load_params

REPO_PARAMS = Path(__file__).resolve().parents[3] / "params"


@pytest.fixture
def params_dir(tmp_path) -> Path:
    target = tmp_path / "params"
    shutil.copytree(REPO_PARAMS, target)
    return target


def edit(params_dir: Path, name: str, old: str, new: str) -> None:
    path = params_dir / f"{name}.yaml"
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_the_committed_values_match_the_spec():
    p = load_params(REPO_PARAMS)
    assert p.market.tick_size == 0.25 and p.market.root_symbol == "ES"
    assert (p.filter.session_start, p.filter.session_end) == (dt.time(7, 30), dt.time(15, 0))
    assert p.filter.calendar == "NYSE"
    assert [(m.name, m.direction, m.stop_ticks, m.target_ticks) for m in p.label.modes] == [
        ("low_vol_long", "long", 6, 12), ("normal_vol_long", "long", 8, 16), ("high_vol_long", "long", 10, 20),
        ("low_vol_short", "short", 6, 12), ("normal_vol_short", "short", 8, 16), ("high_vol_short", "short", 10, 20),
    ]
    assert p.label.timeout_seconds == 900
    assert p.label.weights.quality(0.0) == 2.0 and p.label.weights.quality(2.0) == 0.5
    velocity = p.label.weights.velocity
    assert velocity(300) == 2.0 and velocity(900) == 0.5 and velocity(500) == 1.5
    assert p.dataset.decay_rate == 0.05
    assert p.dataset.reference == p.months[-1].month
    assert p.features.windows["atr_short"] == 30 and p.features.time_buckets["lunch"] == (dt.time(11), dt.time(13))


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("market", "tick_size: 0.25", "tick_size: -1", r"market\.yaml: market\.tick_size must be a number in"),
    ("filter", "calendar: NYSE", "calendar: MOON", r"filter\.yaml: filter\.calendar must be a pandas_market_calendars"),
    ("filter", 'session_end: "15:00"', 'session_end: "06:00"', r"filter\.session_end must be a clock time after"),
    ("filter", 'session_start: "07:30"', 'session_start: "7h30"', r"filter\.session_start must be a clock time"),
    ("filter", "bad_rows: error", "bad_rows: ignore", r"filter\.bad_rows must be one of error, drop"),
    ("filter", "min_session_minutes: 0", "min_session_minutes: -5",
     r"min_session_minutes must be an integer in \[0, 1440\]"),
    ("label", "stop_ticks: 6,", "stop_ticks: 0,", r"label\.modes\.low_vol_long\.stop_ticks must be an integer in \[1,"),
    ("label", "target_ticks: 12}", "target_ticks: -12}", r"low_vol_long\.target_ticks must be an integer"),
    ("label", "direction: long,  stop_ticks: 8", "direction: up,  stop_ticks: 8",
     r"normal_vol_long\.direction must be one of long, short"),
    ("label", "high_vol_short:", "low_vol_long:", r"label\.yaml.*duplicate key 'low_vol_long'"),
    ("label", "timeout_seconds: 900", "timeout_seconds: 0", r"label\.timeout_seconds must be an integer in \[1,"),
    ("label", "upper: 2.0", "upper: 0.1", r"label\.weights\.quality\.upper must be a number in \[0\.5,"),
    ("features", "short_range: 300", "short_range: 1", r"features\.windows\.short_range must be an integer in \[2,"),
    ("features", "touch_zone: 0.10", "touch_zone: 0.9", r"features\.touch_zone must be a number in"),
    ("features", "vwap_price: typical", "vwap_price: mid", r"features\.vwap_price must be one of typical, close"),
    ("features", 'lunch: ["11:00", "13:00"]', 'lunch: ["13:00", "11:00"]',
     r"time_buckets\.lunch must be a list \[start, end\] of clock times HH:MM, start before end"),
    ("dataset", "decay_rate: 0.05", "decay_rate: -0.1", r"dataset\.decay_rate must be a number in \[0\.0, 10\.0\]"),
    ("dataset", "reference_month: null", "reference_month: 2025-13",
     r"dataset\.reference_month must be null or a month"),
    ("dataset", "reference_month: null", "reference_month: 2025-11",
     r"dataset\.yaml: dataset\.reference_month must be null or a month from 2025-12 \(the last listed month\) "
     r"to 2026-12"),
    ("dataset", "reference_month: null", "reference_month: 2031-01",
     r"dataset\.reference_month must be null or a month from 2025-12"),
    ("months", '"2025-11": {raw:', '"2025-1": {raw:', r"months\.yaml: months\.2025-1 must be a month key YYYY-MM"),
    ("months", "symbols: ES.FUT.2025-11.ohlcv-1s.dbn.zst, ", "",
     r"months\.2025-11\.symbols must be a value \(the key is missing\)"),
    ("months", "partition: year=2025/month=11", "partition: year=2025/month=12",
     r"months\.yaml: months\.2025-11\.partition must be a string matching year=2025/month=11"),
    # unknown keys are typos that would silently keep a default: name the closest known key
    ("filter", "bad_rows: error", "bad_row: drop",
     r"filter\.yaml: filter\.bad_row must be a known key \(did you mean filter\.bad_rows\?\), got 'unknown key'"),
    ("label", "timeout_seconds: 900", "timeout_seconds: 900\n  timeout_secs: 600",
     r"label\.timeout_secs must be a known key \(did you mean label\.timeout_seconds\?\)"),
    ("market", "tick_size: 0.25", "tick_size: 0.25\n  tick_sise: 0.5",
     r"market\.yaml: market\.tick_sise .*did you mean market\.tick_size"),
    ("label", "target_ticks: 12}", "target_ticks: 12, stop_tick: 3}",
     r"label\.modes\.low_vol_long\.stop_tick .*did you mean label\.modes\.low_vol_long\.stop_ticks"),
    ("features", "short_range: 300", "short_range: 300\n    short_rnage: 300",
     r"features\.windows\.short_rnage .*did you mean features\.windows\.short_range"),
    ("dataset", "dataset:", "datasets:\n  decay_rate: 0.1\ndataset:",
     r"dataset\.yaml: datasets must be a known key \(did you mean dataset\?\)"),
    ("months", "months:", "month:\n  x: 1\nmonths:",
     r"months\.yaml: month must be a known key \(did you mean months\?\)"),
])
def test_invalid_values_and_unknown_keys_are_rejected_naming_file_key_and_range(params_dir, name, old, new, message):
    edit(params_dir, name, old, new)
    with pytest.raises(ParamsError, match=message):
        load_params(params_dir)


def test_missing_key_and_missing_file(params_dir):
    edit(params_dir, "label", "  timeout_seconds: 900", "")
    with pytest.raises(ParamsError, match=r"label\.timeout_seconds must be a value \(the key is missing\), got None"):
        load_params(params_dir)
    (params_dir / "label.yaml").unlink()
    with pytest.raises(ParamsError, match=r"label\.yaml.*an existing YAML file"):
        load_params(params_dir)


def test_a_seventh_mode_is_a_parameter_edit(params_dir):
    edit(params_dir, "label", "  weights:",
         "    scalp_long: {direction: long, stop_ticks: 2, target_ticks: 3}\n  weights:")
    modes = load_params(params_dir).label.modes
    assert [m.name for m in modes][-1] == "scalp_long" and len(modes) == 7


def test_notebooks_show_a_params_error_as_one_line(monkeypatch):
    error = ParamsError("params/label.yaml", "label.timeout_seconds", "an integer in [1, 86400]", -5)
    monkeypatch.delenv("ES_PIPELINE_DEBUG", raising=False)
    assert error._render_traceback_() == [
        "ParamsError: params/label.yaml: label.timeout_seconds must be an integer in [1, 86400], got -5"]
    monkeypatch.setenv("ES_PIPELINE_DEBUG", "1")
    assert not hasattr(error, "_render_traceback_")  # IPython then shows its full traceback


def test_a_renamed_key_names_both_the_missing_key_and_the_unknown_one(params_dir):
    edit(params_dir, "label", "timeout_seconds: 900", "timeout_secs: 900")
    with pytest.raises(ParamsError, match=r"label\.timeout_seconds must be a value \(the key is missing; unknown "
                                          r"key label\.timeout_secs found instead\)"):
        load_params(params_dir)


def test_a_key_with_a_default_may_be_left_out(params_dir):
    edit(params_dir, "filter", "  long_gap_seconds: 300", "  # long_gap_seconds: 300")
    assert load_params(params_dir).filter.long_gap_seconds == FilterParams.long_gap_seconds == 300


@pytest.mark.parametrize("step", ("filter", "label", "featurize", "dataset"))
def test_a_steps_load_reads_only_its_own_file_and_the_market(params_dir, step):
    own = {"featurize": "features"}.get(step, step)
    for name in ("filter", "label", "features", "dataset"):
        if name != own:
            (params_dir / f"{name}.yaml").write_text("broken: [")
    load_step(step, params_dir)


def _declarations(cls: type) -> list[tuple[str, Key]]:
    found = []
    for f in dataclasses.fields(cls):
        hint = typing.get_type_hints(cls, include_extras=True)[f.name]
        keys = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Key)]
        found += [(f"{cls.__name__}.{f.name}", k) for k in keys]
        inner = typing.get_args(hint)[0] if keys else None
        element = typing.get_args(inner)[0] if typing.get_args(inner) else inner
        if dataclasses.is_dataclass(element):
            found += _declarations(element)
    return found


@pytest.mark.parametrize("cls", (MarketParams, MonthEntry, FilterParams, LabelParams, FeatureParams, DatasetParams,
                                 ModelParams))
def test_every_key_is_declared_once_with_its_help(cls):
    declared = _declarations(cls)
    assert declared and all(key.help.strip() for _, key in declared), [name for name, key in declared if not key.help]
