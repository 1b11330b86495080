"""Channel roles: which channels receive department pings and training announcements.

Platform-neutral: a role is (platform, channel, role); each platform reads the
roles for its own channels when it resolves an audience.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import insert_ignore
from bot.models import ChannelRole

ROLES = ("department", "announcements")


def assign(session: Session, platform: str, channel: str, role: str, by: str, now: dt.datetime) -> bool:
    """Give `channel` the role; the department has one channel per platform (the newest wins)."""
    if role not in ROLES:
        raise ValueError(f"unknown channel role {role!r}")
    if role == "department":
        session.execute(delete(ChannelRole).where(ChannelRole.platform == platform, ChannelRole.role == role,
                                                  ChannelRole.channel != channel))
    return insert_ignore(session, ChannelRole, {"platform": platform, "channel": channel, "role": role,
                                                "assigned_by": by[:200], "assigned_at": now},
                         ("platform", "channel", "role"))


def channels_for(session: Session, platform: str, role: str) -> list[str]:
    return list(session.scalars(select(ChannelRole.channel).where(
        ChannelRole.platform == platform, ChannelRole.role == role).order_by(ChannelRole.id)))
