"""Where notices go: channel roles (any platform) and stored Teams conversation references."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class ChannelRole(Base):
    """A channel staff chose for a purpose ("use this channel for consultations")."""

    __tablename__ = "channel_role"
    __table_args__ = (UniqueConstraint("platform", "channel", "role", name="uq_channel_role_platform_channel_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(40))  # department | announcements
    assigned_by: Mapped[str] = mapped_column(String(200), default="")
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ConversationReference(Base):
    """How to reach a Teams conversation or user proactively (service URL, tenant, ids).

    `kind`: personal (a 1:1 chat), channel, groupChat, or user (a person met in a channel,
    reachable by starting a 1:1 chat)."""

    __tablename__ = "conversation_reference"

    conversation_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20), default="teams")
    kind: Mapped[str] = mapped_column(String(20), default="personal")
    user_id: Mapped[str | None] = mapped_column(String(200), index=True)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
