"""What a user's home screen shows (Slack App Home): requests, trainings, the queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.tickets import service
from bot.tickets.service import Actor
from bot.trainings.calendar import upcoming, when


@dataclass(frozen=True)
class HomeSummary:
    my_requests: list[str]
    next_trainings: list[str]
    unclaimed: list[str] | None  # None when the user is not department staff


def summarise(session: Session, settings: Settings, platform: str, user: str, now: dt.datetime) -> HomeSummary:
    actor = Actor(platform, user)
    mine = [f"{t.number} · {service.topic_label(t.topic)} · {t.status}" for t in service.requested_by(session, actor)]
    trainings = [f"{s.title}, {when(s, settings.tz)}" for s in upcoming(session, now)[:3]]
    unclaimed = None
    if service.is_staff(session, settings, platform, user):
        unclaimed = [f"{t.number} · {service.topic_label(t.topic)} · from {t.requester_name or t.requester_id}"
                     for t in service.listing(session, "unclaimed", actor, limit=10)]
    return HomeSummary(mine, trainings, unclaimed)
