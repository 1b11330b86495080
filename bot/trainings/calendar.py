"""The training calendar: upcoming sessions by topic, window and audience, and how they read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import TrainingSession
from bot.text import normalise
from knowledge import load_yaml

@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    label: str


@lru_cache(maxsize=1)
def topics() -> dict[str, tuple[str, ...]]:
    spec = load_yaml("training_topics.yaml")["topics"]
    return {label: tuple(body.get("synonyms") or ()) for label, body in spec.items()}


def matches_topic(session: TrainingSession, words: tuple[str, ...]) -> bool:
    haystack = normalise(f"{session.topic} {session.title}")
    for word in words:
        needle = normalise(word)
        if not needle:
            continue
        if f" {needle} " in f" {haystack} " or fuzz.partial_ratio(needle, haystack) >= 90 and len(needle) >= 5:
            return True
    return False


def add_month(day: dt.datetime) -> dt.datetime:
    return day.replace(year=day.year + (day.month // 12), month=day.month % 12 + 1)


AUDIENCES = {
    "school staff": ("school staff", "teacher", "teachers", "staff"),
    "school leaders": ("principal", "principals", "school leader", "school leaders", "administrator"),
    "partners": ("partner staff", "community partner", "partners", "partner"),
}


def matches_audience(session: TrainingSession, audience: str) -> bool:
    text = session.audience.lower()
    return any(word in text for word in AUDIENCES[audience]) or not text


def upcoming(
    session: Session,
    now: dt.datetime,
    *,
    topic_words: tuple[str, ...] = (),
    window: Window | None = None,
    audience: str | None = None,
    include_cancelled: bool = False,
) -> list[TrainingSession]:
    start = window.start if window else now
    query = select(TrainingSession).where(TrainingSession.ends_at > start).order_by(TrainingSession.starts_at)
    if window:
        query = query.where(TrainingSession.starts_at < window.end)
    if not include_cancelled:
        query = query.where(TrainingSession.cancelled.is_(False))
    rows = list(session.scalars(query))
    if topic_words:
        rows = [r for r in rows if matches_topic(r, topic_words)]
    if audience:
        rows = [r for r in rows if matches_audience(r, audience)]
    return rows


def when(session: TrainingSession, tz: ZoneInfo) -> str:
    """ "Tue Dec 8, 10:00–12:00" in the district's time zone."""
    start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
    day = f"{start:%a %b} {start.day}"
    if start.time() == dt.time(0) and end - start >= dt.timedelta(days=1):
        return f"{day}, all day"
    if end.date() != start.date():
        return f"{day} {start:%H:%M} – {end:%a %b} {end.day} {end:%H:%M}"
    return f"{day}, {start:%H:%M}–{end:%H:%M}"


def session_data(row: TrainingSession, tz: ZoneInfo) -> dict[str, object]:
    return {
        "id": row.id,
        "title": row.title,
        "topic": row.topic,
        "starts_at": row.starts_at.astimezone(tz).isoformat(),
        "ends_at": row.ends_at.astimezone(tz).isoformat(),
        "when": when(row, tz),
        "location": row.location,
        "audience": row.audience,
        "registration_url": row.registration_url,
        "cancelled": row.cancelled,
        "rescheduled": row.rescheduled_at is not None,
    }
