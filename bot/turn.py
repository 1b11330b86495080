"""One turn of a conversation: everything a handler may use, owned by the dispatcher."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core import Message
from bot.directory.lookups import SessionLookups
from bot.notify import Outbox
from bot.state import ConversationState
from bot.understanding import Understanding

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bot.faq_entries import Topic
    from bot.retrieval.answers import Grounded


def no_grounded_answers(question: str, **options: object) -> "Grounded | None":
    return None


def shipped_faq() -> "dict[str, Topic]":
    from bot.faq_entries import shipped

    return shipped()


@dataclass
class Turn:
    """Everything a handler may use for one turn; the dispatcher owns its lifetime.

    `lookups` finds schools and organisations through this turn's database session;
    `understand` reads another text the way the bot reads messages (a menu button's text);
    `similarity` scores how much a text resembles each of several others (FAQ entries);
    `outbox` queues notices for audiences in this turn's transaction;
    `grounded(question, generate=True, unless="")` finds an answer in the department's
    knowledge (bot/retrieval.answers), recorded in this turn's transaction."""

    settings: Settings
    session: Session
    message: Message
    now: dt.datetime
    understanding: Understanding
    state: ConversationState
    lookups: SessionLookups
    understand: Callable[[str], Understanding]
    similarity: Callable[[str, Sequence[str]], list[float]]
    outbox: Outbox
    grounded: "Callable[..., Grounded | None]" = no_grounded_answers
    faq: "Callable[[], dict[str, Topic]]" = shipped_faq
    """The FAQ's topics as the department keeps them (bot/faq_entries.py), read through this turn's session."""
    waiting_for_text: bool = False
    """An open form waits for free text (a description, what changed): commands that would read the text as
    something else give way to it."""
    command: bool = False
    """A deterministic command (a staff ticket command) took the message: it was understood, whatever it answered."""

    @property
    def user(self) -> str:
        return self.message.user
