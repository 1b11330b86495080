"""The `clock` process: APScheduler 3 with a SQLAlchemy job store.

Jobs: the weekly training digest (ANNOUNCE_CRON in TIMEZONE), the paperwork nudges
to school contacts (weekdays at REMINDER_HOUR:15), retention (daily at 03:30: what is
past RETENTION_DAYS and its companions is deleted), and every few minutes the due
reminders, SLA re-posts and the outbox. Every post is keyed in
the database, so a second clock or a restart never posts twice. A cron
expression that does not parse stops the process at start with a clear error.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
from dataclasses import dataclass, field
from typing import Callable

from apscheduler.triggers.cron import CronTrigger

from bot.config import ConfigError, Settings
from bot.db import Database
from bot.dedupe import prune
from bot.directory.nudges import send_nudges
from bot.inbox import prune as prune_inbox
from bot.notify import LogNotifier, Notifier, Outbox, deliver_pending
from bot.receipts import Receipts
from bot.tickets.sla import send_sla_reminders
from bot.trainings.announce import DigestResult, post_digest, send_due_reminders

log = logging.getLogger("partnerbot.clock")
TICK_MINUTES = 5
RETENTION_HOUR = 3
"""Pruning runs daily at 03:30 in TIMEZONE, when schools are quiet."""


def parse_cron(expression: str, timezone: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression, timezone=timezone)
    except ValueError as exc:
        raise ConfigError(f"ANNOUNCE_CRON {expression!r} is not a valid crontab expression ({exc})") from exc


@dataclass
class Clock:
    """The scheduled work, callable directly (tests, `announce --now`) or by APScheduler."""

    settings: Settings
    database: Database
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)
    outbox: Outbox | None = None
    receipts: Receipts | None = None

    def __post_init__(self) -> None:
        if self.outbox is None:  # post where the platforms say each audience is
            from bot.platforms import outbox

            self.outbox = outbox(self.settings)
        if self.receipts is None:
            self.receipts = Receipts(self.settings.spool_dir)

    def weekly_digest(self, *, ignore_breaks: bool = False) -> DigestResult:
        with self.database.session() as session:
            assert self.outbox is not None
            result = post_digest(session, self.settings, self.outbox, self.now(), ignore_breaks=ignore_breaks)
        log.info("digest", extra={"turn": {"posted": len(result.posted), "skipped": result.skipped_reason}})
        self.drain()
        return result

    def nudges(self) -> int:
        """Today's paperwork nudges to school contacts (once per item and threshold, school days only)."""
        assert self.outbox is not None
        with self.database.session() as session:
            sent = send_nudges(session, self.settings, self.outbox, self.now())
        log.info("nudges", extra={"turn": {"contacts": sent}})
        self.drain()
        return sent

    def tick(self) -> dict[str, int]:
        now = self.now()
        assert self.outbox is not None
        with self.database.session() as session:
            reminders = send_due_reminders(session, self.settings, self.outbox, now)
            sla = send_sla_reminders(session, self.settings, self.outbox, now)
        sent = self.drain()
        pruned = prune(self.database, now) + prune_inbox(self.database, now)
        return {"reminders": reminders, "sla": sla, "sent": sent, "pruned_events": pruned}

    def retention(self) -> dict[str, int]:
        """Delete what is past its retention period (RETENTION_DAYS and companions), in short batches."""
        from bot.retention import prune as prune_old

        return prune_old(self.database, self.settings, self.now())

    def drain(self) -> int:
        return deliver_pending(self.database.sessions, self.notifiers, self.now(), fallback=LogNotifier(),
                               lease=self.settings.lease, receipts=self.receipts)


_clock: Clock | None = None


def _digest_job() -> None:
    assert _clock is not None
    _clock.weekly_digest()


def _nudges_job() -> None:
    assert _clock is not None
    _clock.nudges()


def _tick_job() -> None:
    assert _clock is not None
    _clock.tick()


def _retention_job() -> None:
    assert _clock is not None
    _clock.retention()


def build_scheduler(clock: Clock, blocking: bool = True):  # type: ignore[no-untyped-def]
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _clock
    _clock = clock
    trigger = parse_cron(clock.settings.announce_cron, clock.settings.timezone)
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(engine=clock.database.engine, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1},
        timezone=clock.settings.timezone,
    )
    scheduler.add_job(_digest_job, trigger, id="weekly_digest", replace_existing=True)
    scheduler.add_job(_nudges_job, CronTrigger(day_of_week="mon-fri", hour=clock.settings.reminder_hour, minute=15,
                                               timezone=clock.settings.timezone),
                      id="paperwork_nudges", replace_existing=True)
    scheduler.add_job(_retention_job, CronTrigger(hour=RETENTION_HOUR, minute=30, timezone=clock.settings.timezone),
                      id="retention", replace_existing=True)
    scheduler.add_job(_tick_job, "interval", minutes=TICK_MINUTES, id="tick", replace_existing=True,
                      next_run_time=dt.datetime.now(dt.timezone.utc))
    return scheduler


def platform_clock(settings: Settings) -> Clock:
    """A clock that posts through every configured platform."""
    from bot.app import open_database
    from bot.platforms import all_platforms, notifiers, outbox

    database = open_database(settings)
    platforms = all_platforms()
    return Clock(settings, database, notifiers(settings, database, platforms), outbox=outbox(settings, platforms))


def run_clock(settings: Settings) -> int:
    parse_cron(settings.announce_cron, settings.timezone)  # fail fast, before anything starts
    clock = platform_clock(settings)
    scheduler = build_scheduler(clock)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=True))
    log.info("clock started", extra={"turn": {"cron": settings.announce_cron, "timezone": settings.timezone}})
    try:
        scheduler.start()
    finally:
        assert clock.receipts is not None
        clock.receipts.close()  # a receipt kept on disk is left for the next process to record
    return 0


def announce_now(settings: Settings) -> int:
    clock = platform_clock(settings)
    result = clock.weekly_digest(ignore_breaks=True)
    if result.posted:
        print(f"posted the digest ({result.sessions} sessions) to " + ", ".join(f"{p}:{t}" for p, t in result.posted))
        return 0
    print(f"nothing posted: {result.skipped_reason}. `partnerbot announce --preview` shows the digest.")
    return 0


def preview_digest(settings: Settings) -> int:
    """What `announce --now` would post, and where; nothing is posted."""
    import datetime as _dt

    from bot.app import open_database
    from bot.notify import ANNOUNCEMENTS
    from bot.platforms import outbox
    from bot.trainings.announce import DIGEST_DAYS, digest_text
    from bot.trainings.calendar import upcoming

    database = open_database(settings)
    now = _dt.datetime.now(_dt.timezone.utc)
    with database.session() as session:
        sessions = [s for s in upcoming(session, now) if s.starts_at < now + _dt.timedelta(days=DIGEST_DAYS)]
        targets = outbox(settings).audiences.targets(session, ANNOUNCEMENTS)
        print(digest_text(sessions, settings).replace("*", ""))
    print()
    if targets:
        print("Would post to: " + ", ".join(f"{p}:{t}" for p, t in targets))
    else:
        print("No announcement channels configured: set ANNOUNCE_SLACK_CHANNELS, or in a Slack or Teams channel say "
              "\"@partnerbot use this channel for announcements\".")
    return 0
