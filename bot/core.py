"""Platform-neutral conversation types shared by every adapter and handler.

Nothing here imports a chat SDK: Slack, Teams, the web chat and the console all
translate to `Message` on the way in and from `Reply` on the way out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sqlalchemy.orm import Session

    from bot.config import Settings
    from bot.nlu import Understanding
    from bot.state import ConversationState


@dataclass(frozen=True)
class Button:
    """A choice offered to the user; pressing it sends `action` and `value` back."""

    label: str
    action: str
    value: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "action": self.action, "value": self.value}


@dataclass(frozen=True)
class Field:
    """A labelled fact shown beside the reply text (Block Kit fields, FactSet)."""

    label: str
    value: str

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "value": self.value}


@dataclass(frozen=True)
class Message:
    """One thing a user did: typed text, or pressed a button (`action`/`value`)."""

    text: str
    user: str
    platform: str = "cli"
    channel: str = "direct"
    session_key: str = ""
    action: str | None = None
    value: str | None = None
    user_name: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def conversation_key(self) -> str:
        """Where multi-turn state lives: platform + channel (or session) + user."""
        where = self.session_key or self.channel
        return f"{self.platform}:{where}:{self.user}"


@dataclass(frozen=True)
class Reply:
    """What a handler returns; adapters render it, the CLI prints it as JSON."""

    text: str
    intent: str
    confidence: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
    fields: tuple[Field, ...] = ()
    footer: str | None = None
    ephemeral: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "text": self.text,
            "buttons": [b.to_dict() for b in self.buttons],
            "data": self.data,
        }
        if self.fields:
            out["fields"] = [f.to_dict() for f in self.fields]
        if self.footer:
            out["footer"] = self.footer
        return out


@dataclass
class Turn:
    """Everything a handler may use for one turn; the dispatcher owns its lifetime."""

    settings: Settings
    session: Session
    message: Message
    now: dt.datetime
    understanding: Understanding
    state: ConversationState

    @property
    def user(self) -> str:
        return self.message.user
