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

from conftest import QUICK_BUILD, ROOT

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


_BOX = re.compile(r":::\{prf:(theorem|proposition|lemma|corollary|definition)\}(.*?)\n:::\n", re.S)


def test_theorem_boxes_render_numbered_and_referenced(built_book: dict) -> None:
    total = 0
    for chapter in CHAPTERS:
        boxes = _BOX.findall((ROOT / "book" / f"{chapter}.md").read_text())
        html = (BUILD / "html" / "book" / f"{chapter}.html").read_text()
        for kind in {k for k, _ in boxes}:
            n = sum(k == kind for k, _ in boxes)
            assert html.count(f'<div class="proof {kind} admonition"') == n, (chapter, kind)
            numbered = sum(k == kind and ":nonumber:" not in body for k, body in boxes)
            shown = re.findall(rf'caption-number">{kind.title()} \d+', html)
            assert len(shown) == numbered, (chapter, kind, shown)
        total += len(boxes)
    assert total >= 8  # the papers' results and the book's propositions of every chapter
    # Cross-references from the status tables resolve to the boxes (links are checked elsewhere).
    status = (BUILD / "html" / "book" / "status.html").read_text()
    assert "prf:ref" not in status and 'href="sensitivity.html#sens-thm-6"' in status


def test_instructors_page_links_every_chapter_and_its_student_copy(built_book: dict) -> None:
    html = (BUILD / "html" / "book" / "instructors.html").read_text()
    for chapter in CHAPTERS:
        for name, version in ((chapter, "book"), (f"{chapter}-student", "student")):
            assert re.search(rf'href="\.\./_downloads/\w+/{name}\.ipynb"', html), name
            assert f"blob/main/notebooks/{version}/{chapter}.ipynb" in html, (chapter, version)


def test_overview_page_gathers_every_chapter(built_book: dict) -> None:
    html = (BUILD / "html" / "book" / "status.html").read_text()
    for chapter in CHAPTERS:
        assert "No reproduction-status record" not in html
        assert f"{chapter}.html" in html
