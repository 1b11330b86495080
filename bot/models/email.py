"""E-mail addresses that web-chat requesters gave for updates on their requests (bot/email_updates.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class EmailAddress(Base):
    """One person's address for updates: used only once confirmed through the link sent to it, and shown
    to the department only when they agreed (`shared`)."""

    __tablename__ = "email_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(320))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    """The secret in the links of the e-mails to this address (confirm, stop, share with the department)."""
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
