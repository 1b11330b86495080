"""Conversation memory, the question log and event de-duplication.

All three live in the database so that any web process can continue a
conversation, and the department can see what the bot could not answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class ConversationState(Base):
    """Multi-turn flow state keyed by platform + channel/session + user."""

    __tablename__ = "conversation_state"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class QuestionLog(Base):
    """One row per turn: what was asked, where, and how sure the bot was."""

    __tablename__ = "question_log"
    __table_args__ = (Index("ix_question_log_asked_at", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    platform: Mapped[str] = mapped_column(String(20))
    user: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(40))
    best_guess: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float)
    answered: Mapped[bool] = mapped_column(default=True)


class ProcessedEvent(Base):
    """Platform event ids already handled (Slack retries, Teams replays)."""

    __tablename__ = "processed_event"

    event_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class TaughtExample(Base):
    """A phrasing the department filed under an intent (`partnerbot teach`, or Teach on the report)."""

    __tablename__ = "taught_example"
    __table_args__ = (UniqueConstraint("text", "intent", name="uq_taught_example_text_intent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(2000))
    intent: Mapped[str] = mapped_column(String(40))
    taught_by: Mapped[str] = mapped_column(String(200), default="")
    taught_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
