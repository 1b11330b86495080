"""Import the training calendar from CSV or iCalendar (.ics) files.

A session's identity is its `uid` column (CSV) or UID + occurrence (ICS), else
its title and day: importing the same file twice changes nothing, and a new time
for a known session updates it and flags it as rescheduled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.directory.importer import ImportFileError, RowProblem, parse_csv_text, read_csv
from bot.models import TrainingSession
from bot.text import normalise

CSV_COLUMNS = ("title", "topic", "starts_at", "ends_at", "location", "audience", "registration_url", "description")
DEFAULT_LENGTH = dt.timedelta(hours=1)
MAX_SESSIONS = 1000
"""Sessions one file may hold in a school year: more is a recurrence without an end (every minute), not a calendar."""
TRUE = ("1", "true", "yes", "y", "cancelled", "canceled")


@dataclass
class SessionRow:
    line: int
    source_key: str
    title: str
    topic: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str = ""
    audience: str = ""
    registration_url: str = ""
    description: str = ""
    capacity: int | None = None
    cancelled: bool = False


@dataclass
class TrainingImportReport:
    rows: int = 0
    created: list[int] = field(default_factory=list)
    rescheduled: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False

    def summary(self) -> str:
        if self.dry_run:
            skipped = f"; {len(self.problems)} with problems would be skipped" if self.problems else ""
            return (f"Dry run, nothing imported: of {self.rows} sessions, {len(self.created)} would be new, "
                    f"{len(self.rescheduled)} rescheduled, {len(self.cancelled)} cancelled, {self.updated} updated "
                    f"and {self.unchanged} unchanged{skipped}.")
        if not self.committed:
            return f"{self.rows} sessions checked, nothing imported: {len(self.problems)} with problems."
        skipped = f", {len(self.problems)} skipped with problems" if self.problems else ""
        return (
            f"{self.rows} sessions read: {len(self.created)} new, {len(self.rescheduled)} rescheduled, "
            f"{len(self.cancelled)} cancelled, {self.updated} updated, {self.unchanged} unchanged{skipped}."
        )


def parse_time(value: str, tz: ZoneInfo) -> dt.datetime:
    """ISO 8601; a time without an offset is read in the district's time zone."""
    text = value.strip().replace("Z", "+00:00")
    if not text:
        raise ValueError("empty")
    parsed = dt.datetime.fromisoformat(text)
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def read_csv_sessions(path: Path, tz: ZoneInfo, raw: bytes | None = None) -> tuple[list[SessionRow], list[RowProblem], list[str], int]:
    rows, warnings = read_csv(path, CSV_COLUMNS) if raw is None else parse_csv_text(raw, path.name, CSV_COLUMNS)
    if rows and "uid" not in rows[0]:
        warnings.append("no uid column: a session moved to another day will be imported as a new session "
                        "(add a uid column to keep each session's identity)")
    good: list[SessionRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    if len(rows) > MAX_SESSIONS:
        raise ImportFileError(f"{path.name}: more than {MAX_SESSIONS} sessions; split the file")
    for offset, row in enumerate(rows):
        line = offset + 2
        errors: list[str] = []
        title = " ".join(row.get("title", "").split())
        if not title:
            errors.append("title is empty")
        starts = ends = None
        try:
            starts = parse_time(row.get("starts_at", ""), tz)
        except ValueError:
            errors.append(f"starts_at {row.get('starts_at', '')!r} is not an ISO 8601 time like 2026-12-08T10:00-08:00")
        if row.get("ends_at"):
            try:
                ends = parse_time(row["ends_at"], tz)
            except ValueError:
                errors.append(f"ends_at {row['ends_at']!r} is not an ISO 8601 time")
        if starts and ends and ends <= starts:
            errors.append("ends_at is not after starts_at")
        capacity = None
        if row.get("capacity"):
            try:
                capacity = int(row["capacity"])
            except ValueError:
                errors.append(f"capacity {row['capacity']!r} is not a whole number")
        if errors or starts is None:
            problems.append(RowProblem(line, "; ".join(errors)))
            continue
        local_day = starts.astimezone(tz).date().isoformat()
        key = f"uid:{row['uid']}" if row.get("uid") else f"title:{normalise(title)}:{local_day}"
        if key in seen:
            what = "uid" if row.get("uid") else "title and day"
            problems.append(RowProblem(line, f"duplicate of line {seen[key]} (same {what})"))
            continue
        seen[key] = line
        good.append(SessionRow(
            line, key, title, row.get("topic", ""), starts, ends or starts + DEFAULT_LENGTH,
            row.get("location", ""), row.get("audience", ""), row.get("registration_url", ""),
            row.get("description", ""), capacity, row.get("cancelled", "").lower() in TRUE,
        ))
    return good, problems, warnings, len(rows)


def school_year_window(today: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start_year = today.year if today.month >= 8 else today.year - 1
    return (dt.datetime(start_year, 8, 1, tzinfo=tz), dt.datetime(start_year + 1, 8, 1, tzinfo=tz))


Series = tuple[set[str], dt.datetime, dt.datetime]
"""The UIDs of a calendar's repeating events, and the window their occurrences were read in."""


def read_ics_sessions(path: Path, tz: ZoneInfo, today: dt.date, raw: bytes | None = None
                      ) -> tuple[list[SessionRow], list[RowProblem], list[str], int, Series]:
    import icalendar
    import recurring_ical_events

    try:
        calendar = icalendar.Calendar.from_ical(path.read_bytes() if raw is None else raw)
    except (ValueError, IndexError) as exc:
        raise ImportFileError(f"{path}: not a valid iCalendar file ({exc})") from exc
    start, end = school_year_window(today, tz)
    recurring = {str(c.get("UID", "")) for c in calendar.walk("VEVENT") if c.get("RRULE") is not None}
    events = []
    for event in recurring_ical_events.of(calendar).after(start):  # one at a time: a series may never end
        if event.get("DTSTART") is not None and _as_datetime(event["DTSTART"].dt, tz) >= end:
            break
        events.append(event)
        if len(events) > MAX_SESSIONS:
            raise ImportFileError(f"{path.name}: more than {MAX_SESSIONS} sessions in one school year; is there a "
                                  "repeating event without an end?")
    good: list[SessionRow] = []
    problems: list[RowProblem] = []
    warnings: list[str] = []
    for number, event in enumerate(events, start=1):
        title = " ".join(str(event.get("SUMMARY", "")).split())
        uid = str(event.get("UID", "")) or f"{normalise(title)}"
        raw_start = event.get("DTSTART")
        if not title or raw_start is None:
            problems.append(RowProblem(number, "event without a SUMMARY or DTSTART"))
            continue
        starts = _as_datetime(raw_start.dt, tz)
        if event.get("DTEND") is not None:
            ends = _as_datetime(event["DTEND"].dt, tz)
        elif event.get("DURATION") is not None:
            ends = starts + event["DURATION"].dt
        elif not isinstance(raw_start.dt, dt.datetime):
            ends = starts + dt.timedelta(days=1)
        else:
            ends = starts + DEFAULT_LENGTH
        if ends <= starts:
            ends = starts + DEFAULT_LENGTH
        # A one-off event keeps its identity by UID alone, so moving it to another day is a
        # reschedule; an occurrence of a series by UID + its original time (RECURRENCE-ID).
        if uid in recurring and event.get("RECURRENCE-ID") is not None:
            occurrence = _as_datetime(event["RECURRENCE-ID"].dt, tz).astimezone(dt.timezone.utc).isoformat()
            key = f"ics:{uid}:{occurrence}"
        else:
            key = f"ics:{uid}"
        categories = event.get("CATEGORIES")
        topic = ""
        if categories is not None:
            cats = categories if isinstance(categories, list) else [categories]
            topic = ", ".join(str(c) for cat in cats for c in getattr(cat, "cats", [cat]))
        good.append(SessionRow(
            number, key, title, topic, starts, ends,
            str(event.get("LOCATION", "")), "", str(event.get("URL", "")), str(event.get("DESCRIPTION", "")),
            None, str(event.get("STATUS", "")).upper() == "CANCELLED",
        ))
    if not good and not problems:
        warnings.append("the calendar has no events in this school year")
    return good, problems, warnings, len(good) + len(problems), (recurring, start, end)


def _as_datetime(value: dt.date | dt.datetime, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=tz)


def import_trainings(
    session: Session, path: Path, tz: ZoneInfo, now: dt.datetime, *, strict: bool = False, raw: bytes | None = None
) -> TrainingImportReport:
    """A calendar file (.ics) or a sessions CSV; `raw`: its bytes (an upload), `path` then only names it."""
    series: Series | None = None
    if path.suffix.lower() in (".ics", ".ical", ".ifb"):
        rows, problems, warnings, total, series = read_ics_sessions(path, tz, now.astimezone(tz).date(), raw)
    else:
        rows, problems, warnings, total = read_csv_sessions(path, tz, raw)
    report = TrainingImportReport(rows=total, problems=problems, warnings=warnings)
    if strict and problems:
        return report
    if rows and all(r.ends_at < now for r in rows):
        report.warnings.append("every session in this file is in the past")
    removed = session.execute(delete(TrainingSession).where(TrainingSession.is_sample.is_(True))).rowcount
    if removed:
        report.warnings.append(f"{removed} sample sessions are replaced by your calendar")
    existing = {s.source_key: s for s in session.scalars(select(TrainingSession).where(
        TrainingSession.source_key.in_([r.source_key for r in rows])))} if rows else {}
    for row in rows:
        current = existing.get(row.source_key)
        if current is None:
            created = TrainingSession(
                source_key=row.source_key, title=row.title, topic=row.topic, starts_at=row.starts_at,
                ends_at=row.ends_at, location=row.location, audience=row.audience,
                registration_url=row.registration_url, description=row.description, capacity=row.capacity,
                cancelled=row.cancelled,
            )
            session.add(created)
            session.flush()
            existing[row.source_key] = created
            report.created.append(created.id)
            continue
        _apply(current, row, report, now)
    if series is not None:
        _cancel_dropped_occurrences(session, series, {r.source_key for r in rows}, report, now)
    report.committed = True
    return report


def _cancel_dropped_occurrences(session: Session, series: Series, kept: set[str], report: TrainingImportReport,
                                now: dt.datetime) -> None:
    """An occurrence of a repeating event that the calendar no longer has (deleted from the series: an EXDATE,
    as Outlook and Google record it) is cancelled, like one marked cancelled."""
    uids, start, end = series
    for uid in uids:
        prefix = f"ics:{uid}:"
        for current in session.scalars(select(TrainingSession).where(
                func.substr(TrainingSession.source_key, 1, len(prefix)) == prefix,
                TrainingSession.starts_at >= max(start, now), TrainingSession.starts_at < end,
                TrainingSession.cancelled.is_(False))):
            if current.source_key not in kept:
                current.cancelled = True
                report.cancelled.append(current.id)


def _apply(current: TrainingSession, row: SessionRow, report: TrainingImportReport, now: dt.datetime) -> None:
    moved = current.starts_at != row.starts_at or current.ends_at != row.ends_at
    newly_cancelled = row.cancelled and not current.cancelled
    fields = ("title", "topic", "location", "audience", "registration_url", "description", "capacity", "cancelled")
    changed = moved or any(getattr(current, f) != getattr(row, f) for f in fields)
    if not changed:
        report.unchanged += 1
        return
    for name in fields:
        setattr(current, name, getattr(row, name))
    if moved:
        current.starts_at, current.ends_at = row.starts_at, row.ends_at
        current.rescheduled_at = now
        report.rescheduled.append(current.id)
        for reminder in current.reminders:  # remind again for the new date
            reminder.sent_at = None
    if newly_cancelled:
        report.cancelled.append(current.id)
    if not moved and not newly_cancelled:
        report.updated += 1
