"""biasbook.plotting.boolean draws the weights it is given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from biasbook.maths import boolean as B  # noqa: E402
from biasbook.plotting.boolean import plot_weight_by_degree  # noqa: E402


def test_bars_are_the_weights():
    fig, ax = plt.subplots()
    plot_weight_by_degree(ax, [B.parity(4), B.first(4)])
    heights = np.array([p.get_height() for p in ax.patches]).reshape(2, 5)
    np.testing.assert_allclose(heights[0], [0, 0, 0, 0, 1], atol=1e-12)  # PARITY: all at the top
    np.testing.assert_allclose(heights[1], [0, 1, 0, 0, 0], atol=1e-12)  # FIRST: one character
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["parity: as = 4.00", "first: as = 1.00"]
    plt.close(fig)


def test_bad_input():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="same number of bits"):
        plot_weight_by_degree(ax, [B.parity(3), B.parity(4)])
    with pytest.raises(ValueError, match="at least one"):
        plot_weight_by_degree(ax, [])
    plt.close(fig)
