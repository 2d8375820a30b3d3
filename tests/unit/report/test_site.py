"""The index page: a month's status from its stage summaries, and a page that stays usable at 185 months."""

from __future__ import annotations

import json

from es_pipeline.report import site

MODES = ["long", "short"]


def filter_summary(**changes) -> dict:
    base = {"rows_out": 54000, "sessions": 2, "early_close_dates": ["2025-11-28"], "roll_dates": ["2025-12-11"],
            "primary": {"2025-12-10": "ESZ5", "2025-12-11": "ESH6"}, "filled_fraction": 0.041436,
            "sessions_without_trades": [], "short_sessions": []}
    return base | changes


LABEL = {"modes": {"long": {"win_rate": 0.25, "outcomes": {"win": 25, "stop": 70, "timeout": 4, "session_end": 1}},
                   "short": {"win_rate": None, "outcomes": {}}}}
FEATURES = {"nan_check_failures": 0, "nan_share": {"a": 0.0333, "b": 0.0}}


def test_month_row_shows_the_status_with_separators_and_percentages():
    row = site.month_row("2025-12", {"filter": filter_summary(), "label": LABEL, "featurize": FEATURES}, MODES)
    text = {k: c.text for k, c in row.cells.items()}
    assert text["rows"] == "54,000" and text["filled"] == "4.1%" and text["early closes"] == "11-28"
    assert text["contract / roll"] == "ESZ5 → ESH6 (roll 12-11)"
    assert text["win long"] == "25.0%" and row.cells["win long"].title == "win 25, stop 70, timeout 4, session_end 1"
    assert text["features"] == "pass · max NaN 3.33%" and text["longest gap"] == "n/a"
    assert row.pages == {s: f"{s}/2025-12.html" for s in site.STAGES}
    assert [k for k, c in row.cells.items() if c.problem] == ["win short"]  # no win rate: abnormal


def test_abnormal_months_are_flagged_with_the_reason():
    summary = filter_summary(filled_fraction=0.31, sessions_without_trades=["2025-12-24"],
                             longest_filled_run={"2025-12-10": 40, "2025-12-11": 1800},
                             long_gap_sessions=["2025-12-11"])
    row = site.month_row("2025-12", {"filter": summary, "label": None, "featurize": {"nan_check_failures": 2}},
                         ["long"])
    problems = {k: c.problem for k, c in row.cells.items() if c.problem}
    assert problems["filled"] == "over 20% gap-filled"
    assert problems["longest gap"] == "long gaps on 2025-12-11" and row.cells["longest gap"].text == "1,800 s (12-11)"
    assert problems["missing sessions"].endswith("2025-12-24") and row.cells["missing sessions"].text == "1"
    assert problems["win long"] == "stage has not run" and problems["features"].startswith("2 feature(s)")
    assert row.pages == {"filter": "filter/2025-12.html", "featurize": "featurize/2025-12.html"}


def test_a_month_run_without_definitions_is_flagged():
    summary = filter_summary(symbology="instrument_id", primary={"2025-12-10": "id:5482", "2025-12-11": "id:7"})
    row = site.month_row("2025-12", {"filter": summary, "label": LABEL, "featurize": FEATURES}, MODES)
    cell = row.cells["contract / roll"]
    assert cell.text == "id:5482 → id:7 (roll 12-11)" and "without definitions" in cell.problem
    named = site.month_row("2025-12", {"filter": filter_summary(symbology="raw_symbol"), "label": LABEL,
                                       "featurize": FEATURES}, MODES)
    assert not named.cells["contract / roll"].problem


def test_a_primary_that_is_not_the_front_contract_is_flagged():
    """ESM6 in January: the definition file named the month's ids after another month's contracts."""
    summary = filter_summary(symbology="raw_symbol", primary={"2026-01-05": "ESM6"},
                             primary_not_front={"2026-01-05": "ESM6"})
    cell = site.month_row("2026-01", {"filter": summary, "label": LABEL, "featurize": FEATURES}, MODES).cells[
        "contract / roll"]
    assert cell.problem.startswith("not the front contract on 2026-01-05 (ESM6)")


def test_a_month_no_stage_has_run_for_is_listed_as_not_run(tmp_path):
    (tmp_path / "filter").mkdir()
    (tmp_path / "filter" / "2025-11.json").write_text(json.dumps(filter_summary()))
    rows = site.build(tmp_path, ["2025-11", "2025-12"], MODES)
    assert not rows[0].cells["rows"].problem and rows[1].cells["rows"].text == "not run"
    assert rows[1].pages == {} and rows[1].abnormal


def rows_for(n: int) -> list[site.MonthRow]:
    months = [f"{2010 + i // 12}-{i % 12 + 1:02d}" for i in range(n)]
    found = {"filter": filter_summary(), "label": LABEL, "featurize": FEATURES}
    return [site.month_row(m, found, MODES) for m in months]


def test_index_groups_185_months_by_year_newest_first():
    page = site.render_index(rows_for(185))
    assert page.count('<tr class="month') == 185
    assert page.index("2025 · 5 month(s)") < page.index("2010 · 12 month(s)")
    assert "http" not in page and "<script src" not in page
    assert '<a href="model.html">baseline model</a>' in page


def test_index_renders_185_rows_offline_and_sorts_in_the_browser(browser, tmp_path):
    index = tmp_path / "index.html"
    index.write_text(site.render_index(rows_for(185)))
    for stage in site.STAGES:  # the pages the rows link to
        (tmp_path / stage).mkdir()
        for row in rows_for(185):
            (tmp_path / stage / f"{row.month}.html").write_text("<p>month</p>")
    for page in ("report", "model", "pipeline"):
        (tmp_path / f"{page}.html").write_text(f"<p>{page}</p>")
    report = browser.open(index)
    report.assert_clean()
    page = report.page
    assert page.locator("tr.month").count() == 185
    first = "tbody:first-of-type tr.month >> nth=0"
    assert page.locator(first).get_attribute("id") == "m2025-05"
    page.locator("thead th", has_text="month").click()  # ascending within each year
    assert page.locator(first).get_attribute("id") == "m2025-01"
