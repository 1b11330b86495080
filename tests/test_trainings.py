"""The training calendar: import, questions with a frozen clock, reminders, digests."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.models import AnnouncementPost, OutboxMessage, TrainingSession
from bot.scheduler import Clock, parse_cron
from bot.config import ConfigError
from bot.db import Database
from bot.platforms import outbox as _outbox
from bot.trainings.announce import break_on, post_digest, send_due_reminders, Break
from bot.trainings.importer import import_trainings
from tests.conftest import FIXTURES, Harness, make_settings


def load(h: Harness, path: Path):  # type: ignore[no-untyped-def]
    with h.database.session() as s:
        return import_trainings(s, path, h.settings.tz, h.now)


@pytest.fixture
def calendar(harness):
    report = load(harness, FIXTURES / "trainings.csv")
    assert len(report.created) == 4 and not report.problems
    return harness


def test_csv_import_is_idempotent_and_detects_reschedules(calendar, tmp_path: Path) -> None:
    again = load(calendar, FIXTURES / "trainings.csv")
    assert (again.created, again.rescheduled, again.unchanged) == ([], [], 4)
    moved = tmp_path / "moved.csv"
    moved.write_text((FIXTURES / "trainings.csv").read_text().replace(
        "2026-12-08T10:00:00-08:00,2026-12-08T12:00:00-08:00", "2026-12-08T14:00:00-08:00,2026-12-08T16:00:00-08:00"))
    report = load(calendar, moved)
    assert len(report.rescheduled) == 1 and report.created == []
    with calendar.database.session() as s:
        row = s.get(TrainingSession, report.rescheduled[0])
        assert row.rescheduled_at is not None and row.starts_at.astimezone(calendar.settings.tz).hour == 14
        assert s.scalar(select(func.count()).select_from(TrainingSession)) == 4


def test_naive_times_are_read_in_the_district_time_zone(calendar) -> None:
    with calendar.database.session() as s:
        row = s.scalars(select(TrainingSession).where(TrainingSession.title.like("Racial%"))).one()
        assert row.starts_at == dt.datetime(2027, 1, 12, 17, 30, tzinfo=dt.timezone.utc)


def test_ics_import_expands_recurrences_and_handles_all_day_and_no_end(harness) -> None:
    report = load(harness, FIXTURES / "trainings.ics")
    assert len(report.created) == 5 and not report.problems
    with harness.database.session() as s:
        titles = list(s.scalars(select(TrainingSession.title).order_by(TrainingSession.starts_at)))
        fair = s.scalars(select(TrainingSession).where(TrainingSession.title == "Partner Fair")).one()
        office = s.scalars(select(TrainingSession).where(TrainingSession.title.like("Trauma%"))).one()
    assert titles.count("SEL Community of Practice") == 3
    assert fair.ends_at - fair.starts_at == dt.timedelta(days=1)
    assert office.ends_at - office.starts_at == dt.timedelta(hours=1)
    assert load(harness, FIXTURES / "trainings.ics").created == []


def test_bad_rows_and_empty_calendars(harness, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("title,topic,starts_at,ends_at,location,audience,registration_url,description\n"
                   "Ok,RULER,2026-12-20T10:00-08:00,,,,,\n"
                   "Bad time,RULER,next tuesday,,,,,\n"
                   ",RULER,2026-12-20T10:00-08:00,,,,,\n"
                   "Backwards,RULER,2026-12-20T10:00-08:00,2026-12-20T09:00-08:00,,,,\n")
    report = load(harness, bad)
    assert len(report.created) == 1
    assert [p.line for p in report.problems] == [3, 4, 5]
    assert "ISO 8601" in report.problems[0].message
    empty = tmp_path / "empty.ics"
    empty.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nEND:VCALENDAR\n")
    assert "no events" in load(harness, empty).warnings[0]
    past = tmp_path / "past.csv"
    past.write_text("title,topic,starts_at,ends_at,location,audience,registration_url,description\nOld,RULER,2020-01-01T10:00-08:00,,,,,\n")
    assert any("past" in w for w in load(harness, past).warnings)


def test_upcoming_trainings_question(calendar) -> None:
    reply = calendar.ask("what trainings are coming up?")
    assert reply.intent == "trainings" and reply.data["topic"] is None
    titles = [s["title"] for s in reply.data["sessions"]]
    assert titles[0] == "Aligning Your Program With School Goals" and len(titles) == 4
    assert reply.data["sessions"][1]["when"] == "Tue Dec 8, 10:00–12:00"
    assert any(b.action == "trainings.remind" for b in reply.buttons)


def test_topic_filters(calendar) -> None:
    trauma = calendar.ask("Upcoming trauma-informed trainings?")
    assert trauma.data["topic"] == "Trauma-informed practice"
    assert [s["title"] for s in trauma.data["sessions"]] == ["Trauma-Informed Practice in Out-of-School Time"]
    ruler = calendar.ask("when is the next RULER training")
    assert [s["title"] for s in ruler.data["sessions"]] == ["RULER: Feelings Words for Partner Staff"]
    equity = calendar.ask("any equity workshops?")
    assert equity.data["sessions"][0]["title"].startswith("Racial Equity")


def test_time_filters(calendar) -> None:
    week = calendar.ask("trainings this week")
    assert [s["title"] for s in week.data["sessions"]] == ["Aligning Your Program With School Goals"]
    january = calendar.ask("any trainings in January?")
    assert [s["title"] for s in january.data["sessions"]] == ["Racial Equity and Cultural Responsiveness 101"]
    next_month = calendar.ask("trainings next month")
    assert next_month.data["window"] == "next month" and len(next_month.data["sessions"]) == 1


def test_no_matching_sessions_says_so(calendar) -> None:
    reply = calendar.ask("SEL trainings next week")
    assert reply.data["sessions"] == [] and "no upcoming" in reply.text.lower()


def test_remind_me_list_and_cancel(calendar) -> None:
    listing = calendar.ask("upcoming RULER trainings")
    done = calendar.press(listing, label=listing.buttons[0].label)
    assert done.data["reminder"]["title"].startswith("RULER")
    calendar.press(listing, label=listing.buttons[0].label)  # twice: still one reminder
    mine = calendar.ask("my reminders")
    assert len(mine.data["reminders"]) == 1
    cancelled = calendar.press(mine, label=mine.buttons[0].label)
    assert cancelled.data["cancelled_reminder"] == mine.data["reminders"][0]["id"]
    assert calendar.ask("my reminders").data["reminders"] == []


def test_reminder_fires_once_the_day_before(calendar) -> None:
    listing = calendar.ask("upcoming RULER trainings", user="U-R", platform="slack", session="D1")
    calendar.press(listing, user="U-R", platform="slack", session="D1", label=listing.buttons[0].label)
    with calendar.database.session() as s:
        assert send_due_reminders(s, calendar.settings, calendar.bot.outbox, calendar.now) == 0
        day_before = dt.datetime(2026, 12, 7, 9, 5, tzinfo=calendar.settings.tz)
        assert send_due_reminders(s, calendar.settings, calendar.bot.outbox, day_before) == 1
        assert send_due_reminders(s, calendar.settings, calendar.bot.outbox, day_before + dt.timedelta(hours=1)) == 0
    calendar.deliver()
    calendar.now = dt.datetime(2026, 12, 7, 18, 0, tzinfo=dt.timezone.utc)
    calendar.deliver()
    sent = [n for n, _ in calendar.notifier.sent if n.kind == "trainings.reminder"]
    assert len(sent) == 1 and sent[0].target == "U-R" and sent[0].platform == "slack" and "tomorrow" in sent[0].text


def _announcing(h: Harness):  # type: ignore[no-untyped-def]
    settings = make_settings(h.settings.database_url, ANNOUNCE_SLACK_CHANNELS="C-ANN1,C-ANN2")
    return settings


def test_digest_lists_next_two_weeks_and_posts_once_per_channel(calendar) -> None:
    settings = _announcing(calendar)
    with calendar.database.session() as s:
        result = post_digest(s, settings, _outbox(settings), calendar.now)
    assert result.posted == [("slack", "C-ANN1"), ("slack", "C-ANN2")] and result.sessions == 2  # Dec 2 and Dec 8
    with calendar.database.session() as s:
        again = post_digest(s, settings, _outbox(settings), calendar.now + dt.timedelta(hours=1))
        text = s.scalars(select(OutboxMessage.payload)).first()["text"]
    assert again.posted == [] and again.skipped_reason == "already posted this week"
    assert "Racial Equity" not in text and "RULER: Feelings Words" in text


def test_empty_digest_is_not_posted(harness) -> None:
    with harness.database.session() as s:
        result = post_digest(s, _announcing(harness), _outbox(_announcing(harness)), harness.now)
    assert result.posted == [] and "no sessions" in (result.skipped_reason or "")


def test_no_digest_during_breaks(calendar) -> None:
    winter = dt.datetime(2026, 12, 22, 16, 0, tzinfo=dt.timezone.utc)
    assert break_on(winter.date()) is not None
    with calendar.database.session() as s:
        result = post_digest(s, _announcing(calendar), _outbox(_announcing(calendar)), winter)
    assert result.posted == [] and "break" in (result.skipped_reason or "")
    assert break_on(dt.date(2026, 3, 3), (Break("x", dt.date(2026, 3, 1), dt.date(2026, 3, 5)),)) is not None


def test_two_schedulers_post_exactly_once(any_db_url: str, notifier) -> None:
    h = Harness(make_settings(any_db_url, ANNOUNCE_SLACK_CHANNELS="C-ANN"), notifier, dt.datetime(2026, 12, 1, 16, tzinfo=dt.timezone.utc))
    try:
        load(h, FIXTURES / "trainings.csv")
        clocks = [Clock(h.settings, h.database, {"slack": notifier}, now=lambda: h.now) for _ in range(2)]
        barrier = threading.Barrier(2)

        def run(clock: Clock) -> None:
            barrier.wait()
            clock.weekly_digest()

        threads = [threading.Thread(target=run, args=(c,)) for c in clocks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for clock in clocks:
            clock.tick()
        digests = [n for n, _ in notifier.sent if n.kind == "trainings.digest"]
        assert len(digests) == 1 and digests[0].target == "C-ANN"
        with h.database.session() as s:
            assert s.scalar(select(func.count()).select_from(AnnouncementPost)) == 1
    finally:
        h.close()


def test_new_and_cancelled_sessions_are_announced(calendar, tmp_path: Path) -> None:
    from bot.trainings.announce import queue_calendar_changes

    settings = _announcing(calendar)
    listing = calendar.ask("upcoming RULER trainings", user="U-R")
    calendar.press(listing, user="U-R", label=listing.buttons[0].label)
    changed = tmp_path / "changed.csv"
    changed.write_text((FIXTURES / "trainings.csv").read_text().replace(
        "title,topic,starts_at,ends_at,location,audience,registration_url,description",
        "title,topic,starts_at,ends_at,location,audience,registration_url,description,cancelled").replace(",Intro", ",Intro,yes"))
    with calendar.database.session() as s:
        report = import_trainings(s, changed, settings.tz, calendar.now)
        assert len(report.cancelled) == 1
        queued = queue_calendar_changes(s, settings, _outbox(settings), report)
        again = queue_calendar_changes(s, settings, _outbox(settings), report)
    assert queued == 3 and again == 0  # two channels + the reminded user's DM, once
    reply = calendar.ask("upcoming RULER trainings")
    assert reply.data["sessions"] == []


def test_bad_cron_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="ANNOUNCE_CRON"):
        parse_cron("every monday at 8", "America/Los_Angeles")
    assert parse_cron("0 8 * * mon", "America/Los_Angeles") is not None


def test_scheduler_uses_a_persistent_job_store(harness) -> None:
    from bot.scheduler import build_scheduler

    scheduler = build_scheduler(Clock(harness.settings, harness.database), blocking=False)
    scheduler.start(paused=True)
    try:
        assert {job.id for job in scheduler.get_jobs()} == {"weekly_digest", "paperwork_nudges", "retention", "tick"}
    finally:
        scheduler.shutdown(wait=False)
    with harness.database.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("select count(*) from apscheduler_jobs")).scalar() == 4


def test_two_apscheduler_instances_post_the_digest_once(sqlite_url: str, notifier) -> None:
    import datetime as dt

    from bot.scheduler import build_scheduler

    h = Harness(make_settings(sqlite_url, ANNOUNCE_SLACK_CHANNELS="C-ANN"), notifier, dt.datetime(2026, 12, 1, 16, tzinfo=dt.timezone.utc))
    try:
        load(h, FIXTURES / "trainings.csv")
        schedulers = []
        for _ in range(2):
            clock = Clock(h.settings, Database.connect(h.settings.database_url), {"slack": notifier}, now=lambda: h.now)
            scheduler = build_scheduler(clock, blocking=False)
            scheduler.start()
            schedulers.append(scheduler)
        for scheduler in schedulers:
            scheduler.get_job("weekly_digest").modify(next_run_time=dt.datetime.now(dt.timezone.utc))
            scheduler.wakeup()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not [n for n, _ in notifier.sent if n.kind == "trainings.digest"]:
            time.sleep(0.1)
        time.sleep(1.0)
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
        assert [n.target for n, _ in notifier.sent if n.kind == "trainings.digest"] == ["C-ANN"]
    finally:
        h.close()


def test_clock_refuses_a_bad_cron_at_start(sqlite_url: str) -> None:
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "bot", "clock"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "DATABASE_URL": sqlite_url, "ANNOUNCE_CRON": "mondays at eight"})
    assert out.returncode == 2 and "ANNOUNCE_CRON" in out.stderr and "Traceback" not in out.stderr


def test_moving_a_session_to_another_day_is_a_reschedule_with_uid_and_rearms_reminders(harness, tmp_path: Path) -> None:
    header = "uid,title,topic,starts_at,ends_at,location,audience,registration_url,description\n"
    path = tmp_path / "uid.csv"
    path.write_text(header + "r-1,RULER Basics,RULER,2026-12-08T10:00-08:00,2026-12-08T12:00-08:00,,,,\n")
    assert len(load(harness, path).created) == 1
    listing = harness.ask("upcoming RULER trainings", user="U-R")
    harness.press(listing, user="U-R", label=listing.buttons[0].label)
    with harness.database.session() as s:
        assert send_due_reminders(s, harness.settings, harness.bot.outbox, dt.datetime(2026, 12, 7, 18, tzinfo=dt.timezone.utc)) == 1
    path.write_text(header + "r-1,RULER Basics,RULER,2026-12-10T10:00-08:00,2026-12-10T12:00-08:00,,,,\n")
    report = load(harness, path)
    assert report.created == [] and len(report.rescheduled) == 1
    with harness.database.session() as s:
        assert s.scalar(select(func.count()).select_from(TrainingSession)) == 1
        assert send_due_reminders(s, harness.settings, harness.bot.outbox, dt.datetime(2026, 12, 9, 18, tzinfo=dt.timezone.utc)) == 1


def test_csv_without_uid_warns(calendar) -> None:
    report = load(calendar, FIXTURES / "trainings.csv")
    assert any("uid" in w for w in report.warnings)


def test_one_off_ics_event_moved_to_another_day_is_rescheduled(harness, tmp_path: Path) -> None:
    ics = (FIXTURES / "trainings.ics").read_text()
    load(harness, FIXTURES / "trainings.ics")
    moved = tmp_path / "moved.ics"
    moved.write_text(ics.replace("DTSTART:20261211T180000Z", "DTSTART:20261214T180000Z"))
    report = load(harness, moved)
    assert report.created == [] and len(report.rescheduled) == 1


SERIES = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:sel-weekly@district
SUMMARY:SEL drop-in
DTSTART;TZID=America/Los_Angeles:20261203T150000
DTEND;TZID=America/Los_Angeles:20261203T160000
RRULE:FREQ=WEEKLY;COUNT=4
{exdate}END:VEVENT
END:VCALENDAR
"""


def test_an_occurrence_deleted_from_a_series_is_cancelled_and_announced(harness, tmp_path: Path) -> None:
    first = tmp_path / "series.ics"
    first.write_text(SERIES.format(exdate=""))
    assert len(load(harness, first).created) == 4
    second = tmp_path / "series2.ics"
    second.write_text(SERIES.format(exdate="EXDATE;TZID=America/Los_Angeles:20261217T150000\n"))
    report = load(harness, second)
    assert len(report.cancelled) == 1 and report.unchanged == 3
    with harness.database.session() as s:
        cancelled = s.scalars(select(TrainingSession).where(TrainingSession.cancelled.is_(True))).one()
    assert cancelled.starts_at.astimezone(harness.settings.tz).date() == dt.date(2026, 12, 17)
    assert load(harness, second).cancelled == []  # once


def test_a_repeating_event_without_an_end_is_refused_not_expanded(harness, tmp_path: Path) -> None:
    from bot.directory.importer import ImportFileError

    endless = tmp_path / "endless.ics"
    endless.write_text(SERIES.format(exdate="").replace("FREQ=WEEKLY;COUNT=4", "FREQ=MINUTELY"))
    with pytest.raises(ImportFileError, match="repeating event without an end"):
        load(harness, endless)


def test_a_uid_repeated_in_one_file_is_reported_not_applied_twice(harness, tmp_path: Path) -> None:
    twice = tmp_path / "twice.csv"
    twice.write_text("uid,title,topic,starts_at,ends_at,location,audience,registration_url,description\n"
                     "u1,One,,2027-01-20T10:00,,,,,\nu1,Dup,,2027-02-20T10:00,,,,,\n")
    report = load(harness, twice)
    assert len(report.created) == 1 and report.rescheduled == []
    assert [str(p) for p in report.problems] == ["line 3: duplicate of line 2 (same uid)"]
