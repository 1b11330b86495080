"""A stopping server does not wait on a call that never returns: it names the call in the log and stops."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.db import Database
from bot.platforms import notifiers as build_notifiers
from bot.seed import prepare
from bot.server import Runtime, build_app
from tests.conftest import make_bot, make_settings
from tests.fakes import ServerThread


def a_platform_that_never_answers(released: threading.Event) -> None:
    released.wait(60)


def test_a_stuck_call_is_named_in_the_log_and_does_not_keep_the_server_from_stopping(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(sqlite_url)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database), build_notifiers(settings, database),
                      shutdown_wait=0.5)
    released = threading.Event()
    caplog.set_level(logging.ERROR, logger="partnerbot.shutdown")
    try:
        with ServerThread(build_app(runtime, drain_outbox=False)):
            runtime.executor.submit(a_platform_that_never_answers, released)
        assert not released.is_set()  # the server stopped while the call was still waiting
        [record] = [r for r in caplog.records if r.getMessage().startswith("work still running at shutdown")]
        [thread] = record.turn["threads"]  # type: ignore[attr-defined]
        assert any(line.endswith("in a_platform_that_never_answers") for line in thread["stack"])
    finally:
        released.set()


def test_a_test_server_whose_cleanup_never_ends_is_abandoned_with_every_threads_stack(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from aiohttp import web

    from tests import fakes

    async def never_ends(app: web.Application) -> None:
        await asyncio.sleep(3600)

    app = web.Application()
    app.on_cleanup.append(never_ends)
    monkeypatch.setattr(fakes, "STACKS_AFTER_SECONDS", 0.2)
    monkeypatch.setattr(fakes, "CLEANUP_SECONDS", 0.6)
    with pytest.warns(UserWarning, match=r"(?s)cleanup abandoned after 0.6 s.*--- MainThread"):
        with ServerThread(app):
            pass


def test_the_inbox_loop_stops_even_when_its_cancellation_is_lost(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                                                 recwarn: pytest.WarningsRecorder) -> None:
    """Python 3.11's wait_for can swallow a cancel that arrives as its wait ends; CI saw a cleanup wait for ever."""
    import asyncio

    settings = make_settings(sqlite_url)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database), build_notifiers(settings, database))
    real_wait_for = asyncio.wait_for
    swallowed = []

    async def losing_wait_for(awaitable, timeout):  # type: ignore[no-untyped-def]
        try:
            return await real_wait_for(awaitable, timeout)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(True)  # the first cancellation is lost, as in the race
            raise asyncio.TimeoutError from None

    monkeypatch.setattr("bot.server.asyncio.wait_for", losing_wait_for)
    from tests import fakes

    monkeypatch.setattr(fakes, "STACKS_AFTER_SECONDS", 8)
    monkeypatch.setattr(fakes, "CLEANUP_SECONDS", 12)
    released = threading.Event()
    try:
        with ServerThread(build_app(runtime, drain_outbox=False)) as server:
            server.loop.call_soon_threadsafe(lambda: None)
            import time
            time.sleep(1.5)  # the inbox loop is waiting for a wake-up
        assert swallowed == [True]
        assert not [w for w in recwarn if "cleanup" in str(w.message)]  # it stopped, and in time
    finally:
        released.set()
