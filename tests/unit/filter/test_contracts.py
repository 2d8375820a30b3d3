"""Outright/spread classification and expiry resolution of raw symbols."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from es_pipeline.filter.contracts import (
    OTHER,
    OUTRIGHT,
    SPREAD,
    by_instrument_id,
    contract_kinds,
    expiry_label,
    expiry_months,
    instrument_numbers,
    instrument_symbol,
    not_front,
)


def classify(symbols, root):
    """Named symbols: the price plays no part."""
    return contract_kinds(symbols, np.zeros(len(symbols)), root)


@pytest.mark.parametrize(("symbol", "kind"), [
    ("ESZ5", OUTRIGHT), ("ESH6", OUTRIGHT), ("ESH26", OUTRIGHT), ("ESF0", OUTRIGHT),
    ("ESZ5-ESH6", SPREAD), ("ESH6-ESM6", SPREAD), ("NQZ5-NQH6", SPREAD),
    ("NQZ5", OTHER), ("MESZ5", OTHER), ("ES", OTHER), ("ESZ", OTHER), ("ESA5", OTHER),
    ("ESZ555", OTHER), ("ESZ5 C6000", OTHER), ("esz5", OTHER), ("", OTHER), ("ESZ5X", OTHER),
])
def test_classify(symbol, kind):
    assert classify([symbol], "ES").tolist() == [kind]


def test_classify_is_vectorised_and_follows_the_root():
    symbols = np.array(["ESZ5", "MESZ5", "ESZ5", "MESH6-MESM6", "MESH6"], dtype=object)
    assert classify(symbols, "MES").tolist() == [OTHER, OUTRIGHT, OTHER, SPREAD, OUTRIGHT]
    assert classify(pd.Series(symbols), "ES").tolist() == [OUTRIGHT, OTHER, OUTRIGHT, SPREAD, OTHER]
    assert classify([], "ES").tolist() == []


def test_contracts_known_only_by_instrument_id_are_told_apart_by_price():
    symbols = ["id:11", "id:12", "id:11", "id:13", "id:14", "id:12", "id:15"]
    close = [6010.0, 6065.5, 6011.0, 55.5, -3.25, 6066.0, 3.0]  # front, next, two spreads, a near-zero spread
    assert by_instrument_id(symbols) and not by_instrument_id(["ESZ5", "id:1"]) and not by_instrument_id([])
    assert contract_kinds(symbols, close, "ES").tolist() == [OUTRIGHT, OUTRIGHT, OUTRIGHT, SPREAD, SPREAD,
                                                             OUTRIGHT, SPREAD]


def test_price_classification_uses_the_median_so_a_few_bad_prices_do_not_flip_it():
    symbols = ["id:1"] * 5 + ["id:2"] * 3
    close = [6000.0, 0.0, 6000.25, -1.0, 6000.5, 40.0, 9.2e9, 41.0]  # id:1 has bad lows, id:2 one huge price
    assert contract_kinds(symbols, close, "ES").tolist() == [OUTRIGHT] * 5 + [SPREAD] * 3


def test_instrument_id_symbols_and_their_numbers():
    assert instrument_symbol(5482) == "id:5482"
    assert instrument_numbers(["id:9", "id:10", "ESZ5"]).tolist() == [9, 10, 0]


@pytest.mark.parametrize(("symbol", "session", "expected"), [
    ("ESZ5", "2025-12-01", "2025-12"),   # the expiring contract, on its expiry month
    ("ESH6", "2025-12-01", "2026-03"),
    ("ESZ25", "2025-12-19", "2025-12"),  # two-digit year
    ("ESH26", "2025-12-19", "2026-03"),
    ("ESH0", "2029-12-03", "2030-03"),   # decade boundary
    ("ESZ9", "2029-12-03", "2029-12"),
    ("ESU5", "2025-10-01", "2035-09"),   # an expired month reads as the next decade (never the past)
    ("ESM10", "2009-12-01", "2010-06"),
])
def test_expiry_resolves_the_year_relative_to_the_session(symbol, session, expected):
    months = expiry_months([symbol], pd.DatetimeIndex([session]), "ES")
    assert expiry_label(int(months[0])) == expected


def test_expiry_orders_front_before_next_and_marks_non_outrights():
    dates = pd.DatetimeIndex(["2025-12-10"] * 4)
    front, nxt, spread, other = expiry_months(["ESZ5", "ESH6", "ESZ5-ESH6", "NQZ5"], dates, "ES")
    assert front < nxt
    assert spread == other == -1
    assert expiry_label(-1) == ""


@pytest.mark.parametrize(("symbol", "day", "odd"), [
    ("ESH6", "2026-01-05", False), ("ESM6", "2026-01-05", True),  # January trades March
    ("ESH6", "2026-03-16", False), ("ESM6", "2026-03-16", False),  # March: before or after the roll
    ("ESU6", "2026-03-16", True), ("ESH6", "2025-12-15", False), ("ESZ25", "2025-12-01", False),
    ("ESZ5", "2025-11-03", False), ("ESH6", "2025-11-03", True), ("id:7", "2026-01-05", False),
])
def test_a_primary_fits_its_month_only_as_a_front_contract(symbol, day, odd):
    assert not_front([symbol], pd.DatetimeIndex([day]), "ES").tolist() == [odd]
