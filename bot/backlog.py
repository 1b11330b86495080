"""How far behind answering is, and what to do past the bound (INBOX_MAX).

Events are always acknowledged and stored, however many wait; past the bound, each
sender is told once an hour that answers are delayed (rather than wondering), `/readyz`
says "degraded", and the log says when the backlog crosses the bound and when it is
back under it. The count is measured about once a second by whoever answers, not per
event: an ack never waits for it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core import Message, Reply
from bot.db import Database
from bot.models import InboxEvent

log = logging.getLogger("partnerbot.backlog")
DELAYED = ("I have a lot of questions to answer right now, so my answer to yours may take a little while. "
           "It is in the queue: no need to ask again.")
MAX_TOLD = 10_000


@dataclass
class Backlog:
    limit: int
    waiting: int = 0
    oldest_seconds: float = 0.0
    _told: set[str] = field(default_factory=set)
    _hour: str = ""

    @property
    def over(self) -> bool:
        return self.waiting >= self.limit

    def measure(self, database: Database, now: dt.datetime) -> None:
        """Count the events waiting and the age of the oldest (one query); log a crossing of the bound."""
        with database.session() as session:
            waiting, oldest_seconds = waiting_now(session, now)
        was_over = self.over
        self.waiting, self.oldest_seconds = waiting, oldest_seconds
        if self.over and not was_over:
            log.warning("answers are behind: more events are waiting than INBOX_MAX; senders are told their answer "
                        "is delayed", extra={"turn": {"waiting": self.waiting, "inbox_max": self.limit}})
        elif was_over and not self.over:
            log.info("answers have caught up: fewer events wait than INBOX_MAX",
                     extra={"turn": {"waiting": self.waiting, "inbox_max": self.limit}})

    def notice_key(self, message: Message, now: dt.datetime) -> str | None:
        """The outbox key of the "answers are delayed" notice for this sender this hour, the first
        time this process sees them this hour (the outbox keeps it once across processes)."""
        hour = now.strftime("%Y%m%d%H")
        if hour != self._hour or len(self._told) >= MAX_TOLD:
            self._told, self._hour = set(), hour
        key = f"delayed:{message.platform}:{message.user}:{hour}"
        if key in self._told:
            return None
        self._told.add(key)
        return key


def waiting_now(session: Session, now: dt.datetime) -> tuple[int, float]:
    """Events acknowledged and not yet answered, and how long the oldest has waited (seconds; one query)."""
    waiting, oldest = session.execute(select(func.count(), func.min(InboxEvent.received_at))
                                      .where(InboxEvent.done_at.is_(None))).one()
    return int(waiting or 0), max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def delayed_reply() -> Reply:
    return Reply(DELAYED, "unknown", 1.0, {"notice": "delayed"})
