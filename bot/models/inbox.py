"""The durable inbox: platform events acknowledged but not yet answered.

A Slack event is written here before Slack gets its acknowledgement, keyed by
the platform's event id (so a retry is the same row). Any process claims due
rows with a lease, answers, and settles the row in the same transaction that
queues the answer in the outbox: a crash or a database blip leaves the row to
be claimed again, never lost and never answered twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class InboxEvent(Base):
    __tablename__ = "inbox_event"
    __table_args__ = (Index("ix_inbox_event_due", "done_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(300), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))  # answered | ignored | gave_up
