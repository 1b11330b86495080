"""Conversation memory, stored in the database so any process can continue a conversation.

Keyed by platform + channel/session + user. It holds three things:
- the form being filled (`form`, `form_data`): one at a time, owned by bot.dialogue;
- the context of the last lookup (`context`): the filters a follow-up refines;
- the buttons just offered (`offered`): typing a label (or its number) presses it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from bot.core import Button
from bot.db import upsert
from bot.models import ConversationState as StateRow

CONTEXT_MINUTES = 30
"""A follow-up refines the last lookup only if it came within this many minutes."""


class ConversationState:
    """A mutable view over one `conversation_state` row, saved by the dispatcher."""

    def __init__(self, key: str, form: str | None = None, data: dict[str, Any] | None = None) -> None:
        self.key = key
        self.form = form
        self.data: dict[str, Any] = dict(data or {})
        self._dirty = False

    @classmethod
    def load(cls, session: Session, key: str) -> "ConversationState":
        row = session.get(StateRow, key)
        return cls(key) if row is None else cls(key, row.flow, row.data)

    # -- the form being filled ------------------------------------------------------------
    @property
    def form_data(self) -> dict[str, Any]:
        return dict(self.data.get("form") or {})

    @property
    def generation(self) -> int:
        """Changes whenever a form starts, so the dispatcher can tell a restart from a resume."""
        return int(self.data.get("generation", 0))

    def begin_form(self, name: str, data: dict[str, Any], *, new: bool = True) -> None:
        self.form = name
        self.data["form"] = data
        if new:
            self.data["generation"] = self.generation + 1
        self._dirty = True

    def end_form(self) -> None:
        if self.form is not None or "form" in self.data:
            self.form = None
            self.data.pop("form", None)
            self._dirty = True

    # -- the last lookup's filters ---------------------------------------------------------
    def remember(self, kind: str, filters: dict[str, Any], now: dt.datetime) -> None:
        self.data["context"] = {"kind": kind, "filters": filters, "at": now.isoformat()}
        self._dirty = True

    def context(self, now: dt.datetime) -> tuple[str, dict[str, Any]] | None:
        ctx = self.data.get("context")
        if not ctx:
            return None
        try:
            at = dt.datetime.fromisoformat(ctx["at"])
        except (KeyError, ValueError):
            return None
        if now - at > dt.timedelta(minutes=CONTEXT_MINUTES):
            return None
        return str(ctx["kind"]), dict(ctx.get("filters") or {})

    def forget(self) -> None:
        """Start afresh: no form, no context (the user said "start over" or "clear")."""
        self.form = None
        for key in ("form", "context"):
            self.data.pop(key, None)
        self._dirty = True

    # -- buttons --------------------------------------------------------------------------
    def offer(self, buttons: tuple[Button, ...]) -> None:
        offered = [b.to_dict() for b in buttons]
        if offered != self.data.get("offered"):
            self.data["offered"] = offered
            self._dirty = True

    @property
    def offered(self) -> list[Button]:
        return [Button(b["label"], b["action"], b.get("value", "")) for b in self.data.get("offered", [])]

    def save(self, session: Session, now: dt.datetime) -> None:
        """Insert or update in one statement: two first messages at once both succeed."""
        if not self._dirty:
            return
        upsert(session, StateRow, {"key": self.key, "flow": self.form, "data": self.data, "updated_at": now},
               ("key",), ("flow", "data", "updated_at"))
        self._dirty = False
