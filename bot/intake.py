"""The acknowledgement side of the inbox: store an event, then let the platform have its ack.

Many events arriving at once are stored together, on a thread of their own so a
queue of turns never delays an ack. Where they are stored first is the intake
(`PARTNERBOT_INTAKE`):

- `journal` (the default on SQLite): appended to the local journal (bot/spool.py)
  in a segment closed at once, which whoever answers moves into the database's
  inbox a moment later. The ack waits on a local append, never on the database's
  single write lock, which answering processes hold in turns. On SQLite the
  database is a file on the same disk whose commits are not fsynced (WAL,
  synchronous=NORMAL), and neither is the journal: nothing is less durable for it.
- `database` (the default on PostgreSQL, whose commits are fsynced on its server and
  whose rows survive the loss of a web process's disk): written to the inbox in one
  transaction per batch; when the database refuses, the batch goes to the journal
  and is still acknowledged.

Either way nothing a platform was told we have is lost: when the first store
fails, the other is tried before the ack.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from bot import inbox
from bot.config import DATABASE_INTAKE, JOURNAL_INTAKE, Settings
from bot.db import Database
from bot.inbox import InboxEntry
from bot.spool import Spool

log = logging.getLogger("partnerbot.intake")
MAX_BATCH = 200
MAX_WAITING = 2000
DATABASE_PAUSE = 1.0
"""After a failed write, spool directly for this long instead of waiting on a database that is away."""


@dataclass
class InboxWriter:
    database: Database
    spool: Spool
    intake: str = DATABASE_INTAKE
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "partnerbot-inbox"))
    _waiting: list[tuple[InboxEntry, asyncio.Future[None]]] = field(default_factory=list)
    _flushing: asyncio.Task[None] | None = None
    _database_away_until: float = 0.0
    _last_warning: float = 0.0

    @classmethod
    def configured(cls, settings: Settings, database: Database) -> "InboxWriter":
        """The writer `serve` and the workers use: the configured intake, and a spool fsynced where the database's
        own commits are."""
        return cls(database, Spool(settings.spool_dir, sync=database.syncs_commits), settings.intake)

    async def put(self, entry: InboxEntry) -> None:
        """Return once the entry is durable (in the database, or in the journal on disk)."""
        loop = asyncio.get_running_loop()
        behind = len(self._waiting) >= MAX_WAITING
        if behind or (self.intake == DATABASE_INTAKE and time.monotonic() < self._database_away_until):
            if behind:
                self._warn("inbox writes are behind; events are spooled to disk until they catch up")
            await loop.run_in_executor(self.executor, self.spool.write, [entry])
            return
        done: asyncio.Future[None] = loop.create_future()
        self._waiting.append((entry, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            entries = [entry for entry, _ in batch]
            try:
                await self._store(entries)
            except BaseException as exc:  # not stored anywhere: the platform must not get its ack
                log.error("could not store acknowledged events", extra={"turn": {"error": repr(exc)[:300]}})
                failure = exc if isinstance(exc, Exception) else RuntimeError("inbox write interrupted")
                for _, done in batch:
                    if not done.done():
                        done.set_exception(failure)
                if failure is not exc:
                    raise  # cancelled: the waiters know, the task stops
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def _store(self, entries: list[InboxEntry]) -> None:
        """Into the journal or the database (the intake), or into the other when the first refuses."""
        loop = asyncio.get_running_loop()
        if self.intake == JOURNAL_INTAKE:
            try:
                await loop.run_in_executor(self.executor, self.spool.write_closed, entries)
            except OSError as exc:  # the disk is full or gone: the database takes them
                self._warn(f"the journal refused acknowledged events; writing to the database ({exc!r:.100})")
                await loop.run_in_executor(self.executor, inbox.put, self.database, entries)
            return
        try:
            await loop.run_in_executor(self.executor, inbox.put, self.database, entries)
        except SQLAlchemyError as exc:
            self._database_away_until = time.monotonic() + DATABASE_PAUSE
            self._warn(f"the database refused acknowledged events; spooled to disk ({exc.__class__.__name__})")
            await loop.run_in_executor(self.executor, self.spool.write, entries)

    def _warn(self, text: str) -> None:
        if time.monotonic() - self._last_warning > 5.0:
            self._last_warning = time.monotonic()
            log.warning(text)

    def hand_over(self) -> None:
        """Close this process's open journal segment (lines spooled while the database was away), so another
        process's `replay` may move it."""
        self.spool.rotate()

    def replay(self) -> int:
        """Move journalled events into the inbox (from a thread, in `serve` or a worker); 0 when the database
        is away, or another thread or process is moving them."""
        if not self.spool.pending():
            return 0
        try:
            return self.spool.replay(lambda entries: inbox.put(self.database, entries))
        except SQLAlchemyError:
            return 0

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.spool.close()  # its last segment is closed: any process may replay it
