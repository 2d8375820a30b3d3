"""Headline metrics stay a few numbers; per-month series go to plot tables (hand-computed answers)."""

from __future__ import annotations

import pandas as pd
import pytest

from es_pipeline.report.summary import Report, headline, plot_tables

MONTHS = pd.Index(["2025-11", "2025-12"], name="month")


@pytest.fixture
def report() -> Report:
    table = pd.DataFrame({"rows": [100, 300], "sessions": [1, 2], "early_close_sessions": [0, 1],
                          "filled_fraction": [0.1, 0.5], "filled_rows": [10, 150], "dropped": [3, 0]},
                         index=MONTHS)
    win_rate = pd.DataFrame({"up": [0.2, 0.6], "down": [0.4, 0.0]}, index=MONTHS)
    weight = pd.DataFrame({"up": [1.0, 2.0], "down": [3.0, 4.0]}, index=MONTHS)
    nan_share = pd.DataFrame({"2025-11": [0.0, 0.2], "2025-12": [0.1, 0.1]}, index=["f1", "f2"])
    return Report(table, win_rate, weight, nan_share, headline(table, win_rate, weight, nan_share))


def test_headline_is_row_weighted_and_does_not_grow_with_months(report):
    assert report.summary == {
        "rows": 400, "sessions": 3, "months": 2,
        "filled_fraction": pytest.approx((0.1 * 100 + 0.5 * 300) / 400),       # 0.4
        "win": {"all": pytest.approx((0.5 + 0.1) / 2),                         # mean over modes
                "up": pytest.approx((0.2 * 100 + 0.6 * 300) / 400),            # 0.5
                "down": pytest.approx((0.4 * 100 + 0.0 * 300) / 400)},         # 0.1
        "sanity": {"winner_weight_mean": pytest.approx(2.5), "feature_nan_share": pytest.approx(0.1)},
    }


def test_plot_tables_have_one_row_per_month_and_win_rates_long(report):
    tables = plot_tables(report)
    assert tables["months.csv"]["month"].tolist() == ["2025-11", "2025-12"]
    assert tables["months.csv"]["filled_rows"].tolist() == [10, 150]
    win = tables["win_rate.csv"]
    assert list(win.columns) == ["month", "mode", "win_rate"]
    assert win.set_index(["month", "mode"])["win_rate"].to_dict() == {
        ("2025-11", "up"): 0.2, ("2025-12", "up"): 0.6, ("2025-11", "down"): 0.4, ("2025-12", "down"): 0.0}
