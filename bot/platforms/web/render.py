"""A `Reply` for the browser: the JSON contract (text, buttons, fields, table, form, footer)."""

from __future__ import annotations

from typing import Any

from bot.core import Reply
from bot.notify import Post


def render(reply: Reply) -> dict[str, Any]:
    return reply.to_dict()


def render_notice(post: Post) -> dict[str, Any]:
    return {"text": post.text, "kind": post.kind, "buttons": [b.to_dict() for b in post.buttons]}
