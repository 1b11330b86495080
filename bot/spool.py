"""A local spool for acknowledged events when the database cannot take them.

The ack path must not lose what Slack was told we have: when the inbox write
fails (the database is down) the entries are appended to a file in the data
directory and flushed to disk; `replay` moves them into the inbox once the
database answers again. Files are claimed by renaming, so two processes on one
machine never replay the same file, and a file left by a killed process is
replayed by the next one.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Callable, Sequence

from bot.inbox import InboxEntry

log = logging.getLogger("partnerbot.spool")
SUFFIX = ".spool.jsonl"


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / f"inbox-{os.getpid()}{SUFFIX}"

    def write(self, entries: Sequence[InboxEntry]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            for entry in entries:
                f.write(json.dumps(entry.to_json()) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def pending(self) -> bool:
        return self.directory.is_dir() and any(self.directory.glob(f"*{SUFFIX}"))

    def replay(self, put: Callable[[Sequence[InboxEntry]], int]) -> int:
        """Move spooled entries into the inbox; a file that fails to go in is kept for next time."""
        moved = 0
        self._recover_abandoned()
        for path in sorted(self.directory.glob(f"*{SUFFIX}")) if self.directory.is_dir() else []:
            taken = path.with_suffix(f".replaying-{os.getpid()}")
            try:
                os.rename(path, taken)
            except FileNotFoundError:
                continue  # another process took it
            entries = []
            for line in taken.read_text(encoding="utf-8").splitlines():
                try:
                    entries.append(InboxEntry.from_json(json.loads(line)))
                except (ValueError, KeyError, TypeError):
                    log.error("unreadable spool line dropped", extra={"turn": {"file": path.name}})
            try:
                put(entries)
            except Exception:
                os.rename(taken, path)  # the database is still away: keep it for the next try
                raise
            taken.unlink()
            moved += len(entries)
        if moved:
            log.info("spooled events moved to the inbox", extra={"turn": {"events": moved}})
        return moved

    def _recover_abandoned(self) -> None:
        """A file a killed process was replaying goes back to the spool."""
        if not self.directory.is_dir():
            return
        for path in self.directory.glob("*.replaying-*"):
            owner = path.suffix.rsplit("-", 1)[1]
            if owner.isdigit() and _alive(int(owner)):
                continue
            try:
                os.rename(path, path.with_suffix(".jsonl"))
            except FileNotFoundError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
