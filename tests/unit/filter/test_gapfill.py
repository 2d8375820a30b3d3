"""Gap fill onto the 1-second session grid, against known answers and a naive reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from es_pipeline.core.tables import FILTERED_COLUMNS
from es_pipeline.filter.gapfill import fill_sessions, filled_runs, prior_closes

T0 = pd.Timestamp("2025-12-01 13:30", tz="UTC")
T1 = pd.Timestamp("2025-12-02 13:30", tz="UTC")


def sessions(*specs):
    """specs: (start, seconds, symbol)."""
    return pd.DataFrame({
        "session_date": pd.to_datetime([s[0].tz_convert("America/Chicago").date() for s in specs]).astype(
            "datetime64[ns]"),
        "start_utc": pd.DatetimeIndex([s[0] for s in specs]).astype("datetime64[ns, UTC]"),
        "seconds": np.array([s[1] for s in specs], np.int64),
        "primary": [s[2] for s in specs],
    })


def trades(rows):
    """rows: (session, second offset, open, high, low, close, volume), starts T0/T1."""
    frame = pd.DataFrame(rows, columns=["session", "offset", "open", "high", "low", "close", "volume"])
    start = np.where(frame["session"] == 0, T0.value, T1.value)
    ts = start + frame["offset"].to_numpy(np.int64) * 1_000_000_000
    return frame.assign(ts_event=pd.DatetimeIndex(ts.astype("datetime64[ns]")).tz_localize("UTC")).astype(
        {"open": float, "high": float, "low": float, "close": float, "volume": np.int64}).drop(columns="offset")


def test_missing_seconds_copy_the_previous_close_with_zero_volume():
    bars = fill_sessions(trades([(0, 1, 10, 12, 9, 11, 5), (0, 4, 11.5, 13, 11, 12.5, 2)]),
                         sessions((T0, 6, "ESZ5")))
    assert bars[["open", "high", "low", "close"]].values.tolist() == [
        [10] * 4, [10, 12, 9, 11], [11] * 4, [11] * 4, [11.5, 13, 11, 12.5], [12.5] * 4]
    assert bars["volume"].tolist() == [0, 5, 0, 0, 2, 0]
    assert bars["filled"].tolist() == [True, False, True, True, False, True]


def test_leading_seconds_take_the_first_trades_open_per_session():
    bars = fill_sessions(trades([(0, 0, 10, 10, 10, 10, 1), (1, 2, 20, 21, 19, 20.5, 1)]),
                         sessions((T0, 3, "ESZ5"), (T1, 3, "ESH6")))
    assert bars["close"].tolist() == [10, 10, 10, 20, 20, 20.5]  # session 2 never sees session 1's close
    assert bars["symbol"].tolist() == ["ESZ5"] * 3 + ["ESH6"] * 3
    assert bars["session_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-12-01"] * 3 + ["2025-12-02"] * 3


def test_leading_seconds_take_the_prior_close_when_given():
    bars = fill_sessions(trades([(0, 2, 10, 11, 9, 10.5, 1), (1, 1, 20, 21, 19, 20.5, 1)]),
                         sessions((T0, 3, "ESZ5"), (T1, 2, "ESZ5")).assign(prior_close=[7.25, np.nan]))
    assert bars["close"].tolist() == [7.25, 7.25, 10.5, 20.0, 20.5]  # session 1: no prior close, first open
    assert bars["open"].tolist()[:2] == [7.25, 7.25] and bars["filled"].tolist() == [True, True, False, True, False]


def test_prior_closes_use_the_same_contract_strictly_before_the_window():
    s = 1_000_000_000
    ts = np.array([1, 5, 3, 9, 10, 2], np.int64) * s
    symbol = np.array(["ESZ5", "ESZ5", "ESH6", "ESZ5", "ESZ5", "NQZ5"], dtype=object)
    close = np.array([1.0, 5.0, 3.0, 9.0, 10.0, 2.0])
    starts = np.array([6, 10, 4, 100], np.int64) * s
    out = prior_closes(ts, symbol, close, np.array(["ESZ5", "ESZ5", "ESH6", "ESM6"], dtype=object), starts)
    # ESZ5 before 6 s: the 5 s record; before 10 s: the 9 s one (10 s is not before); ESH6: 3; ESM6: none
    np.testing.assert_array_equal(out, [5.0, 9.0, 3.0, np.nan])


def test_filled_runs_known_answer():
    filled = np.array([1, 1, 0, 1, 1, 1, 0,   1, 0, 1, 1, 1, 1, 0,   0, 1], bool)
    starts, ends = np.array([0, 7, 14]), np.array([7, 14, 16])
    leading, longest = filled_runs(filled, starts, ends)
    assert leading.tolist() == [2, 1, 0] and longest.tolist() == [3, 4, 1]
    # a run does not continue across a session border: session 1 ends filled, session 2 starts filled
    leading, longest = filled_runs(np.array([0, 1, 1, 1, 0], bool), np.array([0, 3]), np.array([3, 5]))
    assert leading.tolist() == [0, 1] and longest.tolist() == [2, 1]


def test_grid_is_complete_sorted_unique_and_typed():
    bars = fill_sessions(trades([(0, 26_999, 10, 10, 10, 10, 1), (1, 0, 9, 9, 9, 9, 1)]),
                         sessions((T0, 27_000, "ESZ5"), (T1, 16_200, "ESZ5")))
    assert len(bars) == 27_000 + 16_200
    assert bars["ts_event"].is_monotonic_increasing and bars["ts_event"].is_unique
    assert bars["ts_event"].iloc[0] == T0 and bars["ts_event"].iloc[27_000] == T1
    assert (bars["ts_event"].diff().iloc[1:27_000] == pd.Timedelta(seconds=1)).all()
    assert tuple(bars.columns) == FILTERED_COLUMNS
    assert {c: str(t) for c, t in bars.dtypes.items()} == {
        "ts_event": "datetime64[ns, UTC]", "session_date": "datetime64[ns]", "symbol": "str",
        "open": "float64", "high": "float64", "low": "float64", "close": "float64",
        "volume": "int64", "filled": "bool"}


def test_a_session_without_trades_gets_no_rows_and_nothing_is_empty_by_accident():
    bars = fill_sessions(trades([(1, 1, 5, 5, 5, 5, 1)]), sessions((T0, 10, "ESZ5"), (T1, 3, "ESZ5")))
    assert len(bars) == 3 and bars["close"].tolist() == [5.0] * 3
    empty = fill_sessions(trades([]), sessions((T0, 10, "ESZ5")))
    assert empty.empty and tuple(empty.columns) == FILTERED_COLUMNS


def test_bad_trades_are_refused():
    with pytest.raises(ValueError, match="outside"):
        fill_sessions(trades([(0, 10, 1, 1, 1, 1, 1)]), sessions((T0, 10, "ESZ5")))
    with pytest.raises(ValueError, match="same second"):
        fill_sessions(trades([(0, 1, 1, 1, 1, 1, 1), (0, 1, 1, 1, 1, 1, 1)]), sessions((T0, 10, "ESZ5")))


def naive_fill(rows, seconds):
    """Row-by-row reference for one session."""
    by_second = {r[1]: r for r in rows}
    first_open = by_second[min(by_second)][2]
    out, prev_close = [], None
    for s in range(seconds):
        if s in by_second:
            _, _, o, h, lo, c, v = by_second[s]
            out.append((o, h, lo, c, v, False))
            prev_close = c
        else:
            p = first_open if prev_close is None else prev_close
            out.append((p, p, p, p, 0, True))
    return out


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_matches_a_naive_reference(data):
    seconds = data.draw(st.integers(1, 40))
    offsets = data.draw(st.lists(st.integers(0, seconds - 1), min_size=1, max_size=seconds, unique=True))
    rows = []
    for off in sorted(offsets):
        o, c = data.draw(st.integers(1, 400)) / 4, data.draw(st.integers(1, 400)) / 4
        rows.append((0, off, o, max(o, c) + 0.25, min(o, c) - 0.25, c, data.draw(st.integers(0, 50))))
    bars = fill_sessions(trades(rows), sessions((T0, seconds, "ESZ5")))
    got = list(bars[["open", "high", "low", "close", "volume", "filled"]].itertuples(index=False, name=None))
    assert got == naive_fill(rows, seconds)
