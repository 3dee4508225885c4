"""The /progress chart: weekly volume as bars, the main lifts' top sets as lines, as a PNG.

matplotlib is imported inside ``progress_chart``, not at the top: the bot imports this
module at start-up, and a bot that nobody asked for a chart should not carry matplotlib and
numpy (tens of MB) in its idle memory. The figure is built with the object-oriented API
(``Figure`` and the Agg canvas, no ``pyplot``), so no global figure state is kept between
calls and no GUI backend is ever chosen. Calls are serialised by a lock: the bot renders in
worker threads (``asyncio.to_thread``) and matplotlib's shared caches are not meant for
concurrent use; one render takes a fraction of a second.

Pure in the sense of ``core``: it returns bytes and writes nothing.
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING

from core.domain import Units
from core.progress import Progress, in_units

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CHART_DPI", "CHART_SIZE_IN", "progress_chart"]

CHART_SIZE_IN = (8.0, 6.0)
"""Inches; at ``CHART_DPI`` the PNG is 960 x 720, sharp on a phone and well under 10 MB."""
CHART_DPI = 120

_LOCK = threading.Lock()
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_BAR, _BAR_NOW = "#4c72b0", "#9db4d8"  # this week's bar is lighter: the week is not over
_LINES = ("#dd8452", "#55a868", "#c44e52")


def _label(text: str) -> str:
    """A user-supplied name as literal chart text: "$" would start mathtext, and a label
    with a leading "_" would be left out of the legend."""
    return text.replace("$", r"\$").lstrip("_") or "?"


def _thousands(value: float, _position: object = None) -> str:
    return f"{value:,.0f}"


def _volume_axes(ax: Axes, progress: Progress, units: Units) -> None:
    from matplotlib.ticker import MaxNLocator

    x = range(len(progress.weeks))
    volumes = [in_units(w.volume_kg, units) for w in progress.weeks]
    colours = [_BAR] * (len(volumes) - 1) + [_BAR_NOW]
    if any(volumes):
        ax.bar(x, volumes, color=colours)
        ax.set_ylabel(f"volume, reps × {units.value}")
        ax.set_title("Weekly volume", loc="left", fontsize=11)
        ax.yaxis.set_major_formatter(_thousands)
    else:  # bodyweight only: sessions are the honest measure
        ax.bar(x, [w.sessions for w in progress.weeks], color=colours)
        ax.set_ylabel("sessions")
        ax.set_title("Sessions per week", loc="left", fontsize=11)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)


def _lifts_axes(ax: Axes, progress: Progress, units: Units) -> None:
    for colour, lift in zip(_LINES, progress.lifts, strict=False):
        points = [(n, in_units(kg, units)) for n, kg in enumerate(lift.top_kg) if kg is not None]
        xs, ys = zip(*points, strict=True) if points else ((), ())
        ax.plot(xs, ys, marker="o", color=colour, linewidth=2, label=_label(lift.exercise))
    ax.set_ylabel(units.value)
    ax.set_title("Top set per week", loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=9, frameon=False)


def progress_chart(progress: Progress, units: Units) -> bytes:
    """The chart as PNG bytes, weights in ``units``; one panel when there is no main lift."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [f"{w.start.day} {_MONTHS[w.start.month - 1]}" for w in progress.weeks]
    panels = 2 if progress.lifts else 1
    with _LOCK:
        figure = Figure(figsize=CHART_SIZE_IN, dpi=CHART_DPI, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
        _volume_axes(axes[0], progress, units)
        if progress.lifts:
            _lifts_axes(axes[1], progress, units)
        bottom = axes[-1]
        bottom.set_xticks(range(len(labels)), labels, fontsize=8, rotation=45, ha="right")
        bottom.set_xlabel("week starting (UTC)")
        bottom.set_xlim(-0.6, len(labels) - 0.4)
        for ax in axes:
            ax.spines[["top", "right"]].set_visible(False)
        weeks = len(progress.weeks)
        figure.suptitle(f"FlexFlow · your last {weeks} weeks", fontsize=13)
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return out.getvalue()
