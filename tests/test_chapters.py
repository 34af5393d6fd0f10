"""Every chapter, executed in quick mode through the runner, and the HTML book built from them.

This is the book's end-to-end test: one quick-mode build (``python -m biasbook build --quick``)
into ``_build/test``, then checks on what a reader gets: a page per chapter, with its figures
embedded, its reproduction-status table, and the overview page gathering all tables.
"""

from __future__ import annotations

import json
import re

import pytest

from biasbook.book.chapters import chapters

from conftest import QUICK_BUILD

pytestmark = pytest.mark.chapters

BUILD = QUICK_BUILD
CHAPTERS = list(chapters())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_executes_in_quick_mode(built_book: dict, chapter: str) -> None:
    entry = built_book["chapters"][chapter]
    assert entry["status"] in ("ok", "cached"), entry["error"]
    assert entry["params"].get("quick") is True
    assert (BUILD / "executed" / f"{chapter}.ipynb").exists()
    status = json.loads((BUILD / "status" / f"{chapter}.json").read_text())
    claims = status["claims"]
    assert claims and not any(c["verdict"] == "FAILED" for c in claims)
    for c in claims:  # every tested row ran its test on at least one negative control
        assert c["verdict"] == "not tested" or any(k["negative"] for k in c["controls"]), c["claim"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_has_embedded_figures_and_status_table(built_book: dict, chapter: str) -> None:
    page = BUILD / "html" / "book" / f"{chapter}.html"
    assert page.exists()
    html = page.read_text()
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert images, f"{chapter}: no figure on the page"
    for src in images:
        assert not src.startswith("http"), src
        assert (page.parent / src).resolve().exists(), f"{chapter}: missing image {src}"
    assert "Reproduction status" in html


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_published_page_has_no_stderr_blocks(built_book: dict, chapter: str) -> None:
    """Progress bars (and warnings) belong to a terminal or a live notebook, not to the page."""
    html = (BUILD / "html" / "book" / f"{chapter}.html").read_text()
    blocks = re.findall(r'<div class="output stderr.*?</pre>', html, flags=re.S)
    shown = [re.sub(r"<[^>]+>", "", b).strip()[-120:] for b in blocks[:3]]
    assert not blocks, f"{chapter}: {len(blocks)} stderr blocks, e.g. {shown}"


def test_overview_page_gathers_every_chapter(built_book: dict) -> None:
    html = (BUILD / "html" / "book" / "status.html").read_text()
    for chapter in CHAPTERS:
        assert "No reproduction-status record" not in html
        assert f"{chapter}.html" in html
