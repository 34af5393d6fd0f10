"""Progress bars: the runner's TQDM_DISABLE hides every bar of the library, whatever it asks for."""

from __future__ import annotations

import re

import pytest

from biasbook.store.progress import progress_bar

from conftest import ROOT


def test_the_environment_hides_a_bar_that_asks_to_be_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert not progress_bar(range(3), show=True).disable
    assert progress_bar(range(3), show=False).disable
    monkeypatch.setenv("TQDM_DISABLE", "1")  # what the runner's kernels get
    for show in (True, None, False):
        assert progress_bar(range(3), show=show).disable
    with pytest.raises(TypeError, match="show="):
        progress_bar(range(3), disable=False)


def test_library_bars_go_through_progress_bar() -> None:
    # A direct tqdm(..., disable=...) call would override TQDM_DISABLE and publish its bar.
    direct = [
        f"{path.relative_to(ROOT)}:{i}"
        for path in sorted((ROOT / "lib" / "biasbook").rglob("*.py"))
        if path.name != "progress.py"
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\btqdm\(|from tqdm|import tqdm", line)
    ]
    assert not direct, f"use biasbook.store.progress.progress_bar: {direct}"
