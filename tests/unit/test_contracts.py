"""Outright/spread classification and expiry resolution of raw symbols."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from es_pipeline.contracts import OTHER, OUTRIGHT, SPREAD, classify, expiry_label, expiry_months


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
