"""The durable inbox under load: claims in batches never share a row, and past INBOX_MAX the
senders are told once that answers are delayed while every event is still kept and answered."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
import requests
from sqlalchemy import select

from bot import inbox
from bot.backlog import DELAYED
from bot.core import Message
from bot.db import Database
from bot.inbox import InboxEntry
from bot.models import InboxEvent
from bot.seed import prepare
from tests.test_slack import SlackWorld, world  # noqa: F401  (the fixture)


def test_processes_claiming_in_batches_at_once_never_take_the_same_row(any_db_url: str) -> None:
    database = Database.connect(any_db_url)
    prepare(database, load_samples=False)
    inbox.put(database, [InboxEntry(f"k{n}", Message(f"q{n}", "U1", "slack", "D1", "D1")) for n in range(300)])
    taken: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def claimer(n: int) -> None:
        start.wait(timeout=60)  # all four claim from the same moment
        while claimed := inbox.claim(database, 4):
            taken[n].extend(c.id for c in claimed)
            assert [c.id for c in claimed] == sorted(c.id for c in claimed)  # oldest first

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [row for rows in taken for row in rows]
    assert len(everything) == 300 and len(set(everything)) == 300  # each row once, none left
    database.dispose()


def test_past_inbox_max_senders_are_told_once_and_every_event_is_answered(  # noqa: F811
        world: SlackWorld, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="partnerbot.backlog")
    runtime = world.runtime
    monkeypatch.setattr(runtime.backlog, "limit", 3)
    stalled = threading.Event()
    real = runtime.processor.process_due

    def stalled_answers(limit: int = 4) -> int:
        return 0 if not stalled.is_set() else real(limit)

    monkeypatch.setattr(runtime.processor, "process_due", stalled_answers)  # answering falls behind
    for n in range(4):
        world.event({"type": "message", "channel_type": "im", "user": "U1", "text": f"who works with Franklin? {n}",
                     "ts": f"1700000002.00010{n}", "channel": "D1"}, event_id=f"Ev-b{n}")
    deadline = time.monotonic() + 10
    ready = requests.get(world.server.url + "/readyz", timeout=5).json()
    while time.monotonic() < deadline and ready["inbox"] < 4:  # the last event may still be on its way in
        time.sleep(0.05)
        ready = requests.get(world.server.url + "/readyz", timeout=5).json()
    assert ready["status"] == "degraded" and ready["inbox"] == 4 and ready["inbox_max"] == 3
    for n in range(4, 7):  # more from U1, and one from U2: each is told once
        world.event({"type": "message", "channel_type": "im", "user": "U1", "text": f"and trainings? {n}",
                     "ts": f"1700000003.00010{n}", "channel": "D1"}, event_id=f"Ev-b{n}")
    world.event({"type": "message", "channel_type": "im", "user": "U2", "text": "help",
                 "ts": "1700000004.000100", "channel": "D2"}, event_id="Ev-b-u2")
    told = world.slack.wait_for("chat.postMessage", 2)
    time.sleep(0.5)
    told = [p for p in world.slack.named("chat.postMessage") if DELAYED[:40] in json.dumps(p)]
    assert sorted(p["channel"] for p in told) == ["D1", "D2"]
    assert "answers are behind" in caplog.text
    stalled.set()  # answering catches up: every event is answered
    world.slack.wait_for("chat.postMessage", 2 + 8, timeout=30)
    with runtime.database.session() as session:
        assert inbox.depth(session) == 0
        assert len(list(session.scalars(select(InboxEvent)))) == 8
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and runtime.backlog.over:
        time.sleep(0.05)
    assert requests.get(world.server.url + "/readyz", timeout=5).json()["status"] == "ready"
    assert "answers have caught up" in caplog.text


def _hold_write_lock(path: str, seconds: float, held: threading.Event) -> threading.Thread:
    """Another process's writer: holds SQLite's write lock for `seconds`."""
    def hold() -> None:
        import sqlite3
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()
    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def test_an_sqlite_write_someone_waits_on_asks_for_the_lock_again_instead_of_sleeping_in_sqlite(tmp_path) -> None:
    database = Database.connect(f"sqlite:///{tmp_path}/inbox.db")
    prepare(database, load_samples=False)
    held = threading.Event()
    holder = _hold_write_lock(str(tmp_path / "inbox.db"), 0.3, held)
    held.wait(5)
    tries = []

    def store(session) -> None:  # type: ignore[no-untyped-def]
        tries.append(1)
        inbox.insert_many_ignore(session, InboxEvent, [InboxEntry("k1", Message("q", "U1", "slack", "D1", "D1")).row(
            inbox.utcnow())], ("event_key",))

    database.write_promptly(store)
    holder.join()
    assert len(tries) > 1  # refused while the lock was held, asked again: not one call asleep in SQLite's handler
    with database.session() as session:
        assert session.scalars(select(InboxEvent.event_key)).all() == ["k1"]
        assert session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000  # as before
    database.dispose()


def test_an_sqlite_write_still_refused_after_its_wait_fails_and_stores_nothing(tmp_path) -> None:
    from sqlalchemy.exc import OperationalError

    database = Database.connect(f"sqlite:///{tmp_path}/inbox.db")
    prepare(database, load_samples=False)
    held = threading.Event()
    holder = _hold_write_lock(str(tmp_path / "inbox.db"), 1.0, held)
    held.wait(5)
    with pytest.raises(OperationalError):
        database.write_promptly(lambda session: inbox.insert_many_ignore(
            session, InboxEvent, [InboxEntry("k1", Message("q", "U1", "slack", "D1", "D1")).row(inbox.utcnow())],
            ("event_key",)), wait=0.2)
    holder.join()
    with database.session() as session:
        assert session.scalars(select(InboxEvent.event_key)).all() == []
    database.dispose()
