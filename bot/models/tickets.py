"""Consultation tickets, their append-only history, staff roles and the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, utcnow

TICKET_NUMBER_OFFSET = 1000


FORGOTTEN = "forgotten"
"""A forgotten person's id where the record is kept (`partnerbot person forget`)."""


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (Index("ix_ticket_status", "status"), Index("ix_ticket_requester", "requester_platform", "requester_id"),
                      Index("ix_ticket_requester_origin", "requester_origin", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_platform: Mapped[str] = mapped_column(String(20))
    requester_id: Mapped[str] = mapped_column(String(200))
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    requester_channel: Mapped[str] = mapped_column(String(300), default="")
    requester_origin: Mapped[str | None] = mapped_column(String(64))
    """Web chat: a digest of the client's network address (per-address limits); None elsewhere."""
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    topic: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    assignee_platform: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[str | None] = mapped_column(String(200))
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sla_reminders_sent: Mapped[int] = mapped_column(Integer, default=0)

    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )

    @property
    def number(self) -> str:
        return f"C-{self.id + TICKET_NUMBER_OFFSET}"


class TicketEvent(Base):
    """Append-only history: created, claimed, reassigned, note, resolved, reopened, cancelled."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_platform: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class StaffMember(Base):
    """Department staff added with `partnerbot staff add` (besides DEPARTMENT_STAFF)."""

    __tablename__ = "staff_member"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_staff_member_platform_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("staff_person.id", ondelete="SET NULL"))
    """The department member this id belongs to (bot.models.desk.StaffPerson), when linked."""


class OutboxMessage(Base):
    """A notification to deliver; drained by web/clock, retried until it is sent.

    `dedupe_key` is unique so the same notice is never queued (or posted) twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]
    gave_up: Mapped[bool] = mapped_column(default=False)
    external_ref: Mapped[str | None] = mapped_column(String(300))
    repeats: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Times sent again after an attempt whose outcome was unknown, where no look-up was possible:
    each may have made an extra copy."""
