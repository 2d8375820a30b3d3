"""Year-dependent market levels: index price, trading activity and net cost of carry.

Each is a few knots over fractional years, interpolated (geometrically for price and activity),
so any month 2010-2030 gets a smooth, plausible level without a table per month. Carry is the
short rate minus the dividend yield: it sets how far the next contract trades above the front
(below it in the zero-rate years).
"""

from __future__ import annotations

import numpy as np

PRICE_KNOTS = ((2010.5, 1100.0), (2025.9, 6700.0), (2031.0, 9500.0))  # ~7% a year after 2025
ACTIVITY_KNOTS = ((2010.5, 0.055), (2025.8, 1.0), (2031.0, 1.3))  # seconds with trades grow with the year
CARRY_KNOTS = (  # annual short rate minus dividend yield
    (2010.0, -0.018), (2015.5, -0.019), (2017.0, -0.010), (2018.9, 0.004), (2019.9, -0.002),
    (2020.3, -0.017), (2021.9, -0.013), (2022.5, -0.001), (2023.0, 0.026), (2023.6, 0.037),
    (2024.6, 0.040), (2025.9, 0.027), (2031.0, 0.020),
)


def fractional_year(year: int, month: int) -> float:
    """The middle of the month as a fractional year."""
    return year + (month - 0.5) / 12


def _interp(knots: tuple[tuple[float, float], ...], year: float, geometric: bool) -> float:
    xs, ys = np.array(knots).T
    if geometric:
        return float(np.exp(np.interp(year, xs, np.log(ys))))
    return float(np.interp(year, xs, ys))


def price_level(year: float) -> float:
    return _interp(PRICE_KNOTS, year, geometric=True)


def activity_scale(year: float) -> float:
    """Trade arrival rate relative to late 2025."""
    return _interp(ACTIVITY_KNOTS, year, geometric=True)


def net_carry(year: float) -> float:
    return _interp(CARRY_KNOTS, year, geometric=False)
