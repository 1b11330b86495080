"""Keeping data only as long as the department's policy says (RETENTION_DAYS and its two companions).

Run daily by `clock` (and `partnerbot prune`). Rows go in small batches, each its own short transaction,
so pruning a year of a busy district never holds a long lock on PostgreSQL while chats are answered.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import ColumnElement, and_, delete, func, select, update

from bot.config import Settings
from bot.db import Database
from bot.email_updates import UNCONFIRMED_DAYS
from bot.models import (
    AuditEvent,
    ConversationReference,
    ConversationState,
    CorrectionRequest,
    EmailAddress,
    GroundedAnswer,
    InboxEvent,
    OutboxMessage,
    QuestionLog,
    Reminder,
    Ticket,
    TicketEvent,
)
from bot.models.base import Base

log = logging.getLogger("partnerbot.retention")
BATCH = 500


@dataclass(frozen=True)
class Kept:
    """One kind of row and how long it is kept: `old(before)` picks the rows past their time."""

    name: str
    model: type[Base]
    period: Callable[[Settings], int]
    old: Callable[[dt.datetime], ColumnElement[bool]]
    first: Callable[[Any, list[Any]], None] | None = None
    """What must go (or change) before a batch of these rows is deleted, in the same transaction."""


CONVERSATIONS = (
    Kept("conversation state", ConversationState, lambda s: s.retention_days,
         lambda before: ConversationState.updated_at < before),
    Kept("question log", QuestionLog, lambda s: s.retention_days, lambda before: QuestionLog.asked_at < before),
    Kept("grounded answers and their feedback", GroundedAnswer, lambda s: s.retention_days,
         lambda before: GroundedAnswer.asked_at < before),
    # an event, a notice or a reminder that old is done, or moot (a web notice nobody collected, a reminder
    # for a session long past): it goes whatever its state
    Kept("inbox events", InboxEvent, lambda s: s.retention_days, lambda before: InboxEvent.received_at < before),
    Kept("notices", OutboxMessage, lambda s: s.retention_days, lambda before: OutboxMessage.created_at < before),
    Kept("reminders", Reminder, lambda s: s.retention_days, lambda before: Reminder.created_at < before),
    Kept("Teams conversation references", ConversationReference, lambda s: s.retention_days,
         lambda before: ConversationReference.updated_at < before),
    Kept("e-mail addresses given for updates", EmailAddress, lambda s: s.retention_days,
         lambda before: EmailAddress.created_at < before),
    Kept("e-mail addresses never confirmed", EmailAddress, lambda s: UNCONFIRMED_DAYS,
         lambda before: and_(EmailAddress.confirmed_at.is_(None), EmailAddress.created_at < before)),
    Kept("audit log", AuditEvent, lambda s: s.audit_retention_days, lambda before: AuditEvent.at < before),
)


def _ticket_history(session: Any, ids: list[Any]) -> None:
    """A ticket goes with its history; a correction that led to it stays, without the link."""
    session.execute(delete(TicketEvent).where(TicketEvent.ticket_id.in_(ids)).execution_options(synchronize_session=False))
    session.execute(update(CorrectionRequest).where(CorrectionRequest.ticket_id.in_(ids)).values(ticket_id=None)
                    .execution_options(synchronize_session=False))


TICKETS = Kept("closed tickets", Ticket, lambda s: s.ticket_retention_days,
               lambda before: and_(Ticket.status.in_(("resolved", "cancelled")),
                                   func.coalesce(Ticket.resolved_at, Ticket.updated_at) < before),
               first=_ticket_history)


def _prune(database: Database, kept: Kept, before: dt.datetime) -> int:
    key = next(iter(kept.model.__table__.primary_key.columns))
    removed = 0
    while True:
        with database.session() as session:
            ids = list(session.scalars(select(key).where(kept.old(before)).order_by(key).limit(BATCH)))
            if not ids:
                return removed
            if kept.first is not None:
                kept.first(session, ids)
            session.execute(delete(kept.model).where(key.in_(ids)).execution_options(synchronize_session=False))
        removed += len(ids)


def prune(database: Database, settings: Settings, now: dt.datetime) -> dict[str, int]:
    """Delete what is past its retention period; {what: rows deleted}. A period of 0 keeps for good."""
    removed: dict[str, int] = {}
    for kept in (*CONVERSATIONS, TICKETS):
        days = kept.period(settings)
        if days:
            removed[kept.name] = _prune(database, kept, now - dt.timedelta(days=days))
    if any(removed.values()):
        log.info("retention", extra={"turn": {"removed": removed}})
    return removed
