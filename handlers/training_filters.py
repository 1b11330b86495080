"""Training filters read from a question: a topic, a time window ("next month", "in the spring"), an audience."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from zoneinfo import ZoneInfo

from bot.trainings.calendar import AUDIENCES, Window, add_month, topics
from bot.understanding import Understanding

MONTHS = {name.lower(): number for number, name in enumerate(cal.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(cal.month_abbr) if name})
MONTHS.pop("may", None)  # "may" is usually the verb; "in May" is handled below


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
        return Window(now, add_month(month_start), "this month")
    if u.has("next month"):
        start = add_month(month_start)
        return Window(start, add_month(start), "next month")
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
            return Window(max(start, now), add_month(start), f"in {cal.month_name[number]}")
    return None


SEASONS = {"spring": (3, 4, 5), "summer": (6, 7, 8), "fall": (9, 10, 11), "autumn": (9, 10, 11), "winter": (12, 1, 2)}


def _season_window(season: str, months: tuple[int, ...], year: int, now: dt.datetime, tz: ZoneInfo) -> Window:
    """The season now under way, or the next one ("in the spring" asked in November: March to May)."""
    for start_year in (year - 1, year, year + 1):
        start = dt.datetime(start_year, months[0], 1, tzinfo=tz)
        end = start
        for _ in months:
            end = add_month(end)
        if end > now:
            return Window(max(start, now), end, f"in the {season}")
    raise AssertionError("unreachable")


def find_audience(u: Understanding) -> str | None:
    if not u.has("for"):
        return None
    for label, words in AUDIENCES.items():
        if any(u.has(f"for {w}") for w in words):
            return label
    return None
