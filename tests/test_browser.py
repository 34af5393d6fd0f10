"""The built HTML book as a reader gets it: every page loads in a real browser with the network
blocked (a student on a train), its images render, every formula is typeset by the book's own
MathJax, the console stays clean, and no internal link is broken.

Uses Debian's ``chromium`` and ``chromium-driver`` (or Chrome and its driver, as on GitHub's
runners) through selenium. Without them the browser test is skipped, except in CI (``CI=true``),
where ``.ci/run`` installs them and a skip would hide a failure.
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

from biasbook.book.chapters import chapters

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
    # Debian's chromium (.ci/run installs it), or the Chrome of GitHub's runner images, whose
    # chromedriver lies in $CHROMEWEBDRIVER.
    chromium = shutil.which("chromium") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver") or shutil.which(
        "chromedriver", path=os.environ.get("CHROMEWEBDRIVER", "")
    )
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
        # No network but the local server: every host name fails to resolve, so a page that
        # needs a CDN (MathJax, fonts, scripts) shows it here as untypeset math or a console error.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
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


#: Waits until MathJax (loaded from the book's ``_static``) has typeset the page; its verdict.
_MATHJAX_DONE = """
const done = arguments[arguments.length - 1];
const start = Date.now();
(function wait() {
  const mj = window.MathJax;  // before MathJax loads, only Sphinx's configuration object
  if (mj && mj.version && mj.startup && mj.startup.promise) {
    mj.startup.promise.then(() => done("ok"), (e) => done("MathJax failed: " + e));
  } else if (!document.querySelector(".math")) {
    done("ok");  // a page without formulas need not load MathJax
  } else if (Date.now() - start > 20000) {
    done("MathJax did not load within 20 s");
  } else {
    setTimeout(wait, 50);
  }
})();
"""

#: Formulas on the page: how many, those left untypeset, and raw TeX delimiters in the text.
_MATH_LEFT = r"""
const maths = Array.from(document.querySelectorAll(".math"));
const untypeset = maths.filter((m) => !m.querySelector("mjx-container"))
  .map((m) => m.textContent.trim().slice(0, 60));
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const raw = [];
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (node.parentElement.closest("pre, code, script, style, mjx-container")) continue;
  const text = node.textContent;
  if (/\\[(\[]/.test(text)) raw.push(text.trim().slice(0, 60));
}
return [maths.length, document.querySelectorAll("mjx-container").length, untypeset, raw];
"""


def _math_problems(browser, page: str) -> tuple[int, list[str]]:
    """The page's typeset formulas and what is wrong with its math (empty when nothing is)."""
    verdict = browser.execute_async_script(_MATHJAX_DONE)
    if verdict != "ok":
        return 0, [f"{page}: {verdict}"]
    n_math, n_typeset, untypeset, raw = browser.execute_script(_MATH_LEFT)
    problems = [f"{page}: formula not typeset: {t!r}" for t in untypeset]
    problems += [f"{page}: raw TeX in the text: {t!r}" for t in raw]
    if n_math and not n_typeset:
        problems.append(f"{page}: {n_math} formulas and no MathJax output")
    return n_typeset, problems


def test_every_page_loads_offline_with_images_and_typeset_math(served_book: str) -> None:
    browser = _browser()
    browser.set_script_timeout(30)
    problems, typeset = [], {}
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
            typeset[page.name], math_problems = _math_problems(browser, page.name)
            problems += math_problems
            for entry in browser.get_log("browser"):
                # Every error counts, a failed request to another host included: the network is
                # blocked, so such a request is something the page needs and an offline reader
                # lacks. Known noise of the pinned theme stack (not of the book's content): the
                # theme declares THEBE_JS_URL twice, logs its default colour mode, and asks for a
                # favicon the book does not ship.
                message = entry.get("message", "")
                if not any(k in message for k in UPSTREAM_NOISE):
                    problems.append(f"{page.name}: console error: {message}")
    finally:
        browser.quit()
    # Not vacuous: every chapter is full of formulas, so each must show MathJax's output.
    problems += [
        f"{name}: no typeset formula at all"
        for name in (f"{c}.html" for c in chapters())
        if not typeset.get(name)
    ]
    assert not problems, "\n".join(problems)
