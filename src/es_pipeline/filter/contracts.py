"""Which raw symbols are outright contracts of the root, and when they expire (SPEC 5.2, 5.4).

A raw ES.FUT month holds every outright (``ESZ5``, ``ESH6``; two-digit years such as
``ESH26`` also occur), every calendar spread (``ESZ5-ESH6``) and, in principle, anything
else the parent symbology mapped. Only outrights of the configured root are kept.
Classification runs once per distinct symbol (a month has a few dozen), never per row.

A parent-symbology month read without its definition file knows only instrument ids; its
symbols are ``id:<instrument_id>`` and they are classified by price instead of by name
(``contract_kinds``): an outright trades at the index level, a calendar spread at the
carry between two expiries, a few points either side of zero.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TypeAlias

    Symbols: TypeAlias = pd.Series | np.ndarray | Sequence[str]  # one symbol per record
    Values: TypeAlias = pd.Series | np.ndarray | Sequence[float]  # one number per record

MONTH_CODES = "FGHJKMNQUVXZ"  # January .. December
OUTRIGHT, SPREAD, OTHER = "outright", "spread", "other"
INSTRUMENT_ID_PREFIX = "id:"
OUTRIGHT_LEVEL_SHARE = 0.5  # an outright's median close is at least half the month's outright level


def instrument_symbol(instrument_id: int) -> str:
    """The symbol of a contract known only by its instrument id: ``id:5482``."""
    return f"{INSTRUMENT_ID_PREFIX}{int(instrument_id)}"


def instrument_numbers(symbols: Symbols) -> np.ndarray:
    """The instrument id of each ``id:<n>`` symbol, 0 for a named symbol (a tie-break key)."""
    text = pd.Series(symbols, dtype=object).astype(str)
    known = text.str.startswith(INSTRUMENT_ID_PREFIX)
    numbers = pd.to_numeric(text.str.slice(len(INSTRUMENT_ID_PREFIX)).where(known), errors="coerce")
    return numbers.fillna(0).to_numpy(np.int64)


def factorize(symbols: Symbols) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct symbols; a pandas string Series stays Arrow-backed (fast on a month)."""
    series = symbols if isinstance(symbols, pd.Series) else pd.Series(symbols, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, [str(s) for s in uniques]


def _by_ids(uniques: list[str]) -> bool:
    return len(uniques) > 0 and all(s.startswith(INSTRUMENT_ID_PREFIX) for s in uniques)


def by_instrument_id(symbols: Symbols) -> bool:
    """True when every symbol is ``id:<n>``: the month was read without symbols (no definitions)."""
    return _by_ids(factorize(symbols)[1])


def _kinds_by_price(codes: np.ndarray, distinct: int, close: Values) -> np.ndarray:
    """``outright`` / ``spread`` per distinct contract known only by instrument id.

    Per instrument, the median close of its records (robust to a few bad rows) is compared
    with the month's outright level, the highest such median (the front outright trades at
    the index level; spreads trade near zero). An instrument is an outright when its median
    is positive and at least ``OUTRIGHT_LEVEL_SHARE`` of that level, otherwise a spread
    (a negative median is always a spread). For ES the two groups lie three orders of
    magnitude apart (~6000 vs ~±50), so the factor of two is far from either. A month whose
    only instrument is a spread cannot be told apart this way; it would read as an outright.
    """
    medians = pd.Series(np.asarray(close, np.float64)).groupby(codes).median().reindex(range(distinct)).to_numpy()
    level = np.nanmax(medians) if np.isfinite(medians).any() else np.nan
    outright = (medians > 0) & (medians >= OUTRIGHT_LEVEL_SHARE * level)
    return np.where(outright, OUTRIGHT, SPREAD).astype(object)


def outright_pattern(root: str) -> re.Pattern:
    """``<root><month code><1-2 digit year>``, e.g. ESZ5, ESH26."""
    return re.compile(rf"^{re.escape(root)}(?P<code>[{MONTH_CODES}])(?P<year>\d{{1,2}})$")


def _kind(symbol: str, pattern: re.Pattern) -> str:
    if "-" in symbol:
        return SPREAD
    return OUTRIGHT if pattern.match(symbol) else OTHER


def _kinds_by_name(uniques: list[str], root: str) -> np.ndarray:
    """``outright`` / ``spread`` / ``other`` per distinct symbol (spreads are any symbol with '-')."""
    pattern = outright_pattern(root)
    return np.array([_kind(s, pattern) for s in uniques], dtype=object)


def contract_kinds(symbols: Symbols, close: Values, root: str) -> np.ndarray:
    """Kind of every record: by symbol name, or by price when only instrument ids are known."""
    codes, uniques = factorize(symbols)
    if not len(codes):
        return np.array([], dtype=object)
    if _by_ids(uniques):
        return _kinds_by_price(codes, len(uniques), close)[codes]
    return _kinds_by_name(uniques, root)[codes]


def _parse(symbol: str, pattern: re.Pattern) -> tuple[int, int, int]:
    """(month 1-12, year digits as written, number of digits); (0, 0, 0) if not an outright."""
    match = pattern.match(symbol)
    if not match:
        return 0, 0, 0
    return MONTH_CODES.index(match["code"]) + 1, int(match["year"]), len(match["year"])


def expiry_months(symbols: Symbols, session_dates: pd.Series | pd.DatetimeIndex | np.ndarray, root: str) -> np.ndarray:
    """Expiry as a month count (year * 12 + month - 1) for outrights, -1 otherwise.

    The year on the symbol has one or two digits; it resolves to the nearest year whose
    expiry month is not before the session's month (``ESZ5`` traded in 2025-12 is
    December 2025, ``ESH6`` March 2026; ``ESZ25`` likewise). A contract does not trade
    after it expires, so the nearest non-past reading is the only sensible one.
    """
    pattern = outright_pattern(root)
    codes, uniques = pd.factorize(pd.Series(symbols, dtype=object), use_na_sentinel=False)
    parsed = np.array([_parse(str(s), pattern) for s in uniques] or [(0, 0, 0)], dtype=np.int64)
    month, digits, width = (parsed[codes, i] if len(codes) else np.zeros(0, np.int64) for i in range(3))
    dates = pd.DatetimeIndex(session_dates)
    session_year = dates.year.to_numpy(np.int64)
    session_month = dates.month.to_numpy(np.int64)
    modulus = np.where(width == 2, 100, 10)
    year = session_year + (digits - session_year) % modulus
    year = np.where((year == session_year) & (month < session_month), year + modulus, year)
    return np.where(width > 0, year * 12 + month - 1, -1)


def expiry_label(expiry_month: int) -> str:
    """Month count -> ``YYYY-MM`` (for tables and logs)."""
    return f"{expiry_month // 12:04d}-{expiry_month % 12 + 1:02d}" if expiry_month >= 0 else ""


def not_front(symbols: Symbols, session_dates: pd.Series | pd.DatetimeIndex | np.ndarray, root: str) -> np.ndarray:
    """True where an outright is not a front contract for its session's month.

    The front is the first quarterly expiry (H, M, U, Z) not before the session's month; in an
    expiry month, after the roll, also the next one. A January session whose primary is ESM is
    the sign of a definition file of another month (ids mapped to the wrong contracts).
    """
    expiry = expiry_months(symbols, session_dates, root)
    dates = pd.DatetimeIndex(session_dates)
    month = dates.year.to_numpy(np.int64) * 12 + dates.month.to_numpy(np.int64) - 1
    front = month + 2 - month % 3  # March, June, September, December are the months with index % 3 == 2
    fits = (expiry == front) | ((month == front) & (expiry == front + 3))
    return (expiry >= 0) & ~fits
