"""The local spool of acknowledged events on their way into the database's inbox.

The ack path must not lose what a platform was told we have: with the journal
intake every batch, and with the database intake a batch the database refused, is
appended to a journal on local disk (bot/journal.py: segment files, one owner
each; fsynced where the database's own commits are) before the ack, and `replay`
moves it into the inbox (at once, or once the database answers again). A segment
left by a killed process is replayed by the next process that looks.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from bot.inbox import InboxEntry
from bot.journal import Journal

log = logging.getLogger("partnerbot.spool")


class Spool:
    def __init__(self, directory: Path, sync: bool = True, **rotation: Any) -> None:
        """`sync`: fsync each append, as a database that fsyncs its commits does (PostgreSQL). On SQLite
        (WAL, synchronous=NORMAL) the spool is as durable as the database it stands in for without it."""
        self.journal = Journal(directory, "inbox", sync=sync, **rotation)

    def write(self, entries: Sequence[InboxEntry]) -> None:
        """Durable when it returns: the caller may acknowledge the events."""
        self.journal.append([entry.to_json() for entry in entries])

    def write_closed(self, entries: Sequence[InboxEntry]) -> None:
        """`write`, in a segment closed at once: a mover may take these entries now (the journal intake)."""
        self.journal.append([entry.to_json() for entry in entries], close=True)

    def rotate(self) -> None:
        self.journal.rotate()

    def pending(self) -> int:
        """Segments of acknowledged events not yet in the database."""
        return self.journal.pending()

    def replay(self, put: Callable[[Sequence[InboxEntry]], Any]) -> int:
        """Move spooled entries into the inbox; what fails to go in stays for the next call."""
        return self.journal.replay(lambda lines: put(_entries(lines)))

    def close(self) -> None:
        self.journal.close()


def _entries(lines: list[dict[str, Any]]) -> list[InboxEntry]:
    entries = []
    for line in lines:
        try:
            entries.append(InboxEntry.from_json(line))
        except (KeyError, TypeError, ValueError):
            log.error("an unreadable spooled event was dropped")
    return entries
