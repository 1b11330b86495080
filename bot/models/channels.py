"""Stored Teams conversation references, so any process can message proactively."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class ConversationReference(Base):
    __tablename__ = "conversation_reference"

    conversation_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20), default="teams")
    kind: Mapped[str] = mapped_column(String(20), default="personal")
    user_id: Mapped[str | None] = mapped_column(String(200), index=True)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    is_announcement_target: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
