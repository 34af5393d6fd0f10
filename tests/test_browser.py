"""The built HTML book as a reader gets it: every page loads in a real browser, its images render,
and no internal link is broken.

Uses Debian's ``chromium`` and ``chromium-driver`` through selenium. Without them the browser test
is skipped, except in CI (``CI=true``), where ``.ci/run`` installs them and a skip would hide a
failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import QUICK_BUILD

pytestmark = pytest.mark.chapters

HTML = QUICK_BUILD / "html"
UPSTREAM_NOISE = ("THEBE_JS_URL", "Got invalid theme mode", "favicon.ico")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


@functools.cache
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _pages() -> list[Path]:
    return sorted((HTML / "book").glob("*.html"))


def test_no_broken_internal_links(built_book: dict) -> None:
    broken = []
    for page in _pages():
        for href in _parse(page).hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.name}: {href} (no file)")
            elif parts.fragment and target.suffix == ".html":
                if parts.fragment not in _parse(target).ids:
                    broken.append(f"{page.name}: {href} (no anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def _browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are required in CI (.ci/run installs them)")
        pytest.skip("no chromium/chromedriver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.fixture(scope="module")
def served_book(built_book: dict):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *args, **kwargs: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_every_page_loads_and_its_images_render(served_book: str) -> None:
    browser = _browser()
    problems = []
    try:
        for page in _pages():
            url = f"{served_book}/book/{page.name}"
            browser.get(url)
            title = browser.title
            if not title or "404" in title:
                problems.append(f"{page.name}: did not load ({title!r})")
            bad_images = browser.execute_script(
                "return Array.from(document.images)"
                ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);"
            )
            problems += [f"{page.name}: image did not render: {src}" for src in bad_images]
            for entry in browser.get_log("browser"):
                # Only errors from the book itself count; the sandbox has no internet for CDNs.
                # Known noise of the pinned theme stack (not of the book's content): the theme
                # declares THEBE_JS_URL twice, logs its default colour mode, and asks for a
                # favicon the book does not ship.
                message = entry.get("message", "")
                if any(k in message for k in UPSTREAM_NOISE):
                    continue
                if served_book in message:
                    problems.append(f"{page.name}: console error: {entry['message']}")
    finally:
        browser.quit()
    assert not problems, "\n".join(problems)
