"""The professional-development calendar, reminders and posts already made."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, utcnow


class TrainingSession(Base):
    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(300), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    audience: Mapped[str] = mapped_column(String(300), default="")
    registration_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    cancelled: Mapped[bool] = mapped_column(default=False)
    rescheduled_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    is_sample: Mapped[bool] = mapped_column(default=False)

    reminders: Mapped[list["Reminder"]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                       passive_deletes=True)


class Reminder(Base):
    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("session_id", "platform", "user_id", name="uq_reminder_session_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    session: Mapped[TrainingSession] = relationship(back_populates="reminders")


class AnnouncementPost(Base):
    """Every scheduled post, under a unique key, so nothing is posted twice."""

    __tablename__ = "announcement_post"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    detail: Mapped[str] = mapped_column(Text, default="")
