"""The district's schools on a map, as SVG a reader can explore: each school a marker at its real coordinates,
its name and figures on hover and on keyboard focus, and a legend in words.

Drawn here rather than with matplotlib because a chart library's SVG has no per-marker names: a marker
is a focusable group holding a <title> and a label that CSS shows on :hover and :focus. Each category
differs in size or shape as well as colour (WCAG 1.4.1), every colour has 3:1 contrast on white (1.4.11),
and the same figures are in a table under the map for anyone who would rather read.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Protocol, Sequence

WIDTH = 320
MARGIN = 14


class Place(Protocol):
    """A school as the map needs it (bot/district_report.py's SchoolPoint)."""

    name: str
    region: str
    longitude: float
    latitude: float
    partnerships: int

    @property
    def compliance(self) -> float | None: ...


@dataclass(frozen=True)
class Category:
    label: str
    colour: str
    shape: str  # circle | square | diamond | ring
    size: float


BY_COUNT = (Category("no current partnerships", "#4a4a4a", "ring", 4),
            Category("1 or 2 partnerships", "#3f7cbf", "circle", 4.5),
            Category("3 to 5 partnerships", "#1d5a9e", "circle", 6.5),
            Category("6 or more partnerships", "#0d3b66", "circle", 8.5))
BY_COMPLIANCE = (Category("no current partnerships", "#4a4a4a", "ring", 4),
                 Category("under 50% with all paperwork", "#a4000f", "diamond", 6.5),
                 Category("50% to 79% with all paperwork", "#8a5300", "square", 5.5),
                 Category("80% or more with all paperwork", "#185c2a", "circle", 5.5))
STYLE = (".school-map .dot text{display:none;font:600 11px system-ui,sans-serif;fill:#1b1b1b;paint-order:stroke;"
         "stroke:#fff;stroke-width:3px}.school-map .dot:hover text,.school-map .dot:focus text{display:block}"
         ".school-map .dot:focus{outline:none}.school-map .dot:focus .marker{stroke:#1b1b1b;stroke-width:3px}"
         ".legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px}"
         ".legend svg{vertical-align:middle;margin-right:4px}")
"""The map's own CSS (inline in the report's page, which fetches nothing; in the desk's stylesheet's place there)."""


def category(place: Place, by: str) -> Category:
    if by == "count":
        n = place.partnerships
        return BY_COUNT[0 if n == 0 else 1 if n <= 2 else 2 if n <= 5 else 3]
    share = place.compliance
    if share is None:
        return BY_COMPLIANCE[0]
    return BY_COMPLIANCE[1 if share < 0.5 else 2 if share < 0.8 else 3]


def describe(place: Place, by: str) -> str:
    """What a marker says of its school: "Garfield (Central): 3 partnerships, 1 with all paperwork"."""
    counted = f"{place.partnerships} partnership{'' if place.partnerships == 1 else 's'}"
    if by == "count" or not place.partnerships:
        return f"{place.name} ({place.region}): {counted}"
    return f"{place.name} ({place.region}): {counted}, {round(100 * (place.compliance or 0))}% with all paperwork"


def school_map(places: Sequence[Place], by: str, title: str) -> str:
    """An <svg> of the schools, categorised `by` "count" or "compliance", followed by its legend."""
    if not places:
        return f"<p>No school has coordinates to draw a map of {html.escape(title.lower())}.</p>"
    west, east = min(p.longitude for p in places), max(p.longitude for p in places)
    south, north = min(p.latitude for p in places), max(p.latitude for p in places)
    squeeze = math.cos(math.radians((north + south) / 2))  # a degree of longitude is shorter than one of latitude
    span_x, span_y = max((east - west) * squeeze, 1e-6), max(north - south, 1e-6)
    scale = (WIDTH - 2 * MARGIN) / span_x
    height = round(span_y * scale + 2 * MARGIN)
    marks = []
    for place in sorted(places, key=lambda p: (-p.latitude, p.longitude)):  # north to south: a sensible tab order
        x = MARGIN + (place.longitude - west) * squeeze * scale
        y = MARGIN + (north - place.latitude) * scale
        said = html.escape(describe(place, by))
        anchor = "end" if x > WIDTH / 2 else "start"
        offset = -10 if anchor == "end" else 10
        marks.append(f'<g class="dot" tabindex="0" role="img" aria-label="{said}"><title>{said}</title>'
                     f"{_marker(category(place, by), x, y)}"
                     f'<text x="{x + offset:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">{html.escape(place.name)}</text></g>')
    heading = html.escape(title)
    legend = "".join(f"<li>{_swatch(c)}{html.escape(c.label)}</li>" for c in (BY_COUNT if by == "count" else BY_COMPLIANCE))
    return (f'<svg class="school-map" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'role="group" aria-label="{heading}: each school, north to south" overflow="visible" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(marks)}</svg>'
            f'<ul class="legend" aria-label="Legend: {heading}">{legend}</ul>')


def _marker(c: Category, x: float, y: float) -> str:
    r = c.size
    if c.shape == "ring":
        return f'<circle class="marker" cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="#fff" stroke="{c.colour}" stroke-width="2"/>'
    if c.shape == "square":
        return (f'<rect class="marker" x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" '
                f'fill="{c.colour}" stroke="#fff" stroke-width="1"/>')
    if c.shape == "diamond":
        return (f'<polygon class="marker" points="{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} '
                f'{x - r:.1f},{y:.1f}" fill="{c.colour}" stroke="#fff" stroke-width="1"/>')
    return f'<circle class="marker" cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{c.colour}" stroke="#fff" stroke-width="1"/>'


def _swatch(c: Category) -> str:
    box = 2 * 9 + 4
    return (f'<svg width="{box}" height="{box}" aria-hidden="true" focusable="false">'
            f"{_marker(c, box / 2, box / 2)}</svg>")
