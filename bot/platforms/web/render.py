"""A `Reply` for the browser: the JSON contract (text, buttons, fields, table, chart, form, footer)."""

from __future__ import annotations

from typing import Any

from bot import charts
from bot.core import Reply
from bot.notify import Post


def render(reply: Reply) -> dict[str, Any]:
    """The reply as JSON; a chart comes drawn, as an SVG `data:` URI the page shows as an image
    (an <img> runs no script, whatever the SVG holds)."""
    out = reply.to_dict()
    if reply.chart is not None:
        out["chart"]["image"] = charts.data_uri(reply.chart, "svg")
    return out


def render_notice(post: Post) -> dict[str, Any]:
    return {"text": post.text, "kind": post.kind, "buttons": [b.to_dict() for b in post.buttons]}
