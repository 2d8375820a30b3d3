"""Months: the ``YYYY-MM`` strings every step names its inputs and outputs by, and their arithmetic.

Loading parameters uses the string helpers, so pandas is imported only inside the two helpers that
return timestamps: a notebook runner that validates ``params/`` stays light.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def hive_partition(month: str) -> str:
    """The month's dataset folder, ``year=YYYY/month=MM`` (listed in months.yaml so dvc.yaml can name it)."""
    year, mon = month.split("-")
    return f"year={year}/month={mon}"


def month_index(month: str) -> int:
    """Months since year 0, so that month differences are plain subtraction."""
    year, mon = map(int, month.split("-"))
    return year * 12 + mon - 1


def months_after(month: str, count: int) -> str:
    index = month_index(month) + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_ago(month: str, reference_month: str) -> int:
    return month_index(reference_month) - month_index(month)


def month_days(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last calendar day of ``YYYY-MM`` (naive midnights)."""
    import pandas as pd

    first = pd.Period(month, "M").start_time.normalize()
    return first, (first + pd.offsets.MonthEnd(0)).normalize()


def month_utc_range(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[first instant of the month, first instant of the next) in UTC."""
    import pandas as pd

    start = pd.Timestamp(f"{month}-01", tz="UTC")
    return start, start + pd.offsets.MonthBegin(1)
