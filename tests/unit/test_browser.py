"""The offline browser fixture itself: it must notice what a reader would notice."""

from __future__ import annotations


def test_clean_local_page_passes(browser, tmp_path):
    (tmp_path / "other.html").write_text("<p>other</p>")
    page = tmp_path / "index.html"
    page.write_text('<h1>ok</h1><a href="other.html">other</a>')
    browser.open(page).assert_clean()


def test_problems_are_reported(browser, tmp_path):
    page = tmp_path / "index.html"
    page.write_text('<script>console.error("boom")</script><img src="missing.png">'
                    '<a href="nowhere.html">x</a><script src="https://cdn.example.invalid/lib.js"></script>')
    report = browser.open(page)
    assert any("boom" in e for e in report.console_errors)
    assert report.broken_images() and report.dangling_links()
    assert report.blocked_requests == ["https://cdn.example.invalid/lib.js"]
