"""Charts drawn with matplotlib: a chat answer's `Chart`, and the district report's figures.

SVG for the browser (text stays text, small and sharp), PNG for Slack and Teams
(the only image formats both accept). matplotlib is imported on first use, so a
process that never draws never pays for it; the object API (no pyplot state) is
safe in a server's worker threads.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Any, Callable

from bot.core import Chart

BLUE = "#005a9c"
CHAT_SIZE = (6.4, 3.4)
CHAT_DPI = 100
"""A chat image 640 × 340 px: readable in a message pane, a few tens of KB as PNG."""

Draw = Callable[[Any], None]  # draws on a matplotlib Axes


def figure(draw: Draw, size: tuple[float, float], fmt: str, dpi: int = CHAT_DPI) -> bytes:
    """One figure, drawn by `draw` on its axes, saved as `fmt` ("svg" or "png")."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text
    matplotlib.rcParams["svg.hashsalt"] = "partnerbot"  # the same chart, the same bytes
    from matplotlib.figure import Figure

    drawn = Figure(figsize=size, layout="constrained")
    draw(drawn.add_subplot())
    out = io.BytesIO()
    drawn.savefig(out, format=fmt, dpi=dpi, metadata={"Software": None} if fmt == "png" else {"Date": None})
    return out.getvalue()


def inline_svg(draw: Draw, size: tuple[float, float] = (7, 3.6)) -> str:
    """A figure as an `<svg>` element to write into an HTML page."""
    svg = figure(draw, size, "svg").decode("utf-8")
    return svg[svg.index("<svg"):]


def bars(values: dict[str, float], title: str, horizontal: bool = False, percent: bool = False) -> Draw:
    """Bars of `values` (with `percent`, values are percentages: the axis runs 0-100)."""
    def draw(ax: Any) -> None:
        labels, heights = list(values), list(values.values())
        (ax.barh if horizontal else ax.bar)(labels, heights, color=BLUE)
        ax.set_title(title)
        if horizontal:
            ax.invert_yaxis()
        elif max((len(label) for label in labels), default=0) > 10 or len(labels) > 6:
            ax.tick_params(axis="x", labelrotation=30)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
        if percent:
            (ax.set_xlabel if horizontal else ax.set_ylabel)("%")
            (ax.set_xlim if horizontal else ax.set_ylim)(0, 100)
        else:
            whole_numbers(ax.xaxis if horizontal else ax.yaxis)  # counts: no 0.25 steps
    return draw


def whole_numbers(axis: Any) -> None:
    """Ticks on whole numbers only: an axis of counts never reads 0.25."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _chart_bars(chart: Chart) -> Draw:
    return bars(dict(zip(chart.labels, chart.values)), chart.title, chart.horizontal, chart.percent)


def _size(chart: Chart) -> tuple[float, float]:
    if chart.horizontal:  # one bar per line of text: taller with more bars
        return (CHAT_SIZE[0], max(CHAT_SIZE[1], 0.9 + 0.28 * len(chart.labels)))
    return CHAT_SIZE


@lru_cache(maxsize=64)
def png(chart: Chart) -> bytes:
    """The chart as a PNG (Slack upload, Teams card)."""
    return figure(_chart_bars(chart), _size(chart), "png")


@lru_cache(maxsize=64)
def svg(chart: Chart) -> bytes:
    """The chart as SVG (web chat)."""
    return figure(_chart_bars(chart), _size(chart), "svg")


def data_uri(chart: Chart, fmt: str) -> str:
    """The chart as a `data:` URI: an image inside the answer itself, with nothing to fetch."""
    drawn, media = (svg(chart), "image/svg+xml") if fmt == "svg" else (png(chart), "image/png")
    return f"data:{media};base64,{base64.b64encode(drawn).decode('ascii')}"
