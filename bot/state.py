"""Conversation memory for multi-turn flows, stored in the database.

Keyed by platform + channel/session + user so that any web process can
continue a conversation that another one started.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.core import Button
from bot.models import ConversationState as StateRow


class ConversationState:
    """A mutable view over one `conversation_state` row, saved by the dispatcher."""

    def __init__(self, key: str, flow: str | None = None, data: dict[str, Any] | None = None) -> None:
        self.key = key
        self.flow = flow
        self.data: dict[str, Any] = dict(data or {})
        self._dirty = False

    @classmethod
    def load(cls, session: Session, key: str) -> "ConversationState":
        row = session.get(StateRow, key)
        return cls(key) if row is None else cls(key, row.flow, row.data)

    def start(self, flow: str, **data: Any) -> None:
        """Begin (or restart) a flow; earlier flow data is dropped."""
        offered = self.data.get("offered")
        self.flow, self.data = flow, dict(data)
        if offered is not None:
            self.data["offered"] = offered
        self._dirty = True

    def update(self, **data: Any) -> None:
        self.data.update(data)
        self._dirty = True

    def clear(self) -> None:
        self.flow = None
        self.data = {}
        self._dirty = True

    def offer(self, buttons: tuple[Button, ...]) -> None:
        """Remember the buttons just shown, so typing a label (or its number) presses it."""
        offered = [b.to_dict() for b in buttons]
        if offered != self.data.get("offered"):
            self.data["offered"] = offered
            self._dirty = True

    @property
    def offered(self) -> list[Button]:
        return [Button(b["label"], b["action"], b.get("value", "")) for b in self.data.get("offered", [])]

    def save(self, session: Session) -> None:
        if not self._dirty:
            return
        row = session.get(StateRow, self.key)
        if row is None:
            session.add(StateRow(key=self.key, flow=self.flow, data=self.data))
        else:
            row.flow = self.flow
            row.data = dict(self.data)
        self._dirty = False
