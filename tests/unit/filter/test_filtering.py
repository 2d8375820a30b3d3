"""filter_month and the stage runner: known answers, bad input, a generated full month."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pandas_market_calendars as mcal
import pyarrow.parquet as pq
import pytest

from es_pipeline.core.errors import ParamsError, RawDataError
from es_pipeline.core.tables import FILTERED_SCHEMA, read_filtered
from es_pipeline.filter import stage
from es_pipeline.filter.filtering import filter_month
from tests.params import load_params

REPO_PARAMS = Path(__file__).resolve().parents[3] / "params"
MARKET, NYSE = load_params().market, load_params().filter
CT = "America/Chicago"


def filt(raw, month="2025-12", **changes):
    return filter_month(raw, month, MARKET, dataclasses.replace(NYSE, **changes), "test.dbn.zst")


def day(make_trades, date, symbol, seconds=60, start="08:00:00", **kw):
    return make_trades(symbol, f"{date} {start}", seconds, **kw)


# ---------------------------------------------------------------- known answers on hand-built frames

def test_a_spread_with_more_volume_than_the_outrights_never_wins(make_raw, make_trades):
    raw = make_raw(day(make_trades, "2025-12-01", "ESZ5-ESH6", volume=1000)
                   + day(make_trades, "2025-12-01", "ESZ5", volume=1)
                   + day(make_trades, "2025-12-01", "NQZ5", volume=5000))
    result = filt(raw)
    assert result.metrics["primary"] == {"2025-12-01": "ESZ5"}
    assert set(result.bars["symbol"]) == {"ESZ5"}
    assert result.metrics["dropped"]["spread"] == 60 and result.metrics["dropped"]["other_symbol"] == 60


def test_the_primary_switches_on_the_roll(make_raw, make_trades):
    rows = []
    for date, front, back in [("2025-12-09", 50, 1), ("2025-12-10", 40, 10), ("2025-12-11", 10, 40),
                              ("2025-12-12", 1, 50)]:
        rows += (day(make_trades, date, "ESZ5", volume=front)
                 + day(make_trades, date, "ESH6", start="09:00:00", volume=back))
    result = filt(make_raw(rows))
    assert list(result.metrics["primary"].values()) == ["ESZ5", "ESZ5", "ESH6", "ESH6"]
    assert result.metrics["roll_dates"] == ["2025-12-11"]
    assert result.sessions["roll"].tolist() == [False, False, True, False]
    per_session = result.bars.groupby("session_date")["symbol"].unique().map(list).tolist()
    assert per_session == [["ESZ5"], ["ESZ5"], ["ESH6"], ["ESH6"]]
    assert result.metrics["dropped"]["not_primary"] == 4 * 60


def test_volume_outside_the_window_does_not_count(make_raw, make_trades):
    overnight = day(make_trades, "2025-12-01", "ESH6", start="02:00:00", volume=10_000)
    after_close = day(make_trades, "2025-12-01", "ESH6", start="15:00:00", volume=10_000)
    raw = make_raw(overnight + day(make_trades, "2025-12-01", "ESZ5", volume=2) + after_close)
    result = filt(raw)
    assert result.metrics["primary"] == {"2025-12-01": "ESZ5"}
    assert result.sessions["volume_by_contract"].iloc[0] == {"ESZ5": 120}
    assert result.metrics["dropped"]["outside_session"] == 120


def test_full_and_early_close_sessions_are_complete_sorted_and_unique(make_raw, make_trades):
    raw = make_raw(day(make_trades, "2025-12-23", "ESH6", step=7) + day(make_trades, "2025-12-24", "ESH6", step=3))
    result = filt(raw)
    bars = result.bars
    assert bars.groupby("session_date").size().tolist() == [27_000, 16_200]
    assert bars["ts_event"].is_monotonic_increasing and bars["ts_event"].is_unique
    assert str(bars["ts_event"].dtype) == "datetime64[ns, UTC]" and str(bars["session_date"].dtype) == "datetime64[ns]"
    last = bars[bars["session_date"] == "2025-12-24"]["ts_event"].iloc[-1].tz_convert(CT)
    assert last.strftime("%H:%M:%S") == "11:59:59"  # early close at 12:00 CT, never padded
    assert result.metrics["early_close_dates"] == ["2025-12-24"]
    assert result.sessions["filled_fraction"].round(4).tolist() == [round(1 - 9 / 27_000, 4), round(1 - 20 / 16_200, 4)]


def test_every_record_is_kept_or_dropped_for_one_reason(make_raw, make_trades):
    rows = (day(make_trades, "2025-12-01", "ESZ5") + day(make_trades, "2025-12-01", "ESH6", volume=0)
            + day(make_trades, "2025-12-01", "ESZ5-ESH6") + day(make_trades, "2025-12-25", "ESZ5")
            + day(make_trades, "2025-12-02", "ESZ5", start="01:00:00"))
    raw = make_raw(rows + rows[:5])  # 5 exact duplicates
    m = filt(raw).metrics
    assert m["records_in"] == len(raw) == m["records_kept"] + m["dropped_total"]
    assert m["dropped"]["exact_duplicate"] == 5 and m["dropped"]["spread"] == 60
    assert m["holidays"] == ["2025-12-25"] and m["dropped"]["outside_session"] == 120
    assert m["records_kept"] == 60 and m["rows_out"] == 27_000 and m["filled_rows"] == 27_000 - 60


def full_day_with_hole(make_trades, date, symbol, hole_start, hole_seconds, price=6000.0):
    """A trade every second of the 07:30-15:00 window except ``hole_seconds`` from ``hole_start``."""
    rows = day(make_trades, date, symbol, seconds=27_000, start="07:30:00", price=price)
    first = (pd.Timestamp(f"{date} {hole_start}") - pd.Timestamp(f"{date} 07:30:00")).seconds
    return rows[:first] + rows[first + hole_seconds:]


def test_longest_filled_run_per_session_and_long_gap_sessions(make_raw, make_trades):
    raw = make_raw(full_day_with_hole(make_trades, "2025-12-01", "ESZ5", "09:00:00", 400)
                   + full_day_with_hole(make_trades, "2025-12-02", "ESZ5", "12:00:00", 300))
    result = filt(raw)
    m = result.metrics
    assert m["longest_filled_run"] == {"2025-12-01": 400, "2025-12-02": 300}
    assert m["long_gap_sessions"] == ["2025-12-01"]  # 300 s is not longer than the 300 s default
    assert m["rows_out"] == 2 * 27_000 and m["dropped"]["long_gap_session"] == 0
    assert result.sessions["longest_filled_run"].tolist() == [400, 300]


def test_long_gap_sessions_can_be_dropped_and_are_counted(make_raw, make_trades):
    raw = make_raw(full_day_with_hole(make_trades, "2025-12-01", "ESZ5", "09:00:00", 400)
                   + full_day_with_hole(make_trades, "2025-12-02", "ESH6", "12:00:00", 30)
                   + full_day_with_hole(make_trades, "2025-12-03", "ESH6", "12:00:00", 30))
    result = filt(raw, drop_long_gap_sessions=True)
    m = result.metrics
    assert m["long_gap_sessions"] == ["2025-12-01"] and m["longest_filled_run"]["2025-12-01"] == 400
    assert m["dropped"]["long_gap_session"] == 27_000 - 400
    assert m["records_in"] == m["records_kept"] + m["dropped_total"]
    assert m["sessions"] == 2 and set(result.bars["session_date"].dt.day) == {2, 3}
    assert m["roll_dates"] == []  # the first kept session is never a roll day
    assert result.calendar.set_index("session_date").loc["2025-12-01", "status"] == "long_gap"
    from es_pipeline.filter import views

    table = views.long_gaps_table(result)
    assert table.frame.to_dict("records") == [
        {"session": "2025-12-01", "longest filled run (s)": 400, "limit (s)": 300, "kept": "dropped"}]
    calendar = views.calendar_table(result).frame
    assert calendar.loc[calendar["status"] == "session", "longest gap (s)"].tolist() == [30, 30]


def test_dropping_every_session_for_long_gaps_is_an_error(make_raw, make_trades):
    with pytest.raises(RawDataError, match="every session has a run of filled seconds") as info:
        filt(make_raw(day(make_trades, "2025-12-01", "ESZ5")), drop_long_gap_sessions=True)
    assert info.value.rule == "no_sessions" and info.value.month == "2025-12"


def test_opening_seconds_take_the_same_contracts_last_close_before_the_window(make_raw, make_trades):
    rows = (day(make_trades, "2025-12-01", "ESZ5", seconds=1, start="05:00:00", price=5990.0)
            + day(make_trades, "2025-12-01", "ESH6", seconds=1, start="06:00:00", price=7000.0)  # other contract
            + day(make_trades, "2025-12-01", "ESZ5", price=6000.0)
            + day(make_trades, "2025-12-02", "ESZ5", seconds=1, start="06:00:00", price=5995.0)
            + day(make_trades, "2025-12-02", "ESH6", price=6050.0, volume=5))  # ESH6 traded at 06:00 on 12-01
    result = filt(make_raw(sorted(rows)))
    bars = result.bars.set_index("ts_event")
    first, second = (pd.Timestamp(f"2025-12-0{d} 07:30", tz=CT).tz_convert("UTC") for d in (1, 2))
    assert bars.loc[first, ["open", "high", "low", "close"]].tolist() == [5990.0] * 4 and bars.loc[first, "filled"]
    assert bars.loc[second, ["open", "close"]].tolist() == [7000.0, 7000.0]  # ESH6's close of 12-01 06:00
    assert result.sessions["opening_fill"].tolist() == ["prior_close", "prior_close"]
    assert result.metrics["sessions_filled_from_first_open"] == 0


def test_opening_seconds_fall_back_to_the_first_open_and_are_counted(make_raw, make_trades):
    rows = (day(make_trades, "2025-12-01", "ESZ5", price=6000.0)
            + day(make_trades, "2025-12-02", "ESZ5", start="07:30:00", price=6001.0))
    result = filt(make_raw(rows))
    assert result.bars["close"].iloc[0] == 6000.0  # the month's first hours: nothing earlier
    assert result.sessions["opening_fill"].tolist() == ["first_open", ""]  # 12-02 trades from 07:30:00
    assert result.metrics["sessions_filled_from_first_open"] == 1


def test_sessions_without_trades_are_reported_not_invented(make_raw, make_trades):
    result = filt(make_raw(day(make_trades, "2025-12-01", "ESZ5") + day(make_trades, "2025-12-03", "ESZ5")))
    assert result.metrics["sessions"] == 2
    assert "2025-12-02" in result.metrics["sessions_without_trades"]
    assert result.calendar.set_index("session_date").loc["2025-12-02", "status"] == "no_trades"


def test_no_trade_in_any_session_is_an_error(make_raw, make_trades):
    with pytest.raises(RawDataError, match="no session window") as info:
        filt(make_raw(day(make_trades, "2025-12-01", "NQZ5")))
    assert info.value.rule == "no_sessions" and info.value.month == "2025-12"


def test_cme_equity_keeps_the_thanksgiving_globex_session(make_raw, make_trades):
    raw = make_raw(day(make_trades, "2025-11-27", "ESZ5") + day(make_trades, "2025-11-28", "ESZ5"))
    nyse, cme = filt(raw, "2025-11"), filt(raw, "2025-11", calendar="CME_Equity")
    assert list(nyse.metrics["primary"]) == ["2025-11-28"] and "2025-11-27" in nyse.metrics["holidays"]
    assert list(cme.metrics["primary"]) == ["2025-11-27", "2025-11-28"] and cme.metrics["holidays"] == []
    assert cme.bars.groupby("session_date").size().tolist() == [16_200, 16_200]


def test_short_sessions_are_dropped_and_counted(make_raw, make_trades):
    raw = make_raw(day(make_trades, "2025-11-26", "ESZ5") + day(make_trades, "2025-11-28", "ESZ5"))
    result = filt(raw, "2025-11", min_session_minutes=300)
    assert result.metrics["short_sessions"] == ["2025-11-28"] and result.metrics["dropped"]["short_session"] == 60
    assert list(result.metrics["primary"]) == ["2025-11-26"]


def test_month_must_be_yyyy_mm(make_raw, make_trades):
    with pytest.raises(ValueError, match="YYYY-MM"):
        filt(make_raw(day(make_trades, "2025-12-01", "ESZ5")), "2025-13")


# ---------------------------------------------------------------- parameters

@pytest.mark.parametrize(("old", "new", "key", "allowed"), [
    ("calendar: NYSE", "calendar: NOPE", "filter.calendar", "pandas_market_calendars name"),
    ('session_start: "07:30"', 'session_start: "7h30"', "filter.session_start", "clock time HH:MM"),
    ('session_end: "15:00"', 'session_end: "07:00"', "filter.session_end", "after session_start"),
    ("min_session_minutes: 0", "min_session_minutes: -5", "filter.min_session_minutes", "integer in [0, 1440]"),
    ("min_session_minutes: 0", "min_session_minutes: 2.5", "filter.min_session_minutes", "integer in [0, 1440]"),
    ("bad_rows: error", "bad_rows: skip", "filter.bad_rows", "one of error, drop"),
    ("long_gap_seconds: 300", "long_gap_seconds: 0", "filter.long_gap_seconds", "integer in [1, 86400]"),
    ("drop_long_gap_sessions: false", "drop_long_gap_sessions: maybe", "filter.drop_long_gap_sessions",
     "true or false"),
])
def test_bad_filter_params_are_rejected_with_file_key_and_range(tmp_path, old, new, key, allowed):
    params_dir = tmp_path / "params"
    shutil.copytree(REPO_PARAMS, params_dir)
    path = params_dir / "filter.yaml"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(ParamsError) as info:
        load_params(params_dir)
    assert str(path) in str(info.value) and key in str(info.value) and allowed in str(info.value)


def test_long_gap_params_load_with_their_defaults():
    loaded = load_params(REPO_PARAMS).filter
    assert (loaded.long_gap_seconds, loaded.drop_long_gap_sessions) == (300, False)


# ---------------------------------------------------------------- the stage runner on bad input

@pytest.fixture
def stage_paths(tmp_path, monkeypatch):
    """Run the stage on a hand-built frame: (runner, out, metrics_out, params_dir)."""
    params_dir = tmp_path / "params"
    shutil.copytree(REPO_PARAMS, params_dir)
    out, metrics_out = tmp_path / "data" / "2025-12.parquet", tmp_path / "metrics" / "2025-12.json"

    def runner(frame, bad_rows="error", month="2025-12"):
        (params_dir / "filter.yaml").write_text(
            (REPO_PARAMS / "filter.yaml").read_text().replace("bad_rows: error", f"bad_rows: {bad_rows}"))
        monkeypatch.setattr(stage, "read_raw", lambda raw, *named: frame)
        return stage.run(raw="raw/ES.FUT.2025-12.ohlcv-1s.dbn.zst", month=month, out=out, metrics_out=metrics_out,
                         params_dir=params_dir)
    return runner, out, metrics_out


def good_rows(make_trades):
    return make_trades("ESZ5", "2025-12-01 08:00:00", 60) + make_trades("ESH6", "2025-12-02 08:00:00", 60)


BAD_INPUT = {  # rule -> (extra rows, count)
    "ohlc_consistency": ([("2025-12-01 09:00:00", "ESZ5", 6000, 5999, 5998, 6000, 1),
                          ("2025-12-01 09:00:01", "ESZ5", 6000, 6001, 6000.5, 6000, 1)], 2),
    "conflicting_duplicate": ([("2025-12-01 08:00:00", "ESZ5", 6000, 6000.25, 5999.75, 6000, 9)], 1),
    "records_outside_month": ([("2025-11-14 08:00:00", "ESZ5", 6000, 6000, 6000, 6000, 1)] * 3, 3),
}


@pytest.mark.parametrize("rule", sorted(BAD_INPUT))
def test_bad_input_gives_a_clear_error_and_leaves_nothing_behind(stage_paths, make_raw, make_trades, rule):
    runner, out, metrics_out = stage_paths
    extra, count = BAD_INPUT[rule]
    with pytest.raises(RawDataError) as info:
        runner(make_raw(good_rows(make_trades) + extra))
    message = str(info.value)
    assert "raw/ES.FUT.2025-12.ohlcv-1s.dbn.zst" in message and "month 2025-12" in message
    assert f"rule '{rule}'" in message and f"{count:,} record(s)" in message
    assert not out.exists() and not metrics_out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())  # no temporary file either


def test_the_drop_policy_drops_counts_and_writes(stage_paths, make_raw, make_trades):
    runner, out, metrics_out = stage_paths
    extra, count = BAD_INPUT["ohlc_consistency"]
    runner(make_raw(good_rows(make_trades) + extra), bad_rows="drop")
    metrics = json.loads(metrics_out.read_text())
    assert metrics["dropped"]["ohlc_consistency"] == count
    assert len(read_filtered(out)) == metrics["rows_out"] == 2 * 27_000


@pytest.mark.parametrize("mode", ["error", "drop"])
def test_structural_faults_stay_errors_under_the_drop_policy(stage_paths, make_raw, make_trades, mode):
    runner, out, metrics_out = stage_paths
    for rule in ("conflicting_duplicate", "records_outside_month"):
        with pytest.raises(RawDataError, match=rule):
            runner(make_raw(good_rows(make_trades) + BAD_INPUT[rule][0]), bad_rows=mode)
    assert not out.exists() and not metrics_out.exists()


def test_unknown_symbols_are_dropped_and_counted(stage_paths, make_raw, make_trades):
    runner, out, metrics_out = stage_paths
    odd = [("2025-12-01 09:00:00", s, 5, 5, 5, 5, 99) for s in ("ESZ5 C6000", "NQZ5", "ESZ5-ESH6", "UD:1V")]
    runner(make_raw(good_rows(make_trades) + odd))
    dropped = json.loads(metrics_out.read_text())["dropped"]
    assert (dropped["other_symbol"], dropped["spread"]) == (3, 1)
    assert set(read_filtered(out)["symbol"]) == {"ESZ5", "ESH6"}


def test_a_failed_metrics_write_removes_the_bars(stage_paths, make_raw, make_trades, monkeypatch):
    runner, out, metrics_out = stage_paths

    def broken(metrics, path):
        raise OSError("disk full")
    monkeypatch.setattr(stage, "write_metrics", broken)
    with pytest.raises(OSError, match="disk full"):
        runner(make_raw(good_rows(make_trades)))
    assert not out.exists() and not metrics_out.exists()


# ---------------------------------------------------------------- a generated full month (real DBN file)

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    synth = pytest.importorskip("es_pipeline.synth")
    root = tmp_path_factory.mktemp("generated")
    raw = root / "ES.FUT.2025-12.ohlcv-1s.dbn.zst"
    synth.generate_month("2025-12", raw, seed=0)
    out, metrics_out = root / "filtered.parquet", root / "metrics.json"
    result = stage.run(raw=raw, month="2025-12", out=out, metrics_out=metrics_out, params_dir=REPO_PARAMS)
    return raw, out, metrics_out, result


def independent_windows(month="2025-12"):
    """Session windows straight from the calendar, written out day by day."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the calendar library's own pandas deprecation notices
        schedule = mcal.get_calendar("NYSE").schedule(f"{month}-01", pd.Period(month).end_time.date())
    windows = {}
    for date, close in zip(schedule.index, schedule["market_close"], strict=True):
        start = pd.Timestamp(f"{date.date()} 07:30", tz=CT)
        windows[date.date().isoformat()] = (start, min(pd.Timestamp(f"{date.date()} 15:00", tz=CT), close))
    return windows


def test_generated_month_sessions_match_the_calendar(generated):
    _, out, _, result = generated
    bars = read_filtered(out)
    windows = independent_windows()
    sizes = bars.groupby(bars["session_date"].dt.strftime("%Y-%m-%d")).size()
    assert sizes.to_dict() == {d: int((end - start).total_seconds()) for d, (start, end) in windows.items()}
    assert sizes["2025-12-24"] == 16_200 and (sizes.drop("2025-12-24") == 27_000).all()
    firsts = bars.groupby("session_date")["ts_event"].min().dt.tz_convert(CT).dt.strftime("%H:%M:%S")
    assert set(firsts) == {"07:30:00"}
    assert result.metrics["holidays"] == ["2025-12-25"] and result.metrics["sessions"] == 22


def test_generated_month_primary_matches_an_independent_groupby(generated):
    raw_path, out, _, result = generated
    raw = stage.read_raw(raw_path)
    outright = raw[raw["symbol"].str.fullmatch(r"ES[FGHJKMNQUVXZ]\d{1,2}")]
    expected, kept = {}, 0
    for date, (start, end) in independent_windows().items():
        inside = outright[(outright["ts_event"] >= start) & (outright["ts_event"] < end)]
        volume = inside.groupby("symbol")["volume"].sum()
        expected[date] = volume.idxmax()
        kept += int((inside["symbol"] == expected[date]).sum())
    assert result.metrics["primary"] == expected
    assert len(set(expected.values())) == 2 and len(result.metrics["roll_dates"]) == 1
    bars = read_filtered(out)
    traded = bars[~bars["filled"]]
    assert len(traded) == kept == result.metrics["records_kept"]
    merged = traded.merge(raw, on=["ts_event", "symbol"], suffixes=("", "_raw"))
    assert len(merged) == kept
    for col in ("open", "high", "low", "close", "volume"):
        assert (merged[col] == merged[f"{col}_raw"]).all()


def test_generated_month_output_schema_is_exactly_spec_5_6(generated):
    raw_path, out, metrics_out, result = generated
    assert pq.read_schema(out).equals(FILTERED_SCHEMA, check_metadata=False)
    metrics = json.loads(metrics_out.read_text())
    for key in ("records_in", "rows_out", "sessions", "early_close_sessions", "dropped", "filled_fraction",
                "primary", "roll_dates", "holidays"):
        assert key in metrics
    assert metrics["records_in"] == metrics["records_kept"] + metrics["dropped_total"]
    assert metrics["rows_out"] == len(result.bars) == 21 * 27_000 + 16_200
    assert re.fullmatch(r"2025-12-1\d", metrics["roll_dates"][0])


def test_generated_month_is_deterministic(generated, tmp_path):
    raw_path, out, metrics_out, _ = generated
    again = tmp_path / "again.parquet"
    stage.run(raw=raw_path, month="2025-12", out=again, metrics_out=tmp_path / "again.json", params_dir=REPO_PARAMS)
    assert again.read_bytes() == out.read_bytes()
    assert (tmp_path / "again.json").read_text() == metrics_out.read_text()


def test_views_render_the_generated_month(generated):
    from es_pipeline.filter import views

    result = generated[3]
    summary = views.summary(result).frame.set_index("item")["value"]
    assert summary["roll dates"] == result.metrics["roll_dates"][0]
    assert summary["raw records read"] == f"{result.metrics['records_in']:,}"
    calendar = views.calendar_table(result)
    assert len(calendar.frame) == 23 and calendar.frame["status"].str.startswith("holiday").sum() == 1
    assert (calendar.frame["early close"] == "early close").sum() == 1
    assert (calendar.frame["roll"] == "ROLL").sum() == 1 and calendar.frame["rows"].sum() == len(result.bars)
    assert "%" in repr(calendar)
    assert (views.primary_table(result).frame["roll"] == "ROLL").sum() == 1
    dropped = views.dropped_table(result).frame.set_index("reason")
    assert dropped.loc["total = records read", "records"] == result.metrics["records_in"]
    assert "longest gap (s)" in calendar.frame and "opening fill" in calendar.frame
    assert views.long_gaps_table(result).frame.empty and summary["sessions with a filled run over 300 s"] == "none"
    for fig in (views.price_chart(result), views.filled_chart(result)):
        assert fig.axes and fig.axes[0].has_data()


def test_price_envelope_keeps_each_slice_low_and_high():
    import numpy as np

    from es_pipeline.filter import views

    x, y = views.envelope(np.arange(10.0), slices=2)
    assert x.tolist() == [0, 0, 5, 5] and y.tolist() == [0, 4, 5, 9]
    x, y = views.envelope(np.array([3.0, 1.0, 2.0]), slices=2)  # short: every point
    assert x.tolist() == [0, 1, 2] and y.tolist() == [3, 1, 2]


# ---------------------------------------------------------------- parent symbology without definitions

@pytest.fixture(scope="module")
def parent_month(tmp_path_factory):
    """A generated parent-symbology month (with its roll), filtered with and without its definition file."""
    synth = pytest.importorskip("es_pipeline.synth")
    root = tmp_path_factory.mktemp("parent")
    raw = root / "ES.FUT.2025-12.ohlcv-1s.dbn.zst"
    summary = synth.generate_month("2025-12", raw, seed=1, symbology="parent")
    with_definitions = stage.run(raw=raw, month="2025-12", out=root / "a.parquet", metrics_out=root / "a.json",
                                 params_dir=REPO_PARAMS, symbols=summary.definition_path)
    summary.definition_path.unlink()
    without = stage.run(raw=raw, month="2025-12", out=root / "b.parquet", metrics_out=root / "b.json",
                        params_dir=REPO_PARAMS)
    return with_definitions, without


def test_without_definitions_the_bars_equal_those_with_them_but_for_the_symbol(parent_month):
    with_definitions, without = parent_month
    a, b = with_definitions.bars, without.bars
    pd.testing.assert_frame_equal(a.drop(columns="symbol"), b.drop(columns="symbol"))
    names = dict(zip(b["symbol"], a["symbol"], strict=True))  # one id per symbol, and the other way round
    assert len(names) == len(set(names.values())) == 2 and all(s.startswith("id:") for s in names)
    assert b["symbol"].map(names).equals(a["symbol"])


def test_without_definitions_the_metrics_say_so_and_match_otherwise(parent_month):
    with_definitions, without = parent_month
    a, b = with_definitions.metrics, without.metrics
    assert (a["symbology"], b["symbology"]) == ("raw_symbol", "instrument_id")
    assert b["dropped"] == a["dropped"] and b["dropped"]["spread"] > 0  # spreads told apart by price
    assert b["roll_dates"] == a["roll_dates"] and len(b["roll_dates"]) == 1
    differing = {k for k in a if a[k] != b[k]}
    assert differing == {"symbology", "primary"}


def test_the_stage_log_says_a_month_ran_without_definitions(tmp_path, caplog):
    from es_pipeline.synth import generate_month

    raw = tmp_path / "ES.FUT.2025-12.ohlcv-1s.dbn.zst"
    generate_month("2025-12", raw, days=1, symbology="parent").definition_path.unlink()
    with caplog.at_level("WARNING", logger="es_pipeline"):
        stage.run(raw=raw, month="2025-12", out=tmp_path / "f.parquet", metrics_out=tmp_path / "f.json",
                  params_dir=REPO_PARAMS)
    assert any("month 2025-12 ran without definitions" in r.getMessage() for r in caplog.records)
    assert json.loads((tmp_path / "f.json").read_text())["symbology"] == "instrument_id"
