"""The book's figure style: one place so every chapter's figures look alike."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib as mpl
from matplotlib.axis import Axis
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

#: Colour-blind-safe palette (Okabe & Ito 2008), used in this order by every chapter.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


def use_book_style() -> None:
    """Set matplotlib defaults for the book: readable fonts, light grid, the book palette."""
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
            "lines.linewidth": 1.8,
            "errorbar.capsize": 3,
        }
    )


def plain_log_ticks(axis: Axis, values: Iterable[float] | None = None) -> None:
    """Readable ticks on a logarithmic axis: plain numbers, and no labels on minor ticks.

    Matplotlib labels the minor ticks of a log axis that spans less than about a decade
    (``2×10⁰ 3×10⁰ …``), and labels placed at every data value collide where values are close.

    Parameters
    ----------
    axis
        ``ax.xaxis`` or ``ax.yaxis`` of a log-scaled axes.
    values
        Where the major ticks go (e.g. the heads or radii that were measured); by default
        1, 2, 3 and 5 times each power of ten, which never crowd.
    """
    if values is None:
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
    else:
        axis.set_major_locator(FixedLocator(sorted({float(v) for v in values})))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())
