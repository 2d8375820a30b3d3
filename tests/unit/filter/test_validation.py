"""Record rules, duplicates and the month check: clear errors, or counted drops."""

from __future__ import annotations

import numpy as np
import pytest

from es_pipeline.core.errors import RawDataError
from es_pipeline.filter.ingest import UNDEF_PRICE_POINTS
from es_pipeline.filter.validation import RECORD_RULES, month_interval, validate

SOURCE = "storage/raw/ES.FUT.2025-12.ohlcv-1s.dbn.zst"
GOOD = ("2025-12-01 08:00:00", "ESZ5", 6000.0, 6000.5, 5999.75, 6000.25, 3)


def run(frame, bad_rows="error", month="2025-12"):
    return validate(frame, month, SOURCE, root="ES", timezone="America/Chicago", bad_rows=bad_rows)


def row(seconds=0, symbol="ESZ5", o=6000.0, h=6000.5, lo=5999.75, c=6000.25, v=3):
    return (f"2025-12-01 08:00:{seconds:02d}", symbol, o, h, lo, c, v)


def assert_names(exc: RawDataError, rule: str, count: int, month: str = "2025-12"):
    text = str(exc)
    assert SOURCE in text and f"month {month}" in text and f"rule '{rule}'" in text
    assert f"{count:,} record(s)" in text
    assert (exc.rule, exc.count, exc.month, exc.source) == (rule, count, month, SOURCE)


def test_clean_records_pass_untouched(make_raw):
    frame = make_raw([row(0), row(1), row(2, "ESZ5-ESH6", -10, -9.5, -10.5, -10, 1)])
    clean, dropped = run(frame)
    assert len(clean) == 3 and sum(dropped.values()) == 0
    assert set(dropped) == {"exact_duplicate", *RECORD_RULES}


BAD = {
    "ohlc_consistency": [row(1, lo=6000.5), row(2, h=6000.0), row(3, o=6001.0)],  # low>open, high<close, open>high
    "non_positive_price": [row(1, o=0.0, lo=0.0), row(2, "ESH6", o=-1, h=1, lo=-1, c=1)],
    "negative_volume": [row(1, v=-1)],
    "non_finite_price": [row(1, c=np.nan), row(2, h=np.inf)],
    "undefined_price": [row(1, h=UNDEF_PRICE_POINTS), row(2, "ESZ5-ESH6", o=UNDEF_PRICE_POINTS, h=UNDEF_PRICE_POINTS,
                                                         lo=UNDEF_PRICE_POINTS, c=UNDEF_PRICE_POINTS)],
}


@pytest.mark.parametrize("rule", sorted(BAD))
def test_record_rule_errors_name_file_month_rule_and_count(make_raw, rule):
    frame = make_raw([row(0), *BAD[rule], row(9)])
    with pytest.raises(RawDataError) as info:
        run(frame)
    assert_names(info.value, rule, len(BAD[rule]))
    assert "bad_rows: drop" in str(info.value)  # says how to proceed


@pytest.mark.parametrize("rule", sorted(BAD))
def test_record_rule_drop_policy_drops_and_counts(make_raw, rule):
    frame = make_raw([row(0), *BAD[rule], row(9)])
    clean, dropped = run(frame, bad_rows="drop")
    assert len(clean) == 2 and dropped[rule] == len(BAD[rule])
    assert sum(dropped.values()) == len(BAD[rule])


def test_spreads_may_trade_at_negative_prices(make_raw):
    clean, _ = run(make_raw([row(0, "ESZ5-ESH6", -12.0, -11.5, -12.25, -12.0, 5)]))
    assert len(clean) == 1


def test_ts_not_on_a_whole_second(make_raw):
    frame = make_raw([row(0), row(1)])
    frame.loc[1, "ts_event"] += np.timedelta64(500, "ms")
    with pytest.raises(RawDataError) as info:
        run(frame)
    assert_names(info.value, "ts_not_whole_second", 1)


def test_a_record_breaking_two_rules_counts_once_under_the_first(make_raw):
    frame = make_raw([row(0, o=-1.0, lo=-1.0, v=-5), row(1, h=5990.0)])
    clean, dropped = run(frame, bad_rows="drop")
    assert clean.empty
    assert (dropped["ohlc_consistency"], dropped["non_positive_price"], dropped["negative_volume"]) == (1, 1, 0)


def test_error_mode_reports_every_broken_rule_with_its_count(make_raw):
    frame = make_raw([row(0), row(1, h=UNDEF_PRICE_POINTS), row(2, v=-1), row(3, v=-2), row(4, lo=6001.0)])
    with pytest.raises(RawDataError) as info:
        run(frame)
    text = str(info.value)
    assert info.value.rule == "undefined_price, ohlc_consistency, negative_volume" and info.value.count == 4
    assert "3 record rule(s) broken" in text
    for rule, count in (("undefined_price", 1), ("ohlc_consistency", 1), ("negative_volume", 2)):
        assert f"{rule}: {count:,} record(s)" in text
    assert SOURCE in text and "month 2025-12" in text


def test_null_price_is_its_own_rule_before_ohlc(make_raw):
    """The sentinel as a low breaks ohlc_consistency too; it is counted as undefined_price."""
    clean, dropped = run(make_raw([row(0), row(1, lo=UNDEF_PRICE_POINTS)]), bad_rows="drop")
    assert len(clean) == 1 and dropped["undefined_price"] == 1 and dropped["ohlc_consistency"] == 0


def test_instrument_id_symbols_use_price_to_find_outrights(make_raw):
    """Without symbols, a spread's negative prices are allowed and an outright's zero price is not."""
    frame = make_raw([row(0, "id:7"), row(1, "id:7"), row(2, "id:7", o=0.0, lo=0.0),
                      row(0, "id:9", -12.0, -11.5, -12.25, -12.0, 5)])
    clean, dropped = run(frame, bad_rows="drop")
    assert dropped["non_positive_price"] == 1 and len(clean) == 3


def test_exact_duplicates_are_dropped_and_counted_in_both_modes(make_raw):
    frame = make_raw([row(0), row(1), row(1), row(2), row(1)])
    for mode in ("error", "drop"):
        clean, dropped = run(frame, bad_rows=mode)
        assert dropped["exact_duplicate"] == 2
        assert clean["ts_event"].is_unique and len(clean) == 3


@pytest.mark.parametrize("mode", ["error", "drop"])
def test_conflicting_duplicates_are_an_error_in_both_modes(make_raw, mode):
    frame = make_raw([row(0), row(1), row(1, v=7), row(2), row(2, c=6000.0), row(2, "ESH6")])
    with pytest.raises(RawDataError, match="conflicting duplicates") as info:
        run(frame, bad_rows=mode)
    assert_names(info.value, "conflicting_duplicate", 2)


@pytest.mark.parametrize("mode", ["error", "drop"])
def test_a_file_holding_another_month_is_an_error_in_both_modes(make_raw, mode):
    november = make_raw([(f"2025-11-{d:02d} 08:00:00", "ESZ5", 6000, 6000.5, 5999.5, 6000, 1) for d in (3, 4, 5)])
    with pytest.raises(RawDataError, match=r"outside the month .*2025-11 \(3\)") as info:
        run(november, bad_rows=mode)
    assert_names(info.value, "records_outside_month", 3)


def test_a_few_stray_records_of_the_next_month_are_an_error(make_raw):
    frame = make_raw([row(0), ("2026-01-02 08:00:00", "ESH6", 6000, 6000.5, 5999.5, 6000, 1)])
    with pytest.raises(RawDataError) as info:
        run(frame, bad_rows="drop")
    assert_names(info.value, "records_outside_month", 1)


def test_month_boundaries_allow_the_evening_session_of_the_previous_day(make_raw):
    inside = make_raw([
        ("2025-11-30 17:00:00", "ESZ5", 6000, 6000, 6000, 6000, 1),  # Sunday evening: trades for Dec 1
        ("2025-12-31 23:59:59", "ESH6", 6000, 6000, 6000, 6000, 1),  # CT date in December (UTC: Jan 1)
    ])
    assert len(run(inside)[0]) == 2
    for outside in ("2025-11-30 16:59:59", "2026-01-01 00:00:00"):
        with pytest.raises(RawDataError, match="records_outside_month"):
            run(make_raw([(outside, "ESZ5", 6000, 6000, 6000, 6000, 1)]))
    lo, hi = month_interval("2025-12", "America/Chicago")
    assert (str(lo), str(hi)) == ("2025-11-30 17:00:00-06:00", "2026-01-01 00:00:00-06:00")


def test_before_december_2012_the_evening_session_opened_at_15_30(make_raw):
    # The CME's old schedule: Globex reopened at 15:30 CT, after the 15:15-15:30 halt.
    lo, _ = month_interval("2010-07", "America/Chicago")
    assert str(lo) == "2010-06-30 15:30:00-05:00"
    assert str(month_interval("2012-12", "America/Chicago")[0]) == "2012-11-30 17:00:00-06:00"
    evening = [("2010-06-30 15:30:00", "ESU0", 1000, 1000, 1000, 1000, 1)]
    assert len(run(make_raw(evening), month="2010-07")[0]) == 1
    with pytest.raises(RawDataError, match="records_outside_month"):
        run(make_raw([("2010-06-30 15:29:59", "ESU0", 1000, 1000, 1000, 1000, 1)]), month="2010-07")


def test_structural_schema_faults(make_raw):
    frame = make_raw([row(0)])
    with pytest.raises(RawDataError, match="missing column.*volume") as info:
        run(frame.drop(columns="volume"))
    assert info.value.rule == "schema"
    with pytest.raises(RawDataError, match="UTC timestamp"):
        run(frame.assign(ts_event=frame["ts_event"].dt.tz_localize(None)))
    with pytest.raises(RawDataError, match="wrong dtype"):
        run(frame.assign(volume=frame["volume"].astype(float)))
    with pytest.raises(RawDataError, match="no records"):
        run(frame.iloc[:0])


def test_microsecond_timestamps_are_converted_to_ns(make_raw):
    frame = make_raw([row(0), row(1)])
    clean, _ = run(frame.assign(ts_event=frame["ts_event"].astype("datetime64[us, UTC]")))
    assert str(clean["ts_event"].dtype) == "datetime64[ns, UTC]"
