"""The on-disk journal behind the spool: nothing appended is lost, whoever writes and replays.

Writers append continuously (threads, and separate processes) while the database goes
away and comes back and replays run all the time; every line that `append` returned for
must end up in the database, once a replay has run after the database is back.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import Message
from bot.db import Database
from bot.inbox import InboxEntry
from bot.journal import CLOSED, OPEN, Journal
from bot.models import InboxEvent
from bot.seed import prepare
from bot.spool import Spool


class FlakyDatabase:
    """Stands in for the inbox table: refuses writes while `down`, like a database that is away."""

    def __init__(self) -> None:
        self.down = False
        self.rows: set[str] = set()
        self.lock = threading.Lock()

    def put(self, lines: list[dict[str, Any]]) -> None:
        if self.down:
            raise ConnectionError("the database is away")
        with self.lock:
            self.rows.update(line["key"] for line in lines)


def segments(directory: Path) -> list[Path]:
    """The journal's segment files (not the movers' lock file, which stays)."""
    return [path for path in directory.iterdir() if not path.name.startswith(".")]


def test_lines_appended_by_threads_while_the_database_comes_and_goes_all_reach_it(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "inbox", rotate_seconds=0.05, rotate_bytes=2048)
    database = FlakyDatabase()
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        count = 0
        while not stop.is_set():
            keys = [f"w{n}-{count + i}" for i in range(random.randint(1, 3))]
            journal.append([{"key": key} for key in keys])
            acknowledged.extend(keys)  # append returned: the platform would get its ack now
            count += len(keys)

    def replayer() -> None:
        while not stop.is_set():
            try:
                journal.replay(database.put)
            except ConnectionError:
                pass

    def outages() -> None:
        while not stop.is_set():
            database.down = not database.down
            time.sleep(random.uniform(0.02, 0.15))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=replayer), threading.Thread(target=replayer), threading.Thread(target=outages)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 3000 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    database.down = False
    journal.replay(database.put)
    assert len(acknowledged) >= 2000
    lost = set(acknowledged) - database.rows
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged lines lost"
    assert journal.pending() == 0 and segments(tmp_path) == []


def _process_writes(directory: str, url: str, tag: str, count: int, down_flag: str) -> None:
    """A `serve` process in miniature: appends to the spool and replays into the shared database."""
    database = Database.connect(url)
    spool = Spool(Path(directory), rotate_seconds=0.05)

    def put(entries: Any) -> None:
        if os.path.exists(down_flag):
            raise ConnectionError("the database is away")
        from bot import inbox

        inbox.put(database, entries)

    for n in range(count):
        spool.write([InboxEntry(f"{tag}-{n}", Message(f"question {n}", "U1", "slack", "D1", "D1"))])
        if n % 7 == 0:
            try:
                spool.replay(put)
            except ConnectionError:
                pass
    if tag.endswith("killed"):
        os._exit(0)  # dies holding its open segment: another process must replay it
    spool.close()
    database.dispose()


def test_processes_sharing_a_spool_lose_nothing_and_replay_a_dead_writers_segment(tmp_path: Path, sqlite_url: str) -> None:
    database = Database.connect(sqlite_url)
    prepare(database, load_samples=False)
    down = tmp_path / "down"
    spool_dir = tmp_path / "spool"
    context = multiprocessing.get_context("spawn")
    stop_outages = threading.Event()

    def outages() -> None:
        while not stop_outages.is_set():
            down.touch()
            time.sleep(0.1)
            down.unlink()
            time.sleep(0.1)

    flipper = threading.Thread(target=outages)
    flipper.start()
    tags = ["p1", "p2", "p3-killed"]
    processes = [context.Process(target=_process_writes, args=(str(spool_dir), sqlite_url, tag, 400, str(down)))
                 for tag in tags]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    stop_outages.set()
    flipper.join()
    if down.exists():
        down.unlink()
    from bot import inbox

    Spool(spool_dir).replay(lambda entries: inbox.put(database, entries))
    with database.session() as session:
        stored = set(session.scalars(select(InboxEvent.event_key)))
    expected = {f"{tag}-{n}" for tag in tags for n in range(400)}
    assert expected - stored == set()
    assert segments(spool_dir) == []
    database.dispose()


def test_a_live_writers_open_segment_is_not_taken(tmp_path: Path) -> None:
    writer = Journal(tmp_path, "inbox", rotate_seconds=3600)
    writer.append([{"key": "a"}])
    other = Journal(tmp_path, "inbox")  # another thread or process: its own lock on the file fails
    taken: list[dict[str, Any]] = []
    assert other.replay(taken.extend) == 0 and taken == []
    assert [p.name.endswith(OPEN) for p in segments(tmp_path)] == [True]
    assert writer.replay(taken.extend) == 1 and taken == [{"key": "a"}]  # its own replay closes it first


def test_a_torn_last_line_and_an_unreadable_line_are_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    (tmp_path / f"inbox-1-dead{CLOSED}").write_bytes(b'{"key": "a"}\nnot json\n{"key": "b"}\n{"key": "c"')
    moved: list[dict[str, Any]] = []
    assert Journal(tmp_path, "inbox").replay(moved.extend) == 2
    assert moved == [{"key": "a"}, {"key": "b"}]


def test_a_failed_replay_keeps_the_segment_and_the_next_one_moves_it(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "inbox")
    journal.append([{"key": str(n)} for n in range(1200)])  # more than one batch

    calls: list[int] = []

    def put_then_fail(lines: list[dict[str, Any]]) -> None:
        calls.append(len(lines))
        if len(calls) == 2:
            raise ConnectionError("gone mid-segment")

    with pytest.raises(ConnectionError):
        journal.replay(put_then_fail)
    assert journal.pending() == 1
    moved: list[dict[str, Any]] = []
    assert journal.replay(moved.extend) == 1200 and len({line["key"] for line in moved}) == 1200
    assert journal.pending() == 0


def test_movers_at_once_move_lines_in_the_order_they_were_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the journal intake every batch is a closed segment, moved by whichever process answers: one mover
    at a time, oldest segment first, so messages reach the inbox in the order they came."""
    monkeypatch.setattr("bot.journal.REPLAY_BATCH", 3)
    journal = Journal(tmp_path, "inbox")
    for n in range(30):
        journal.append([{"key": n}], close=True)
    moved: list[int] = []

    def put(lines: list[dict[str, Any]]) -> None:
        time.sleep(random.uniform(0, 0.01))
        moved.extend(line["key"] for line in lines)

    movers = [threading.Thread(target=journal.replay, args=(put,)) for _ in range(3)]
    for mover in movers:
        mover.start()
    for mover in movers:
        mover.join()
    journal.replay(put)
    assert moved == list(range(30)) and segments(tmp_path) == []


def test_a_segment_closed_while_another_mover_works_is_moved_by_that_mover(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer closes its segment and wakes a mover, which finds the lock held and leaves it: the mover at
    work looks again after letting go, so the event waits for no poll (it waited up to a second)."""
    journal = Journal(tmp_path, "inbox")
    journal.append([{"key": 1}], close=True)
    moved: list[int] = []
    taken = journal._take_batch
    late: list[int] = []

    def take_batch() -> Any:
        batch = taken()
        if not batch and not late:  # after the mover's last look, before it lets go
            journal.append([{"key": 2}], close=True)
            late.append(Journal(tmp_path, "inbox").replay(lambda lines: moved.extend(x["key"] for x in lines)))
        return batch

    monkeypatch.setattr(journal, "_take_batch", take_batch)
    journal.replay(lambda lines: moved.extend(line["key"] for line in lines))
    assert late == [0] and moved == [1, 2] and segments(tmp_path) == []


def test_counting_what_waits_while_segments_are_closed_and_moved_never_fails(tmp_path: Path) -> None:
    """`pending` (asked by /readyz and before every replay) lists the directory and then looks at each
    file; a writer closing a segment or a mover deleting one in between must not make it raise."""
    journal, database = Journal(tmp_path, "inbox"), FlakyDatabase()
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            journal.append([{"key": f"k{n}"}], close=n % 2 == 0)
            n += 1

    def move() -> None:
        while not stop.is_set():
            Journal(tmp_path, "inbox").replay(database.put)

    threads = [threading.Thread(target=write), threading.Thread(target=move)]
    for thread in threads:
        thread.start()
    try:
        counts = [Journal(tmp_path, "inbox").pending() for _ in range(3000)]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert all(count >= 0 for count in counts)
    journal.close()
    Journal(tmp_path, "inbox").replay(database.put)
    assert Journal(tmp_path, "inbox").pending() == 0 and len(database.rows) > 0


def test_the_spool_fsyncs_only_where_its_database_fsyncs_its_commits(tmp_path: Path, any_db_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite (WAL, synchronous=NORMAL: commits survive a crash of the process, not of the machine) the spool
    is as durable without fsync; on PostgreSQL, whose commits are fsynced, every append is fsynced too."""
    from bot.server import Runtime
    from tests.conftest import make_bot, make_settings

    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    Journal(tmp_path / "quick", "inbox", sync=False).append([{"key": "a"}], close=True)
    assert synced == [] and Journal(tmp_path / "quick", "inbox").pending() == 1
    Journal(tmp_path / "synced", "inbox").append([{"key": "b"}], close=True)
    assert len(synced) == 2  # the new segment's name (its directory) and its lines
    settings = make_settings(any_db_url)
    database = Database.connect(any_db_url)
    try:
        prepare(database, load_samples=False)
        runtime = Runtime(settings, database, make_bot(settings, database))
        assert runtime.writer.spool.journal.sync is any_db_url.startswith("postgresql")
    finally:
        database.dispose()


def test_a_burst_of_stored_events_wakes_the_answering_workers_once_not_per_event(sqlite_url: str) -> None:
    """Every event stored in one turn of the event loop shares one wake-up: a pipe write and a worker wake-up per
    event took CPU from acknowledging under load (bench/slack_bench.py)."""
    import asyncio

    from bot.server import Runtime
    from tests.conftest import make_bot, make_settings

    class CountingWorker:
        pokes = 0

        def poke(self) -> None:
            self.pokes += 1

        def alive(self) -> bool:
            return True

    settings = make_settings(sqlite_url)
    database = Database.connect(sqlite_url)
    try:
        prepare(database, load_samples=False)
        runtime = Runtime(settings, database, make_bot(settings, database))
        worker = CountingWorker()
        runtime.workers = [worker]

        async def burst() -> None:
            await asyncio.gather(*(runtime.accept(InboxEntry(f"slack:E{i}", Message("hi", "U1", "slack", "D1", "D1")))
                                   for i in range(20)))
            await asyncio.sleep(0)

        asyncio.run(burst())
        assert 1 <= worker.pokes <= 2
        runtime.writer.replay()
        assert _stored(database) == 20  # every event stored all the same
        runtime.writer.close()
    finally:
        database.dispose()


def _stored(database: Database) -> int:
    with database.session() as session:
        return len(session.scalars(select(InboxEvent.id)).all())
