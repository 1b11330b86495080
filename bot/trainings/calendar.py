"""Questions over the calendar: topic, time window and audience filters, formatting."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import TrainingSession
from bot.understanding import Understanding
from bot.text import normalise
from knowledge import load_yaml

MONTHS = {name.lower(): number for number, name in enumerate(cal.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(cal.month_abbr) if name})
MONTHS.pop("may", None)  # "may" is usually the verb; "in May" is handled below


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    label: str


@lru_cache(maxsize=1)
def topics() -> dict[str, tuple[str, ...]]:
    spec = load_yaml("training_topics.yaml")["topics"]
    return {label: tuple(body.get("synonyms") or ()) for label, body in spec.items()}


def find_topic(u: Understanding) -> tuple[str, tuple[str, ...]] | None:
    """The topic a question filters on, with the words that identify it."""
    best: tuple[int, int, str] | None = None  # (position, -length, label): the first-named topic wins
    for label, synonyms in topics().items():
        for synonym in (label, *synonyms):
            position = u.position(synonym)
            if position is not None:
                key = (position, -len(synonym), label)
                if best is None or key < best:
                    best = key
    if best is None:
        return None
    return best[2], (best[2], *topics()[best[2]])


def matches_topic(session: TrainingSession, words: tuple[str, ...]) -> bool:
    haystack = normalise(f"{session.topic} {session.title}")
    for word in words:
        needle = normalise(word)
        if not needle:
            continue
        if f" {needle} " in f" {haystack} " or fuzz.partial_ratio(needle, haystack) >= 90 and len(needle) >= 5:
            return True
    return False


def find_window(u: Understanding, now: dt.datetime, tz: ZoneInfo) -> Window | None:
    local = now.astimezone(tz)
    today = dt.datetime.combine(local.date(), dt.time(0), tzinfo=tz)
    if u.has("today"):
        return Window(now, today + dt.timedelta(days=1), "today")
    if u.has("tomorrow"):
        return Window(today + dt.timedelta(days=1), today + dt.timedelta(days=2), "tomorrow")
    week_start = today - dt.timedelta(days=today.weekday())
    if u.has("this week"):
        return Window(now, week_start + dt.timedelta(days=7), "this week")
    if u.has("next week"):
        return Window(week_start + dt.timedelta(days=7), week_start + dt.timedelta(days=14), "next week")
    month_start = today.replace(day=1)
    if u.has("this month"):
        return Window(now, _add_month(month_start), "this month")
    if u.has("next month"):
        start = _add_month(month_start)
        return Window(start, _add_month(start), "next month")
    for season, months in SEASONS.items():
        if u.has(season):
            return _season_window(season, months, local.year, now, tz)
    for token in u.tokens:
        number = MONTHS.get(token)
        if number is None and token == "may" and u.has("in may"):
            number = 5
        if number:
            year = local.year if number >= local.month else local.year + 1
            start = dt.datetime(year, number, 1, tzinfo=tz)
            return Window(max(start, now), _add_month(start), cal.month_name[number])
    return None


SEASONS = {"spring": (3, 4, 5), "summer": (6, 7, 8), "fall": (9, 10, 11), "autumn": (9, 10, 11), "winter": (12, 1, 2)}


def _season_window(season: str, months: tuple[int, ...], year: int, now: dt.datetime, tz: ZoneInfo) -> Window:
    """The season now under way, or the next one ("in the spring" asked in November: March to May)."""
    for start_year in (year - 1, year, year + 1):
        start = dt.datetime(start_year, months[0], 1, tzinfo=tz)
        end = start
        for _ in months:
            end = _add_month(end)
        if end > now:
            return Window(max(start, now), end, f"in the {season}")
    raise AssertionError("unreachable")


def _add_month(day: dt.datetime) -> dt.datetime:
    return day.replace(year=day.year + (day.month // 12), month=day.month % 12 + 1)


AUDIENCES = {
    "school staff": ("school staff", "teacher", "teachers", "staff"),
    "school leaders": ("principal", "principals", "school leader", "school leaders", "administrator"),
    "partners": ("partner staff", "community partner", "partners", "partner"),
}


def find_audience(u: Understanding) -> str | None:
    if not u.has("for"):
        return None
    for label, words in AUDIENCES.items():
        if any(u.has(f"for {w}") for w in words):
            return label
    return None


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
