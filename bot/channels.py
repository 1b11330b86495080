"""Stored conversation references (Teams), so any process can post proactively.

References are saved from authenticated incoming activities only; the
`serviceUrl` used for proactive messages never comes from user text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ConversationReference


def remember(session: Session, conversation_id: str, kind: str, user_id: str | None, reference: dict[str, Any]) -> None:
    row = session.get(ConversationReference, conversation_id)
    if row is None:
        session.add(ConversationReference(conversation_id=conversation_id, kind=kind, user_id=user_id,
                                          reference=reference, active=True))
        return
    row.reference, row.active = reference, True
    if row.kind not in ("department",):
        row.kind = kind
    row.user_id = row.user_id or user_id


def find_for_target(session: Session, target: str) -> ConversationReference | None:
    """A target is a conversation id (channel, chat) or a user id (their personal chat)."""
    row = session.get(ConversationReference, target)
    if row is not None:
        return row
    return session.scalars(select(ConversationReference).where(
        ConversationReference.user_id == target, ConversationReference.kind == "personal")
        .order_by(ConversationReference.updated_at.desc())).first()


def mark(session: Session, conversation_id: str, *, department: bool | None = None,
         announcements: bool | None = None) -> bool:
    row = session.get(ConversationReference, conversation_id)
    if row is None:
        return False
    if department:
        for other in session.scalars(select(ConversationReference).where(ConversationReference.kind == "department")):
            other.kind = "channel"
        row.kind = "department"
    if announcements is not None:
        row.is_announcement_target = announcements
    return True


def deactivate(session: Session, conversation_id: str) -> None:
    row = session.get(ConversationReference, conversation_id)
    if row is not None:
        row.active = False
