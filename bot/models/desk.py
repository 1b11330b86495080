"""The department's web desk: who may sign in, pending sign-ins, signed-in sessions, and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow

ROLES = ("staff", "admin")


class StaffPerson(Base):
    """One member of the department, keyed by the e-mail their identity provider signs; their Slack and
    Teams ids are `StaffMember` rows pointing here, so one person is one staff member everywhere."""

    __tablename__ = "staff_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Lower-cased, as compared with the ID token's `email` claim."""
    subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    """The issuer's `sub`, remembered at first sign-in: an e-mail address can be given to someone else."""
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(10), default="staff")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeskLogin(Base):
    """A sign-in under way: kept in the database so any `web` process can finish it."""

    __tablename__ = "desk_login"

    state: Mapped[str] = mapped_column(String(100), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(200))
    next_path: Mapped[str] = mapped_column(String(300), default="/desk")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeskSession(Base):
    """A signed-in browser. Only the digest of the cookie's token is stored."""

    __tablename__ = "desk_session"
    __table_args__ = (Index("ix_desk_session_expires", "expires_at"),)

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("staff_person.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class AuditEvent(Base):
    """Who did what to what, and when, from the desk, a chat or the terminal; edits keep before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(400))
    """platform:id (name)"""
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
