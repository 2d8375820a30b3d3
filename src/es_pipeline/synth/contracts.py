"""The ES contracts a month lists: the expiring front, the next quarterly and their spread.

CME equity index futures expire on the third Friday of March, June, September and December
(trading stops at the 08:30 CT cash open); volume rolls to the next contract about eight days
earlier, on the second Thursday. Instrument ids are hashed from the symbol and its expiry so they
are stable across months and runs, yet differ when a symbol such as ESH0 is reused a decade later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pandas as pd

from es_pipeline.synth.sessions import TZ

QUARTER_CODES = {3: "H", 6: "M", 9: "U", 12: "Z"}
ROLL_LEAD_DAYS = 8
LAST_TRADE_CLOCK = dt.time(8, 30)
OUTRIGHT_TICK = 0.25
SPREAD_TICK = 0.05


@dataclass(frozen=True)
class Contract:
    symbol: str
    instrument_id: int
    expiration_ns: int  # last trade, UTC ns; a spread dies with its front leg
    roll_ns: int  # centre of the volume roll away from the expiring contract (for a spread: its front leg's)
    tick: float
    is_spread: bool = False

    @property
    def maturity(self) -> pd.Timestamp:
        return pd.Timestamp(self.expiration_ns, tz="UTC").tz_convert(TZ)


def third_friday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)


def _ct_ns(day: dt.date, clock: dt.time) -> int:
    return pd.Timestamp(dt.datetime.combine(day, clock), tz=TZ).value


def _instrument_id(symbol: str, expiry: dt.date) -> int:
    digest = hashlib.blake2b(f"{symbol}:{expiry.isoformat()}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") & 0x7FFFFFFF or 1


def quarterly(year: int, month: int) -> Contract:
    """The outright expiring in (year, month), a quarterly month; symbols use one year digit (ESZ5)."""
    expiry = third_friday(year, month)
    symbol = f"ES{QUARTER_CODES[month]}{year % 10}"
    return Contract(
        symbol=symbol,
        instrument_id=_instrument_id(symbol, expiry),
        expiration_ns=_ct_ns(expiry, LAST_TRADE_CLOCK),
        roll_ns=_ct_ns(expiry - dt.timedelta(days=ROLL_LEAD_DAYS), LAST_TRADE_CLOCK),
        tick=OUTRIGHT_TICK,
    )


def _following(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 3) if month == 12 else (year, month + 3)


def listed_contracts(year: int, month: int) -> tuple[Contract, Contract, Contract]:
    """Front (the first quarterly expiring in or after the month), the next quarterly, their spread."""
    quarter = (year, (month + 2) // 3 * 3)
    front, nxt = quarterly(*quarter), quarterly(*_following(*quarter))
    symbol = f"{front.symbol}-{nxt.symbol}"
    spread = Contract(
        symbol=symbol,
        instrument_id=_instrument_id(symbol, third_friday(*quarter)),
        expiration_ns=front.expiration_ns,
        roll_ns=front.roll_ns,
        tick=SPREAD_TICK,
        is_spread=True,
    )
    return front, nxt, spread
