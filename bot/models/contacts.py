"""School contacts (the principal and the partnership lead of each school) and the nudges
they get about their partnerships' paperwork (bot/directory/nudges.py)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


REACH = {"slack": ("slack_user", re.compile(r"^[UW][A-Z0-9]{4,}$")),
         "teams": ("teams_user", re.compile(
             r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^29:[\w\-]+$", re.I))}
"""Per platform: the column that holds a contact's user id there (also the CSV column's name),
and what such an id looks like."""


class SchoolContact(Base):
    __tablename__ = "school_contact"
    __table_args__ = (UniqueConstraint("school_id", "role", name="uq_school_contact_school_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))  # principal | partnership_lead
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    slack_user: Mapped[str] = mapped_column(String(40), default="")
    teams_user: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def reach(self) -> dict[str, str]:
        """{platform: user id} where this contact can be reached."""
        return {platform: getattr(self, column) for platform, (column, _) in REACH.items() if getattr(self, column)}


class NudgeSent(Base):
    """One item of paperwork nudged to one contact at one threshold: the key makes it once only,
    whichever clock process gets there first."""

    __tablename__ = "nudge_sent"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NudgeHold(Base):
    """A contact snoozed an item, or said its renewal is in progress: no nudges for it until `until`."""

    __tablename__ = "nudge_hold"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True)
    what: Mapped[str] = mapped_column(String(30), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # snoozed | renewing
    until: Mapped[dt.datetime]
    by_user: Mapped[str] = mapped_column(String(200), default="")
