"""The local spool for acknowledged events when the database cannot take them.

The ack path must not lose what a platform was told we have: when the inbox write
fails (the database is away) the entries are appended to a journal on local disk
(bot/journal.py: fsynced segment files, one owner each) before the ack, and
`replay` moves them into the inbox once the database answers again. A segment left
by a killed process is replayed by the next process that looks.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from bot.inbox import InboxEntry
from bot.journal import Journal

log = logging.getLogger("partnerbot.spool")


class Spool:
    def __init__(self, directory: Path, **rotation: Any) -> None:
        self.journal = Journal(directory, "inbox", **rotation)

    def write(self, entries: Sequence[InboxEntry]) -> None:
        """Durable when it returns: the caller may acknowledge the events."""
        self.journal.append([entry.to_json() for entry in entries])

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
