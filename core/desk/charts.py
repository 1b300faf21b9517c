"""Charts as PNG photos, rendered in the admin worker (matplotlib, Agg: no display).

Sized and lettered for a phone: a title, axes with units, dates on the x
axis; the numbers themselves go in the photo's caption (core.desk.analytics).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot: workers have no display

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from core.desk.analytics import Series

#: Inches at DPI: 1200 × 750 px, readable on a phone held upright and sideways.
SIZE = (8.0, 5.0)
DPI = 150


def render(s: Series) -> bytes:
    """The series as a PNG. A Figure of its own (not pyplot's global state), so
    charts rendered side by side never draw into each other."""
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    if s.bars:
        labels = [label for label, _ in s.bars][::-1]
        ax.barh(labels, [v for _, v in s.bars][::-1], color="#2a7ae2")
        ax.set_xlabel(s.unit)
    else:
        days = mdates.date2num(s.period.dates())  # type: ignore[no-untyped-call]
        for label, values in s.lines.items():
            ax.plot(days, values, marker="o" if len(days) <= 31 else None, markersize=3, linewidth=2,
                    label=label)
        ax.set_ylabel(s.unit)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))  # type: ignore[no-untyped-call]
        ax.set_xlabel("day (UTC)")
        ax.set_ylim(bottom=0)
        if len(s.lines) > 1:
            ax.legend(loc="upper left", fontsize=9)
        if not s.lines:
            ax.text(0.5, 0.5, "nothing in this period", transform=ax.transAxes, ha="center", va="center")
    ax.set_title(f"{s.title}\n{s.period.label}", fontsize=13)
    ax.grid(True, alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
