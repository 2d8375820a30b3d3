"""The primary contract of each session and the roll days (SPEC 5.4).

The primary is the outright with the largest total volume inside the session's window
(volume outside the window, e.g. overnight, does not count). Ties go to the nearer expiry,
then to the symbol name so the choice is always deterministic. Contracts known only by
instrument id (no definition file) have no known expiry: ties go to the lower instrument id,
CME assigning ids as contracts are listed, so the lower id is usually the earlier-listed,
nearer expiry (a heuristic; exact volume ties are rare on real data). A roll day is a session
whose primary differs from the previous kept session's; the month's first session is never
a roll day (the previous month is not looked at, so months stay independent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from es_pipeline.filter.contracts import expiry_months, instrument_numbers

VOLUME_COLUMNS = ("session", "session_date", "symbol", "volume", "records", "expiry")
PRIMARY_COLUMNS = ("session", "session_date", "primary", "primary_volume", "roll")


def contract_volumes(session: np.ndarray, symbol: np.ndarray, volume: np.ndarray,
                     session_dates: pd.Series, root: str) -> pd.DataFrame:
    """In-window volume and record count per (session, outright); ``session`` -1 = outside.

    ``session_dates`` maps a session position to its date (for resolving expiry years).
    """
    inside = session >= 0
    frame = pd.DataFrame({"session": session[inside], "symbol": symbol[inside], "volume": volume[inside]})
    table = (frame.groupby(["session", "symbol"], sort=True)["volume"]
             .agg(volume="sum", records="size").reset_index())
    dates = pd.Series(session_dates).reset_index(drop=True)
    table["session_date"] = dates.to_numpy()[table["session"].to_numpy()] if len(table) else dates.iloc[:0].to_numpy()
    table["expiry"] = expiry_months(table["symbol"].to_numpy(), table["session_date"], root)
    table["volume"] = table["volume"].astype(np.int64)
    table["records"] = table["records"].astype(np.int64)
    return table[list(VOLUME_COLUMNS)]


def choose_primary(volumes: pd.DataFrame) -> pd.DataFrame:
    """One row per session that has outright trades: its primary contract and roll flag."""
    ranked = volumes.assign(instrument=instrument_numbers(volumes["symbol"])).sort_values(
        ["session", "volume", "expiry", "instrument", "symbol"], ascending=[True, False, True, True, True],
        kind="stable")
    best = ranked.drop_duplicates("session", keep="first").reset_index(drop=True)
    primary = pd.DataFrame({
        "session": best["session"].to_numpy(np.int64),
        "session_date": best["session_date"].to_numpy(),
        "primary": best["symbol"].astype(object).to_numpy(),
        "primary_volume": best["volume"].to_numpy(np.int64),
    })
    primary["roll"] = roll_flags(primary["primary"].to_numpy())
    return primary[list(PRIMARY_COLUMNS)]


def roll_flags(primaries: np.ndarray) -> np.ndarray:
    """True where the primary differs from the previous session's (never on the first)."""
    flags = np.zeros(len(primaries), bool)
    flags[1:] = primaries[1:] != primaries[:-1]
    return flags
