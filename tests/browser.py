"""Pages as a person sees them: Debian's chromium, headless, driven by playwright, network off.

``OfflineBrowser.open`` loads a local HTML file with every non-``file:`` request blocked and
collects what a reader would notice: console errors, failed requests, images that did not load
and links that point at nothing. Charts are checked by the caller (drawn marks or images).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError("Debian's chromium is not installed: `make test` (or `apt-get install chromium`) installs it")


@dataclass
class PageReport:
    """What went wrong on one page, as lists a test can assert empty."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)

    def broken_images(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")

    def local_links(self) -> list[str]:
        return self.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")

    def dangling_links(self) -> list[str]:
        """file: links whose target file does not exist (anchors and query strings ignored)."""
        missing = []
        for href in self.local_links():
            url = urlparse(href)
            if url.scheme == "file" and not Path(unquote(url.path)).exists():
                missing.append(href)
        return missing

    def assert_clean(self) -> None:
        problems = {
            "console errors": self.console_errors, "failed requests": self.failed_requests,
            "network requests (must be offline)": self.blocked_requests,
            "images not loaded": self.broken_images(), "links to missing files": self.dangling_links(),
        }
        problems = {k: v for k, v in problems.items() if v}
        assert not problems, f"{self.page.url}: {problems}"


class OfflineBrowser:
    def __init__(self, playwright):
        self._browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        self._context = self._browser.new_context(offline=True, viewport={"width": 1400, "height": 1000})

    def open(self, path: str | Path, settle_ms: int = 300) -> PageReport:
        page = self._context.new_page()
        report = PageReport(page)
        page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: report.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: report.failed_requests.append(r.url))

        def route(r):
            if r.request.url.startswith(("file:", "data:", "blob:")):
                r.continue_()
            else:
                report.blocked_requests.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        page.wait_for_timeout(settle_ms)
        return report

    def close(self) -> None:
        self._context.close()
        self._browser.close()
