"""Primary contract per session: in-window volume, expiry tie-break, roll flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from es_pipeline.filter.primary import choose_primary, contract_volumes, roll_flags

DATES = pd.Series(pd.to_datetime(["2025-12-10", "2025-12-11", "2025-12-12"]).astype("datetime64[ns]"))


def volumes(session, symbol, volume):
    return contract_volumes(np.array(session, np.int64), np.array(symbol, dtype=object),
                            np.array(volume, np.int64), DATES, "ES")


def test_volume_is_summed_per_session_and_contract_and_outside_records_do_not_count():
    table = volumes([0, 0, 0, -1, -1, 1], ["ESZ5", "ESZ5", "ESH6", "ESH6", "ESH6", "ESH6"], [3, 4, 5, 100, 100, 2])
    assert table[["session", "symbol", "volume", "records"]].values.tolist() == [
        [0, "ESH6", 5, 1], [0, "ESZ5", 7, 2], [1, "ESH6", 2, 1]]
    assert table["session_date"].tolist() == [DATES[0], DATES[0], DATES[1]]
    primary = choose_primary(table)
    assert primary["primary"].tolist() == ["ESZ5", "ESH6"]  # ESH6's 200 outside the window does not count


def test_largest_volume_wins():
    primary = choose_primary(volumes([0, 0, 0], ["ESZ5", "ESH6", "ESM6"], [10, 11, 9]))
    assert primary["primary"].tolist() == ["ESH6"] and primary["primary_volume"].tolist() == [11]


def test_ties_go_to_the_nearer_expiry_not_the_name():
    # "ESH6" < "ESZ5" alphabetically, but ESZ5 (Dec 2025) expires first
    primary = choose_primary(volumes([0, 0, 1, 1], ["ESH6", "ESZ5", "ESM6", "ESH6"], [5, 5, 8, 8]))
    assert primary["primary"].tolist() == ["ESZ5", "ESH6"]


def test_ties_without_definitions_go_to_the_lower_instrument_id():
    # no expiry is known; "id:10" < "id:9" as text, but 9 is the lower (earlier-listed) id
    primary = choose_primary(volumes([0, 0, 1, 1], ["id:10", "id:9", "id:10", "id:9"], [5, 5, 6, 5]))
    assert primary["primary"].tolist() == ["id:9", "id:10"] and primary["roll"].tolist() == [False, True]


def test_tie_resolution_knows_the_decade():
    # in December 2029, ESH0 (March 2030) expires after ESZ9 (December 2029)
    dates = pd.Series(pd.to_datetime(["2029-12-03"]).astype("datetime64[ns]"))
    table = contract_volumes(np.array([0, 0]), np.array(["ESH0", "ESZ9"], dtype=object),
                             np.array([4, 4]), dates, "ES")
    assert choose_primary(table)["primary"].tolist() == ["ESZ9"]


def test_roll_days_are_sessions_whose_primary_differs_from_the_previous():
    table = volumes([0, 0, 1, 1, 2, 2], ["ESZ5", "ESH6", "ESZ5", "ESH6", "ESZ5", "ESH6"], [9, 1, 4, 6, 1, 9])
    primary = choose_primary(table)
    assert primary["primary"].tolist() == ["ESZ5", "ESH6", "ESH6"]
    assert primary["roll"].tolist() == [False, True, False]
    assert primary["session_date"].tolist() == DATES.tolist()


def test_roll_flags_edge_cases():
    assert roll_flags(np.array([], dtype=object)).tolist() == []
    assert roll_flags(np.array(["ESZ5"], dtype=object)).tolist() == [False]  # first session: never a roll
    assert roll_flags(np.array(["ESZ5", "ESH6", "ESZ5"], dtype=object)).tolist() == [False, True, True]


def test_sessions_without_trades_get_no_primary():
    table = volumes([0, 2], ["ESZ5", "ESZ5"], [1, 1])
    primary = choose_primary(table)
    assert primary["session"].tolist() == [0, 2]
    empty = choose_primary(volumes([-1], ["ESZ5"], [5]))
    assert empty.empty and list(empty.columns) == ["session", "session_date", "primary", "primary_volume", "roll"]
