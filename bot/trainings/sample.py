"""A sample calendar dated relative to today, so a fresh install never looks stale."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.models import TrainingSession
from bot.trainings.announce import school_day_on_or_after

SAMPLE = (
    # days from today, local start, hours, title, topic, audience
    (3, "10:00", 2, "RULER Foundations for Partner Staff", "RULER", "Community partners"),
    (8, "13:00", 2, "Trauma-Informed Practice in Out-of-School Time", "Trauma-informed practice", "Community partners and school staff"),
    (13, "09:30", 3, "Racial Equity and Cultural Responsiveness 101", "Racial equity and cultural responsiveness", "Community partners and school staff"),
    (20, "15:00", 1.5, "Aligning Your Program With School Goals", "Partnership alignment", "Community partners"),
    (27, "10:00", 2, "Social-Emotional Learning in Partner Programs", "Social-emotional learning", "Community partners"),
    (34, "13:00", 2, "RULER: The Mood Meter in Practice", "RULER", "Community partners"),
    (41, "09:00", 3, "Youth Mental Health First Aid", "Youth mental health", "Community partners and school staff"),
    (48, "15:30", 1.5, "Working With Families as Partners", "Family engagement", "Community partners"),
    (62, "10:00", 2, "Trauma-Informed Practice, Part 2", "Trauma-informed practice", "Community partners"),
    (76, "13:00", 2, "Racial Equity Questions for Partnerships", "Racial equity and cultural responsiveness", "School leaders and partners"),
    (104, "13:00", 2, "Trauma-Informed Practice, Part 3: Restorative Conversations", "Trauma-informed practice",
     "Community partners"),
    (125, "10:00", 2, "RULER: Meta-Moment for Partner Staff", "RULER", "Community partners"),
    (146, "15:00", 1.5, "Partnership Data and Outcomes", "Partnership alignment", "School leaders and partners"),
)


def add_sample_calendar(session: Session, today: dt.date | None = None, timezone: str = "America/Los_Angeles") -> int:
    tz = ZoneInfo(timezone)
    today = today or dt.datetime.now(tz).date()
    for days, hhmm, hours, title, topic, audience in SAMPLE:
        day = school_day_on_or_after(today + dt.timedelta(days=days))  # never a weekend or a school break
        hour, minute = (int(p) for p in hhmm.split(":"))
        starts = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
        session.add(
            TrainingSession(
                source_key=f"sample:{days}:{title}",
                title=title,
                topic=topic,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=hours),
                location="Online",
                audience=audience,
                registration_url="",
                description=f"Sample session: {title}.",
                is_sample=True,
            )
        )
    return len(SAMPLE)
