"""The durable inbox: what was acknowledged to a platform is stored before the ack.

`put` records entries (one transaction for a batch; a retried event with the
same key is the same row). `claim` leases due rows to one process at a time,
each lease counted from the moment that row is taken. The process answers and
calls `settle` inside the transaction that records the answer; `release` puts a
row back with a back-off when the work failed. See bot/answering.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.core import Message
from bot.db import Database, insert_many_ignore
from bot.models import InboxEvent

LEASE = dt.timedelta(minutes=2)
"""Long enough for one turn and one post (the Slack client's 10 s timeout, a join and a retry)."""
MAX_ATTEMPTS = 6
KEEP = dt.timedelta(days=1)
Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class InboxEntry:
    """One acknowledged event: its platform key (retries share it) and the message it carries."""

    key: str
    message: Message

    def row(self, now: dt.datetime) -> dict[str, Any]:
        return {"event_key": self.key[:300], "platform": self.message.platform, "message": message_to_dict(self.message),
                "received_at": now, "next_attempt_at": now, "attempts": 0}

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "message": message_to_dict(self.message)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "InboxEntry":
        return cls(str(data["key"]), message_from_dict(data["message"]))


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    message: Message
    attempts: int
    received_at: dt.datetime | None = None


def message_to_dict(message: Message) -> dict[str, Any]:
    return dataclasses.asdict(message)


def message_from_dict(data: dict[str, Any]) -> Message:
    names = {f.name for f in dataclasses.fields(Message)}
    return Message(**{k: v for k, v in data.items() if k in names})


def put(database: Database, entries: Sequence[InboxEntry], now: dt.datetime | None = None) -> None:
    """Store entries in one statement and transaction; a retry (a key already stored) adds nothing.

    On SQLite the write lock is asked for again every millisecond while an answering process holds it:
    SQLite's own busy handler sleeps in steps of up to 100 ms, and a platform waits on this write."""
    now = now or utcnow()
    rows = list({entry.key[:300]: entry.row(now) for entry in entries}.values())  # a retry within the batch too
    database.write_promptly(lambda session: insert_many_ignore(session, InboxEvent, rows, ("event_key",)))


def claim(database: Database, limit: int = 10, clock: Clock = utcnow, lease: dt.timedelta = LEASE) -> list[Claimed]:
    """Lease up to `limit` due rows to this process in one conditional UPDATE ... RETURNING (on
    PostgreSQL the rows are chosen FOR UPDATE SKIP LOCKED, so processes claiming at once take
    different rows, and never the same one); oldest first."""
    with database.session() as session:
        now = clock()
        due = (select(InboxEvent.id).where(InboxEvent.done_at.is_(None), InboxEvent.next_attempt_at <= now)
               .order_by(InboxEvent.id).limit(limit).with_for_update(skip_locked=True))
        rows = session.execute(
            update(InboxEvent)
            .where(InboxEvent.id.in_(due.scalar_subquery()), InboxEvent.done_at.is_(None),
                   InboxEvent.next_attempt_at <= now)
            .values(next_attempt_at=now + lease, attempts=InboxEvent.attempts + 1)
            .returning(InboxEvent.id, InboxEvent.event_key, InboxEvent.message, InboxEvent.attempts,
                       InboxEvent.received_at)).all()
    return sorted((Claimed(row.id, row.event_key, message_from_dict(row.message), row.attempts, row.received_at)
                   for row in rows),
                  key=lambda claimed: claimed.id)


def settle(session: Session, claimed: Claimed, outcome: str, now: dt.datetime | None = None) -> None:
    """Mark a claimed row done, in the caller's transaction (the one that recorded the answer)."""
    session.execute(update(InboxEvent).where(InboxEvent.id == claimed.id)
                    .values(done_at=now or utcnow(), outcome=outcome, last_error=None))


def release(database: Database, claimed: Claimed, error: str, now: dt.datetime | None = None) -> bool:
    """Put a row back after a failure, to be tried again after a back-off; True when it was given up."""
    now = now or utcnow()
    give_up = claimed.attempts >= MAX_ATTEMPTS
    values: dict[str, Any] = {"last_error": error[:1000]}
    if give_up:
        values.update(done_at=now, outcome="gave_up")
    else:
        values["next_attempt_at"] = now + backoff(claimed.attempts)
    with database.session() as session:
        session.execute(update(InboxEvent).where(InboxEvent.id == claimed.id, InboxEvent.done_at.is_(None))
                        .values(**values))
    return give_up


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(300, 2 * (2 ** max(0, attempts - 1))))


def depth(session: Session) -> int:
    """Events acknowledged and not yet answered."""
    return session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.done_at.is_(None))) or 0


def prune(database: Database, now: dt.datetime | None = None) -> int:
    """Forget answered events after a day (platform retries come within minutes)."""
    now = now or utcnow()
    with database.session() as session:
        return session.execute(delete(InboxEvent).where(InboxEvent.done_at.is_not(None),
                                                        InboxEvent.done_at < now - KEEP)).rowcount or 0
