"""A worker process for work done after a platform was acknowledged.

Answers to Slack events run here, in their own interpreter, so the web process's
event loop keeps the GIL for signature checks and acknowledgements.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from bot.config import Settings
from bot.core import Message, Reply

WORKER_NICENESS = 10
_bot = None
_database = None


def _start(settings: Settings) -> None:
    global _bot, _database
    os.nice(WORKER_NICENESS)  # under a burst, the CPU goes to acknowledging first (Slack's 3 s), answers next
    from bot.app import create_bot
    from bot.db import Database
    from bot.logs import configure

    configure()
    _database = Database.connect(settings.database_url)
    _bot = create_bot(settings, database=_database)


def answer(message: Message, event_key: str | None) -> Reply | None:
    """Answer one event, unless another process already handled it (None)."""
    assert _bot is not None and _database is not None, "worker not started"
    if event_key:
        from bot.dedupe import first_time

        if not first_time(_database, event_key):
            return None
    return _bot.handle_if_expected(message)


def pool(settings: Settings) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start, initargs=(settings,))
