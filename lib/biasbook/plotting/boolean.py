"""Figures of Boolean-function spectra, shared by the chapters that compare Boolean tasks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from biasbook.maths import boolean
from biasbook.plotting.style import PALETTE


def plot_weight_by_degree(
    ax: Axes,
    functions: Sequence[boolean.BooleanFunction],
    colors: Mapping[str, str] | None = None,
) -> None:
    """Grouped bars of the Fourier weight by degree ``W^d`` of each function.

    Each legend entry gives the function's average sensitivity, which is the mean degree
    ``Σ_d d W^d`` of the bars.

    Parameters
    ----------
    ax
        The axes to draw on.
    functions
        Functions of the same number of bits ``n`` (at most :data:`boolean.MAX_ENUMERATE_N`).
    colors
        Optional colour per function label; the book palette otherwise.
    """
    if not functions:
        raise ValueError("plot_weight_by_degree needs at least one function")
    n = functions[0].n
    if any(f.n != n for f in functions):
        raise ValueError("all functions must have the same number of bits")
    width = 0.8 / len(functions)
    offsets = (np.arange(len(functions)) - (len(functions) - 1) / 2) * width
    for j, f in enumerate(functions):
        w = boolean.fourier_weight_by_degree(f)
        color = (colors or {}).get(f.label, PALETTE[j % len(PALETTE)])
        ax.bar(
            np.arange(n + 1) + offsets[j],
            w,
            width,
            color=color,
            label=f"{f.label}: as = {boolean.average_sensitivity(f):.2f}",
        )
    ax.set(
        xlabel="degree $d = |S|$",
        ylabel="Fourier weight $W^d$",
        xticks=range(n + 1),
        title=f"Fourier weight by degree ($n = {n}$)",
    )
    ax.legend()
