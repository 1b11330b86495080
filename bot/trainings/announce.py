"""Training announcements: the weekly digest, new-session, reschedule and
cancellation notices, and the day-before reminders.

Each post is recorded under a unique key (digest week + channel, session +
channel + kind, reminder id) in the same transaction that queues it in the
outbox, so a second clock, a restart or a misfire catch-up never posts twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import insert_ignore
from bot.core import Button
from bot.models import AnnouncementPost, Reminder, TrainingSession
from bot.notify import ANNOUNCEMENTS, Notice, Outbox, post_key, user_audience
from bot.trainings.calendar import upcoming, when
from knowledge import load_yaml

DIGEST_DAYS = 14


@dataclass(frozen=True)
class Break:
    name: str
    start: dt.date
    end: dt.date


@lru_cache(maxsize=1)
def breaks() -> tuple[Break, ...]:
    out = []
    for item in load_yaml("breaks.yaml").get("breaks") or ():
        start, end = dt.date.fromisoformat(str(item["start"])), dt.date.fromisoformat(str(item["end"]))
        if end < start:
            raise ValueError(f"breaks.yaml: {item['name']} ends before it starts")
        out.append(Break(str(item["name"]), start, end))
    return tuple(out)


def break_on(day: dt.date, ranges: tuple[Break, ...] | None = None) -> Break | None:
    for item in breaks() if ranges is None else ranges:
        if item.start <= day <= item.end:
            return item
    return None


def is_school_day(day: dt.date, ranges: tuple[Break, ...] | None = None) -> bool:
    """A weekday outside every break."""
    return day.weekday() < 5 and break_on(day, ranges) is None


def school_day_on_or_after(day: dt.date, ranges: tuple[Break, ...] | None = None) -> dt.date:
    for _ in range(400):
        if is_school_day(day, ranges):
            return day
        day += dt.timedelta(days=1)
    return day  # a break file covering a whole year: give up moving


def record(session: Session, outbox: Outbox, key: str, notice: Notice, now: dt.datetime,
           detail: str = "") -> list[tuple[str, str]]:
    """Queue a notice under its unique key and keep a record of each post; the targets posted to now
    (none if every target already had it)."""
    added = outbox.queue(session, key, notice, now=now)
    for platform, target in added:
        insert_ignore(session, AnnouncementPost, {"key": post_key(key, platform, target), "posted_at": now,
                                                  "detail": detail[:500]}, ("key",))
    return added


def digest_text(sessions: list[TrainingSession], settings: Settings) -> str:
    tz = settings.tz
    if not sessions:
        return "No partner trainings are scheduled in the next two weeks."
    lines = [f"*Partner trainings in the next two weeks* ({len(sessions)}):"]
    for row in sessions:
        lines.append(f"• *{row.title}*, {when(row, tz)}" + (f" · {row.location}" if row.location else ""))
        if row.registration_url:
            lines.append(f"  Register: {row.registration_url}")
    lines.append("Ask me \"upcoming trainings\" for more, or press Remind me on a session.")
    return "\n".join(lines)


@dataclass
class DigestResult:
    posted: list[tuple[str, str]]
    skipped_reason: str | None = None
    sessions: int = 0


@dataclass(frozen=True)
class DigestPlan:
    """This week's digest as it would go out now: its sessions, text, where it goes, and why it would not
    (`held`: a school break, nothing to announce, nowhere to post, already posted this week)."""

    sessions: list[TrainingSession]
    text: str
    destinations: list[tuple[str, str]]
    key: str
    held: str | None
    on_break: str | None = None
    """The school break today is in (held for it unless breaks were ignored)."""

    @property
    def held_on_schedule(self) -> str | None:
        """Why the scheduled digest would not go out now, breaks included."""
        return f"school break ({self.on_break})" if self.on_break else self.held


def plan_digest(session: Session, settings: Settings, outbox: Outbox, now: dt.datetime, *,
                ignore_breaks: bool = False) -> DigestPlan:
    local_day = now.astimezone(settings.tz).date()
    year, week, _ = local_day.isocalendar()
    key = f"digest:{year}-W{week:02d}"
    window_end = now + dt.timedelta(days=DIGEST_DAYS)
    sessions = [s for s in upcoming(session, now) if s.starts_at < window_end]
    destinations = outbox.audiences.targets(session, ANNOUNCEMENTS)
    on_break = break_on(local_day)
    held = None
    if on_break and not ignore_breaks:
        held = f"school break ({on_break.name})"
    elif not sessions and not settings.announce_empty_digest:
        held = "no sessions in the next two weeks"
    elif not destinations:
        held = ("no announcement channels configured (ANNOUNCE_SLACK_CHANNELS, or \"use this channel for "
                "announcements\")")
    elif all(session.get(AnnouncementPost, post_key(key, p, t)) is not None for p, t in destinations):
        held = "already posted this week"
    return DigestPlan(sessions, digest_text(sessions, settings), destinations, key, held,
                      on_break.name if on_break else None)


def post_digest(session: Session, settings: Settings, outbox: Outbox, now: dt.datetime, *,
                ignore_breaks: bool = False) -> DigestResult:
    plan = plan_digest(session, settings, outbox, now, ignore_breaks=ignore_breaks)
    if plan.held:
        return DigestResult([], plan.held, len(plan.sessions))
    buttons = tuple(Button(f"Remind me: {s.title[:40]}", "trainings.remind", str(s.id)) for s in plan.sessions[:5])
    notice = Notice("trainings.digest", ANNOUNCEMENTS, plan.text, buttons, {"sessions": [s.id for s in plan.sessions]})
    posted = record(session, outbox, plan.key, notice, now, detail=f"{len(plan.sessions)} sessions")
    return DigestResult(posted, None if posted else "already posted this week", len(plan.sessions))


def queue_calendar_changes(session: Session, settings: Settings, outbox: Outbox, report) -> int:  # type: ignore[no-untyped-def]
    """New, rescheduled and cancelled sessions are announced once per channel."""
    now = dt.datetime.now(dt.timezone.utc)
    count = 0
    for kind, ids in (("new", report.created), ("rescheduled", report.rescheduled), ("cancelled", report.cancelled)):
        for session_id in ids:
            row = session.get(TrainingSession, session_id)
            if row is None or (kind == "new" and (row.cancelled or row.ends_at < now)):
                continue
            text = {
                "new": f"New partner training: *{row.title}*, {when(row, settings.tz)}",
                "rescheduled": f"Rescheduled: *{row.title}* is now {when(row, settings.tz)}",
                "cancelled": f"Cancelled: *{row.title}* ({when(row, settings.tz)}) will not take place.",
            }[kind]
            if row.registration_url and kind != "cancelled":
                text += f"\nRegister: {row.registration_url}"
            buttons = (Button("Remind me", "trainings.remind", str(row.id)),) if kind != "cancelled" else ()
            suffix = row.starts_at.isoformat() if kind == "rescheduled" else ""
            key = f"session:{row.id}:{kind}{':' + suffix if suffix else ''}"
            count += len(record(session, outbox, key, Notice(f"trainings.{kind}", ANNOUNCEMENTS, text, buttons,
                                                             {"session_id": row.id}), now))
            if kind in ("rescheduled", "cancelled"):
                count += _tell_reminded(session, outbox, row, kind, text, now)
    return count


def _tell_reminded(session: Session, outbox: Outbox, row: TrainingSession, kind: str, text: str,
                   now: dt.datetime) -> int:
    count = 0
    for reminder in session.scalars(select(Reminder).where(Reminder.session_id == row.id)):
        key = f"session:{row.id}:{kind}:{row.starts_at.isoformat()}:dm"
        notice = Notice("trainings.dm", user_audience(reminder.platform, reminder.user_id), text, (),
                        {"session_id": row.id, "channel": reminder.channel})
        count += len(record(session, outbox, key, notice, now))
    return count


def reminder_due_at(row: TrainingSession, settings: Settings) -> dt.datetime:
    """The day before the session, at REMINDER_HOUR in the district's time zone."""
    local_start = row.starts_at.astimezone(settings.tz)
    day_before = local_start.date() - dt.timedelta(days=1)
    return dt.datetime.combine(day_before, dt.time(settings.reminder_hour), tzinfo=settings.tz)


def send_due_reminders(session: Session, settings: Settings, outbox: Outbox, now: dt.datetime) -> int:
    rows = session.scalars(select(Reminder).join(Reminder.session).where(
        Reminder.sent_at.is_(None), TrainingSession.starts_at > now, TrainingSession.cancelled.is_(False)))
    count = 0
    for reminder in rows:
        row = reminder.session
        if now < reminder_due_at(row, settings):
            continue
        text = f"Reminder: *{row.title}* is tomorrow, {when(row, settings.tz)}" + (
            f" · {row.location}" if row.location else "") + (f"\nRegister: {row.registration_url}" if row.registration_url else "")
        notice = Notice("trainings.reminder", user_audience(reminder.platform, reminder.user_id), text, (),
                        {"session_id": row.id, "channel": reminder.channel})
        if record(session, outbox, f"reminder:{reminder.id}:{row.starts_at.isoformat()}", notice, now):
            count += 1
        reminder.sent_at = now
    return count
