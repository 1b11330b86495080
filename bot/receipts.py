"""Receipts: what a platform answered when it took a post, kept on local disk while the database
cannot record it.

A post is sent, then its outcome is written to the outbox row. When that write fails (the
database went away just then), the row still says a send was under way, and whoever takes it
next would post it again: on a platform that cannot be searched for an earlier post (Teams),
that is a second copy. So the receipt goes to a journal on disk (bot/journal.py) instead; it
is moved into the outbox once the database answers, and a row whose last send's outcome is
unknown is looked up here before it is sent again.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.journal import Journal
from bot.models import OutboxMessage

log = logging.getLogger("partnerbot.receipts")


class Receipts:
    def __init__(self, directory: Path) -> None:
        self.journal = Journal(directory, "receipts")

    def keep(self, key: str, external_ref: str | None, at: dt.datetime) -> None:
        """Durable when it returns (fsynced)."""
        self.journal.append([{"key": key, "ref": external_ref, "at": at.isoformat()}])
        log.warning("a post's delivery is kept on disk until the database can record it", extra={"turn": {"key": key}})

    def find(self, key: str) -> dict[str, Any] | None:
        """The receipt of the post with this outbox key, if one waits on this machine."""
        return next((line for line in self.journal.lines() if line.get("key") == key), None)

    def apply(self, sessions) -> int:  # type: ignore[no-untyped-def]
        """Record waiting receipts in the outbox (a row already recorded is left as it is)."""
        if not self.journal.pending():
            return 0
        return self.journal.replay(lambda lines: _record(sessions, lines))

    def close(self) -> None:
        self.journal.close()


def _record(sessions, lines: list[dict[str, Any]]) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        for line in lines:
            at = dt.datetime.fromisoformat(str(line.get("at")))
            session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == str(line.get("key")),
                                                        OutboxMessage.sent_at.is_(None))
                            .values(sent_at=at, external_ref=line.get("ref"), last_error=None,
                                    attempts=OutboxMessage.attempts + 1))
        session.commit()
