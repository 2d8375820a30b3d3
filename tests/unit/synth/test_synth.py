"""The synthetic raw-month generator: real DBN files that imitate Databento ES.FUT ohlcv-1s months."""

from __future__ import annotations

import datetime as dt

import databento as db
import databento_dbn as dbn
import numpy as np
import pandas as pd
import pytest

from es_pipeline.filter.ingest import read_raw
from es_pipeline.filter.validation import validate
from es_pipeline.synth import generate_month
from es_pipeline.synth.contracts import listed_contracts, third_friday

CT = "America/Chicago"


def _generate(tmp_path_factory, month, **kwargs):
    out = tmp_path_factory.mktemp("raw") / f"glbx-mdp3-{month}.ohlcv-1s.dbn.zst"
    summary = generate_month(month, out, **kwargs)
    frame = read_raw(out)
    frame["ct"] = frame["ts_event"].dt.tz_convert(CT)
    frame["session_date"] = (frame["ct"] + pd.Timedelta(hours=7)).dt.date  # sessions open 17:00 CT the day before
    return summary, frame


@pytest.fixture(scope="module")
def december(tmp_path_factory):
    return _generate(tmp_path_factory, "2025-12")


@pytest.fixture(scope="module")
def november(tmp_path_factory):
    return _generate(tmp_path_factory, "2025-11")


@pytest.fixture(scope="module")
def december_3_days(tmp_path_factory):
    return _generate(tmp_path_factory, "2025-12", days=3)


def _at(day: str, clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"{day} {clock}", tz=CT)


def _clock_minutes(frame: pd.DataFrame) -> pd.Series:
    return frame["ct"].dt.hour * 60 + frame["ct"].dt.minute


def test_file_reads_back_with_databento(december_3_days):
    summary, frame = december_3_days
    store = db.DBNStore.from_file(summary.path)
    assert store.metadata.dataset == "GLBX.MDP3"
    assert store.schema == dbn.Schema.OHLCV_1S
    assert store.metadata.stype_in == dbn.SType.RAW_SYMBOL
    assert len(store.to_ndarray()) == summary.records == len(frame)
    assert frame["symbol"].value_counts().to_dict() == summary.records_per_symbol
    assert set(summary.records_per_symbol) == {"ESZ5", "ESH6", "ESZ5-ESH6"}
    assert sum(summary.records_per_part.values()) == summary.records
    rth = _clock_minutes(frame).between(8 * 60 + 30, 15 * 60 - 1)
    assert summary.records_per_part == {"rth": int(rth.sum()), "overnight": int((~rth).sum())}
    assert not list(summary.path.parent.glob(".*.tmp"))


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    paths = [tmp_path / f"{name}.ohlcv-1s.dbn.zst" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (7, 7, 8), strict=True):
        generate_month("2025-12", path, seed=seed, days=1)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_bars_are_consistent_and_on_the_tick_grid(december):
    _, frame = december
    assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()
    assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()
    assert (frame["volume"] >= 1).all()
    assert (frame["ts_event"].array.asi8 % 1_000_000_000 == 0).all()
    assert frame["ts_event"].is_monotonic_increasing
    assert not frame.duplicated(["ts_event", "instrument_id"]).any()
    prices = frame[["open", "high", "low", "close"]]
    spread = frame["symbol"].str.contains("-")
    for rows, tick in ((~spread, 0.25), (spread, 0.05)):
        ticks = prices[rows] / tick
        assert np.allclose(ticks, ticks.round(), atol=1e-6)
    outrights = frame[~spread]
    assert outrights["low"].between(5000, 9000).all()  # about 6,700 in late 2025
    assert (frame.loc[spread, "close"] < 0).all()  # front - next with positive carry in 2025


def test_consecutive_bars_open_near_the_previous_close(december):
    _, frame = december
    front = frame[frame["symbol"] == "ESH6"]
    step = front["ts_event"].diff() == pd.Timedelta(seconds=1)
    jump = (front["open"] - front["close"].shift()).abs()[step]
    assert (jump <= 0.25).mean() > 0.95


def test_no_records_when_globex_is_closed(december):
    _, frame = december
    ct = frame["ct"]
    assert dt.date(2025, 12, 25) not in set(frame["session_date"])
    assert not ((ct >= _at("2025-12-24", "12:00")) & (ct < _at("2025-12-25", "17:00"))).any()
    assert not (ct.dt.hour == 16).any()  # daily 16:00-17:00 CT halt
    assert (ct < _at("2025-12-24", "12:00")).any() and (ct >= _at("2025-12-25", "17:00")).any()
    assert ct.min() >= _at("2025-11-30", "17:00") and ct.max() < _at("2025-12-31", "16:00")


def test_november_keeps_thanksgiving_sessions_and_dst(november):
    summary, frame = november
    ct = frame["ct"]
    assert summary.trading_days[0] == dt.date(2025, 11, 3) and len(summary.trading_days) == 20
    assert frame["ts_event"].min() >= pd.Timestamp("2025-11-02 23:00", tz="UTC")  # 17:00 CST, after the DST change
    assert ct.min() < _at("2025-11-02", "17:01")
    for day in ("2025-11-27", "2025-11-28"):
        session = ct[frame["session_date"] == dt.date.fromisoformat(day)]
        assert len(session) > 1000
        assert session.max() < _at(day, "12:00")
    assert not ((ct >= _at("2025-11-27", "12:00")) & (ct < _at("2025-11-27", "17:00"))).any()


def test_activity_is_u_shaped(december):
    _, frame = december
    busy = frame[frame["symbol"] == "ESH6"]
    busy = busy[busy["session_date"] >= dt.date(2025, 12, 15)]
    minutes = _clock_minutes(busy)
    rth_seconds = 6.5 * 3600 * busy["session_date"].nunique()
    assert (minutes.between(510, 899)).sum() / rth_seconds > 0.9  # nearly every RTH second
    overnight = minutes.between(0, 6 * 60 - 1)
    assert overnight.sum() / (6 * 3600 * busy["session_date"].nunique()) < 0.5
    mean_volume = busy["volume"].groupby(minutes // 30).mean()
    assert mean_volume[17] > 3 * mean_volume[2]  # 08:30-09:00 vs 01:00-01:30
    assert mean_volume[29] > mean_volume[24]  # 14:30-15:00 vs 12:00-12:30


def test_december_shows_the_roll_and_the_front_expiry(december):
    _, frame = december
    volume = frame.pivot_table(index="session_date", columns="symbol", values="volume", aggfunc="sum", fill_value=0)
    first_week = volume.loc[dt.date(2025, 12, 1):dt.date(2025, 12, 5)]
    assert (first_week["ESZ5"] > 10 * first_week["ESH6"]).all()
    after_roll = volume.loc[dt.date(2025, 12, 12):]
    assert (after_roll["ESH6"] > after_roll["ESZ5"]).all()
    roll_week = volume.loc[dt.date(2025, 12, 8):dt.date(2025, 12, 12), "ESZ5-ESH6"]
    assert roll_week.max() == volume["ESZ5-ESH6"].max()
    expiry = _at("2025-12-19", "08:30")
    gone = frame["symbol"].isin(["ESZ5", "ESZ5-ESH6"]) & (frame["ct"] >= expiry)
    assert not gone.any()
    assert (frame.loc[frame["symbol"] == "ESZ5", "ct"].max() > expiry - pd.Timedelta(hours=1))


def test_days_keeps_the_first_trading_days_of_the_full_month(december, december_3_days):
    summary, frame = december_3_days
    assert summary.trading_days == (dt.date(2025, 12, 1), dt.date(2025, 12, 2), dt.date(2025, 12, 3))
    assert sorted(frame["session_date"].unique()) == list(summary.trading_days)
    _, full = december
    prefix = full[full["session_date"] <= dt.date(2025, 12, 3)].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, prefix)


def test_parent_symbology_resolves_symbols_from_the_definition_file(tmp_path):
    raw = tmp_path / "raw.ohlcv-1s.dbn.zst"
    parent = tmp_path / "parent.ohlcv-1s.dbn.zst"
    generate_month("2025-12", raw, days=1)
    summary = generate_month("2025-12", parent, days=1, symbology="parent")
    assert summary.definition_path == tmp_path / "parent.definition.dbn.zst"
    store = db.DBNStore.from_file(parent)
    assert store.metadata.stype_in == dbn.SType.PARENT and store.metadata.symbols == ["ES.FUT"]
    assert list(store.symbology["mappings"]) == ["ES.FUT"]
    definitions = list(db.DBNStore.from_file(summary.definition_path))
    classes = {d.raw_symbol: d.instrument_class for d in definitions}
    assert classes == {"ESZ5": dbn.InstrumentClass.FUTURE, "ESH6": dbn.InstrumentClass.FUTURE,
                       "ESZ5-ESH6": dbn.InstrumentClass.FUTURE_SPREAD}
    expiry = {d.raw_symbol: pd.Timestamp(d.expiration, tz="UTC") for d in definitions}
    assert expiry["ESZ5"] == _at("2025-12-19", "08:30") and expiry["ESH6"] == _at("2026-03-20", "08:30")
    pd.testing.assert_frame_equal(read_raw(parent), read_raw(raw))


def test_activity_and_price_scale_with_the_year(tmp_path):
    summary = generate_month("2010-07", tmp_path / "old.ohlcv-1s.dbn.zst", days=3)
    frame = read_raw(summary.path)
    assert set(summary.records_per_symbol) == {"ESU0", "ESZ0", "ESU0-ESZ0"}
    assert 5_000 < summary.records / 3 < 15_000  # a real July 2010 month holds ~0.22 million records
    assert frame.loc[frame["symbol"] == "ESU0", "close"].between(900, 1300).all()
    # Sessions opened at 15:30 CT the day before until 2012-12; the filter's month check agrees.
    assert _at("2010-06-30", "15:30") <= frame["ts_event"].min() < _at("2010-06-30", "17:00")
    assert len(validate(frame, "2010-07", str(summary.path), root="ES", timezone=CT, bad_rows="error")[0]) == len(frame)


def test_full_month_matches_real_scale(december):
    summary, frame = december
    assert 0.8e6 < summary.records < 1.3e6  # a real late-2025 month holds ~1 million
    assert len(summary.trading_days) == 22
    one_second = (frame["ts_event"].diff() == pd.Timedelta(seconds=1)).mean()
    assert 0.55 < one_second < 0.8  # ~70% in a real October 2025 file


@pytest.mark.parametrize(("year", "month", "symbols"), [
    (2025, 12, ("ESZ5", "ESH6", "ESZ5-ESH6")),
    (2026, 1, ("ESH6", "ESM6", "ESH6-ESM6")),
    (2010, 7, ("ESU0", "ESZ0", "ESU0-ESZ0")),
    (2030, 11, ("ESZ0", "ESH1", "ESZ0-ESH1")),
])
def test_listed_contracts_follow_the_quarterly_cycle(year, month, symbols):
    assert tuple(c.symbol for c in listed_contracts(year, month)) == symbols


def test_expiry_is_the_third_friday_and_ids_are_unique_across_years():
    assert third_friday(2025, 12) == dt.date(2025, 12, 19)
    assert third_friday(2026, 3) == dt.date(2026, 3, 20)
    contracts = {c for year in range(2010, 2031) for month in range(1, 13) for c in listed_contracts(year, month)}
    assert len({c.instrument_id for c in contracts}) == len(contracts)
    esz0 = {c.instrument_id for c in contracts if c.symbol == "ESZ0"}
    assert len(esz0) == 3  # the 2010, 2020 and 2030 contracts share a symbol, not an id


@pytest.mark.parametrize("kwargs", [
    {"month": "2025-13"}, {"month": "2009-12"}, {"seed": -1}, {"days": 0},
    {"symbology": "continuous"}, {"symbology": "parent", "out": "month.dbn.zst"},
])
def test_bad_arguments_are_rejected(tmp_path, kwargs):
    args = {"month": "2025-12", "out": tmp_path / "m.ohlcv-1s.dbn.zst", **kwargs}
    with pytest.raises(ValueError):
        generate_month(**args)
    assert not list(tmp_path.iterdir())


def test_summary_prints_a_readable_table(december_3_days):
    summary, _ = december_3_days
    text = str(summary)
    assert "2025-12" in text and f"{summary.records:,}" in text
    for name, count in {**summary.records_per_symbol, **summary.records_per_part}.items():
        assert f"{count:,}" in text and name in text
