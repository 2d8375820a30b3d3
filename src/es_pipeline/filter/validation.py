"""Schema and record rules for a raw month (SPEC 5.1).

Two kinds of fault, handled differently on purpose:

* Structural faults always stop the stage, whatever ``filter.bad_rows`` says: wrong
  columns/dtypes, records outside the month (the file holds another month's data), and
  conflicting duplicates (same symbol and second, different values). Each means the file
  itself is wrong; there is no right record to keep, and dropping them would hide a mislabeled
  or mis-merged file behind a plausible-looking output. The fix belongs at the source.
* Record faults break a rule on one record: Databento's undefined-price sentinel (a null
  price, i64 max), non-finite prices, a ``ts_event`` not on a whole second, low > min(open,
  close) or high < max(open, close), a non-positive price on an outright, negative volume.
  With ``bad_rows: error`` (default) the stage stops naming every broken rule with its count
  in one error; with ``bad_rows: drop`` those records are dropped and counted per rule
  (a record breaking several rules is counted under the first, in ``RECORD_RULES`` order).

Exact duplicates are always dropped and counted (``exact_duplicate``): they carry no
information and a re-sent record is a known feed artefact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from es_pipeline.core.errors import RawDataError
from es_pipeline.core.periods import month_days
from es_pipeline.filter.contracts import OUTRIGHT, contract_kinds
from es_pipeline.filter.ingest import UNDEF_PRICE_POINTS
from es_pipeline.filter.sessions import SECOND

PRICES = ("open", "high", "low", "close")
REQUIRED = ("ts_event", "symbol", *PRICES, "volume")
RECORD_RULES = {
    "undefined_price": "a price is Databento's undefined-price sentinel (a null price)",
    "non_finite_price": "a price is NaN or infinite",
    "ts_not_whole_second": "ts_event is not on a whole second (ohlcv-1s bars start on the second)",
    "ohlc_consistency": "low > min(open, close) or high < max(open, close)",
    "non_positive_price": "an outright has a price <= 0",
    "negative_volume": "volume is negative",
}
# Globex's evening session trades for the next date. It opens at 17:00 CT since the CME's
# 2012-12 schedule change, and opened at 15:30 CT (after the 15:15-15:30 halt) before it.
EVENING_OPEN = pd.Timedelta(hours=17)
EVENING_OPEN_BEFORE_2012_12 = pd.Timedelta(hours=15, minutes=30)


def check_schema(raw: pd.DataFrame, source: str, month: str) -> pd.DataFrame:
    """Required columns with usable dtypes; returns the frame with ts_event in UTC ns."""
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise RawDataError(source, f"missing column(s) {', '.join(missing)}", month=month, rule="schema")
    ts = raw["ts_event"]
    if not isinstance(ts.dtype, pd.DatetimeTZDtype) or str(ts.dtype.tz) != "UTC":
        raise RawDataError(source, f"ts_event must be a UTC timestamp, found {ts.dtype}",
                           month=month, rule="schema")
    bad = [c for c in PRICES if not pd.api.types.is_float_dtype(raw[c])]
    if not pd.api.types.is_integer_dtype(raw["volume"]):
        bad.append("volume")
    if bad:
        raise RawDataError(source, f"column(s) {', '.join(bad)} have the wrong dtype "
                           "(prices float64 points, volume integer)", month=month, rule="schema")
    if ts.dtype.unit != "ns":
        raw = raw.assign(ts_event=ts.astype("datetime64[ns, UTC]"))
    return raw


def month_interval(month: str, timezone: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[evening open on the previous month's last day, 00:00 local on the next month's first day).

    A record belongs to the month when its UTC month, its local date or its trading date
    (the evening session, from 17:00 local or 15:30 before 2012-12, counts for the next day)
    is the month; the union of the three is this interval.
    """
    first, last = month_days(month)
    evening_open = EVENING_OPEN if month >= "2012-12" else EVENING_OPEN_BEFORE_2012_12
    lo = (first - pd.Timedelta(days=1) + evening_open).tz_localize(timezone)
    hi = (last + pd.Timedelta(days=1)).tz_localize(timezone)
    return min(lo, first.tz_localize("UTC")), max(hi, (last + pd.Timedelta(days=1)).tz_localize("UTC"))


def check_month(raw: pd.DataFrame, month: str, timezone: str, source: str) -> None:
    lo, hi = month_interval(month, timezone)
    ts = raw["ts_event"]
    outside = ((ts < lo) | (ts >= hi)).to_numpy()
    if outside.any():
        months = ts[outside].dt.tz_convert(None).dt.to_period("M").astype(str).value_counts().sort_index()
        held = ", ".join(f"{m} ({n:,})" for m, n in months.items())
        raise RawDataError(
            source, f"{int(outside.sum()):,} of {len(raw):,} records lie outside the month "
            f"[{lo}, {hi}); the file holds data of {held} — is it the right file for this month?",
            month=month, rule="records_outside_month", count=int(outside.sum()))


def drop_duplicates(raw: pd.DataFrame, source: str, month: str) -> tuple[pd.DataFrame, int]:
    """Drop exact repeats (same symbol, second and values); conflicting repeats are an error."""
    ts = raw["ts_event"].to_numpy("datetime64[ns]").view(np.int64)
    codes = pd.factorize(raw["symbol"])[0]
    order = np.lexsort((ts, codes))  # stable: the first of a group is the earliest record
    same_key = (codes[order][1:] == codes[order][:-1]) & (ts[order][1:] == ts[order][:-1])
    if not same_key.any():
        return raw, 0
    values = [c for c in ("instrument_id", *PRICES, "volume") if c in raw.columns]
    same_values = np.ones(len(same_key), bool)
    for col in values:
        v = raw[col].to_numpy()[order]
        equal = v[1:] == v[:-1]
        if v.dtype.kind == "f":
            equal |= np.isnan(v[1:]) & np.isnan(v[:-1])
        same_values &= equal
    conflict = same_key & ~same_values
    if conflict.any():
        at = raw.iloc[order[1:][conflict][0]]
        raise RawDataError(
            source, f"conflicting duplicates: the same symbol and second carry different values "
            f"(first: {at['symbol']} at {at['ts_event']})", month=month, rule="conflicting_duplicate",
            count=int(conflict.sum()))
    drop = np.zeros(len(raw), bool)
    drop[order[1:][same_key]] = True
    return raw[~drop], int(drop.sum())


def rule_masks(raw: pd.DataFrame, root: str) -> dict[str, np.ndarray]:
    """One boolean mask per record rule, True where the record breaks it."""
    o, h, lo, c = (raw[p].to_numpy(np.float64) for p in PRICES)
    prices = np.column_stack([o, h, lo, c])
    ts = raw["ts_event"].to_numpy("datetime64[ns]").view(np.int64)
    outright = contract_kinds(raw["symbol"], c, root) == OUTRIGHT
    with np.errstate(invalid="ignore"):
        return {
            "undefined_price": (prices == UNDEF_PRICE_POINTS).any(axis=1),
            "non_finite_price": ~np.isfinite(prices).all(axis=1),
            "ts_not_whole_second": ts % SECOND != 0,
            "ohlc_consistency": (lo > np.minimum(o, c)) | (h < np.maximum(o, c)),
            "non_positive_price": outright & (prices <= 0).any(axis=1),
            "negative_volume": raw["volume"].to_numpy() < 0,
        }


def validate(raw: pd.DataFrame, month: str, source: str, *, root: str, timezone: str,
             bad_rows: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Check a raw month; return the clean records and the number dropped per reason."""
    raw = check_schema(raw, source, month)
    if raw.empty:
        raise RawDataError(source, "the file holds no records", month=month, rule="no_records", count=0)
    check_month(raw, month, source=source, timezone=timezone)
    raw, duplicates = drop_duplicates(raw, source, month)
    dropped = {"exact_duplicate": duplicates}
    bad = np.zeros(len(raw), bool)
    broken = []
    for rule, mask in rule_masks(raw, root).items():
        hit = mask & ~bad
        dropped[rule] = int(hit.sum())
        if dropped[rule]:
            broken.append(_describe(raw, rule, hit, dropped[rule]))
        bad |= mask
    if broken and bad_rows != "drop":
        rules = [rule for rule in RECORD_RULES if dropped[rule]]
        raise RawDataError(
            source, f"{len(broken)} record rule(s) broken: {'; '.join(broken)}; "
            "set filter.bad_rows: drop to drop and count such records",
            month=month, rule=", ".join(rules), count=int(bad.sum()))
    return (raw[~bad] if bad.any() else raw).reset_index(drop=True), dropped


def _describe(raw: pd.DataFrame, rule: str, hit: np.ndarray, count: int) -> str:
    """``rule``: count, what it means and the first record breaking it."""
    at = raw.iloc[int(np.flatnonzero(hit)[0])]
    return (f"{rule}: {count:,} record(s), {RECORD_RULES[rule]} (first: {at['symbol']} at {at['ts_event']}, "
            f"open={at['open']} high={at['high']} low={at['low']} close={at['close']} volume={at['volume']})")
