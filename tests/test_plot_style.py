"""biasbook.plotting.style: log axes get plain, uncrowded tick labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from biasbook.plotting.style import plain_log_ticks  # noqa: E402


def _labels(ax, which: str) -> tuple[list[str], list[str]]:
    ax.figure.canvas.draw()
    axis = getattr(ax, f"{which}axis")
    lo, hi = getattr(ax, f"get_{which}lim")()

    def shown(ticks):
        return [
            t.get_text()
            for t in ticks
            if lo <= t.get_position()[0 if which == "x" else 1] <= hi and t.get_text()
        ]

    return shown(axis.get_majorticklabels()), shown(axis.get_minorticklabels())


def test_default_ticks_are_1_2_3_5_and_minor_ticks_unlabelled() -> None:
    # The sensitivities of panel (c) of the sensitivity chapter: 1.88 and 2 used to collide.
    fig, ax = plt.subplots()
    xs = [1, 1.5, 1.88, 2, 3, 5]
    ax.scatter(xs, xs)
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis)
    major, minor = _labels(ax, "x")
    assert major == ["1", "2", "3", "5"] and minor == []
    plt.close(fig)


def test_ticks_at_the_measured_values() -> None:
    fig, ax = plt.subplots()
    ax.plot([1, 8], [1e-1, 6e-2])
    ax.set(xscale="log", yscale="log")
    plain_log_ticks(ax.xaxis, [8, 1, 8])
    major, minor = _labels(ax, "x")
    assert major == ["1", "8"] and minor == []
    # Unchanged, a log axis spanning less than a decade labels its minor ticks (what this fixes).
    assert _labels(ax, "y")[1]
    plt.close(fig)
