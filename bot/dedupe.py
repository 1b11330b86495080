"""Process each platform event once, across processes (Slack retries, Teams replays).

The first process to insert the event key wins; the key is kept for a day
(Slack retries within minutes, Teams after ~15 s), then pruned.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db import Database, insert_ignore
from bot.models import ProcessedEvent

KEEP = dt.timedelta(days=1)


def first_time(database: Database, key: str, now: dt.datetime | None = None) -> bool:
    """True the first time `key` is seen (and records it); False for a repeat."""
    with database.session() as session:
        return record(session, key, now)


def seen(database: Database, key: str) -> bool:
    """Whether `key` was recorded (a read: the caller records it in the transaction of its work)."""
    with database.session() as session:
        return session.get(ProcessedEvent, key[:300]) is not None


def record(session: Session, key: str, now: dt.datetime | None = None) -> bool:
    """Record `key` in the caller's transaction, so it exists exactly when the work it stands for does."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return insert_ignore(session, ProcessedEvent, {"event_key": key[:300], "seen_at": now}, ("event_key",))


def prune(database: Database, now: dt.datetime | None = None) -> int:
    now = now or dt.datetime.now(dt.timezone.utc)
    with database.session() as session:
        return session.execute(delete(ProcessedEvent).where(ProcessedEvent.seen_at < now - KEEP)).rowcount or 0
