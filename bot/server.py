"""`partnerbot serve`: one aiohttp server for Slack, Teams, the web chat and health.

Stateless by design: conversation state, event de-duplication, tickets and
the outbox live in the database, so any number of `web` processes can run
behind a load balancer. The bot's work (synchronous SQLAlchemy) runs in a
thread pool so the event loop keeps acknowledging requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from bot.config import Settings
from bot.core import Message, Reply
from bot.db import Database, is_current
from bot.answering import InboxProcessor
from bot.backlog import Backlog, delayed_reply
from bot.inbox import InboxEntry
from bot.logs import describe
from bot.intake import InboxWriter
from bot.notify import LogNotifier, Notifier, deliver_pending
from bot.shutdown import WAIT_SECONDS as SHUTDOWN_WAIT_SECONDS, stop_pools
from bot.router import Bot

log = logging.getLogger("partnerbot.server")
DRAIN_SECONDS = 5.0
WORKERS = 8
TURNS_AT_ONCE = 2
"""Turns run in threads; few at once keeps the GIL free for the event loop, so
acknowledgements stay fast while a burst of work waits its turn in asyncio.
Measured with bench/webchat_load.py on SQLite and PostgreSQL: 2 beats 4 and 8."""
URGENT_WORKERS = 2
"""Threads for turns with a deadline (a modal to open, a form to validate)."""
INBOX_POLL_SECONDS = 1.0
"""How often the inbox is looked at without a wake-up (retries that fell due, spooled events)."""


@dataclass
class Runtime:
    """What request handlers share: the bot, its database, a thread pool, notifiers."""

    settings: Settings
    database: Database
    bot: Bot
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(WORKERS, "partnerbot"))
    urgent: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(URGENT_WORKERS, "partnerbot-urgent"))
    _turns: asyncio.Semaphore | None = None
    workers: list[Any] = field(default_factory=list)
    """bot.worker.WorkerProcess answering the inbox (`serve` starts ANSWER_WORKERS when Slack is configured)."""
    _writer: InboxWriter | None = None
    _processor: InboxProcessor | None = None
    _wake: asyncio.Event | None = None
    _backlog: Backlog | None = None
    _measured: float = 0.0
    _wake_scheduled: bool = False
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    shutdown_wait: float = SHUTDOWN_WAIT_SECONDS
    """How long work under way may keep a stopping process (bot/shutdown.py)."""
    stopping: bool = False
    """Set on shutdown: the inbox loop ends even if its cancellation is lost (Python 3.11's wait_for can swallow a
    cancel that arrives as its wait ends, which once kept a server's cleanup waiting for ever)."""

    @property
    def backlog(self) -> Backlog:
        if self._backlog is None:
            self._backlog = Backlog(self.settings.inbox_max)
        return self._backlog

    @property
    def writer(self) -> InboxWriter:
        if self._writer is None:
            self._writer = InboxWriter.configured(self.settings, self.database)
        return self._writer

    @property
    def processor(self) -> InboxProcessor:
        if self._processor is None:
            from bot.platforms import inbox_processor

            self._processor = inbox_processor(self.settings, self.database, self.bot, self.notifiers)
        return self._processor

    async def accept(self, entry: InboxEntry) -> None:
        """Store an event durably (the inbox, or the spool when the database is away), then
        wake whoever answers it. Call before acknowledging the event to the platform. Past
        INBOX_MAX waiting events, the sender is also told (once an hour) that answers are delayed."""
        await self.writer.put(entry)
        self.wake_soon()
        if self.backlog.over:
            key = self.backlog.notice_key(entry.message, dt.datetime.now(dt.timezone.utc))
            if key is not None:
                task = asyncio.create_task(self._tell_delayed(entry.message, key))
                self._tasks.add(task)  # kept until done: a task nobody holds may be collected mid-way
                task.add_done_callback(self._tasks.discard)

    async def _tell_delayed(self, message: Message, key: str) -> None:
        try:
            await self.run(self.processor.post, message, delayed_reply(), key)
        except Exception as exc:  # a courtesy: never worth more than a log line
            log.warning("telling a sender their answer is delayed failed", extra={"turn": {"error": describe(exc)}})

    def wake_soon(self) -> None:
        """Wake whoever answers once for all the events stored in this turn of the event loop: under a burst, one
        wake-up per batch rather than a pipe write and a worker wake-up per event, which took CPU from acknowledging."""
        if not self._wake_scheduled:
            self._wake_scheduled = True
            asyncio.get_running_loop().call_soon(self._woken)

    def _woken(self) -> None:
        self._wake_scheduled = False
        self.wake()

    def wake(self) -> None:
        if self.workers:
            for worker in self.workers:
                worker.poke()
        elif self._wake is not None:
            self._wake.set()

    async def answer_inbox(self) -> None:
        """Answer the inbox in this process (when no worker does), move spooled events in, and
        measure the backlog about once a second."""
        self._wake = asyncio.Event()
        while not self.stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), INBOX_POLL_SECONDS)
            except asyncio.TimeoutError:
                pass
            if self.stopping:
                break
            self._wake.clear()
            try:
                if self.workers:
                    await self.run(self.writer.hand_over)  # the workers move the journal: this process acknowledges
                elif await self.run(self.writer.replay):
                    self.wake()
                await self._measure()
                if self.workers:
                    for worker in self.workers:
                        if not worker.alive():
                            log.error("an answering worker died; starting a new one")
                            worker.start()
                    continue
                while await self.run(self.processor.process_due):
                    await self._measure()
            except Exception:
                log.exception("answering the inbox failed")

    async def _measure(self) -> None:
        if time.monotonic() - self._measured >= INBOX_POLL_SECONDS:
            self._measured = time.monotonic()
            await self.run(self.backlog.measure, self.database, dt.datetime.now(dt.timezone.utc))

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def handle(self, message: Message) -> Reply:
        return await self.turn(self.bot.handle, message)  # type: ignore[no-any-return]

    async def turn(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Work that takes a turn of the bot, without a deadline: few at once (TURNS_AT_ONCE)."""
        if self._turns is None:
            self._turns = asyncio.Semaphore(TURNS_AT_ONCE)
        async with self._turns:
            return await self.run(fn, *args)

    async def handle_urgent(self, message: Message) -> Reply:
        """A turn that must finish within a platform's deadline (Slack's 3 s for a modal): on
        threads of its own, not behind the queue of ordinary turns."""
        return await self.run_urgent(self.bot.handle, message)  # type: ignore[no-any-return]

    async def run_urgent(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Work with a platform's deadline, on threads of its own."""
        return await asyncio.get_running_loop().run_in_executor(self.urgent, fn, *args)

    def drain_outbox(self) -> int:
        return deliver_pending(self.database.sessions, self.notifiers, fallback=LogNotifier(),
                               lease=self.settings.lease, receipts=self.processor.receipts)


RUNTIME = web.AppKey("runtime", Runtime)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        current = await runtime.run(is_current, runtime.database.engine)
    except Exception as exc:  # any driver error means "not ready"
        return web.json_response({"status": "unavailable", "database": exc.__class__.__name__}, status=503)
    if not current:
        return web.json_response({"status": "unavailable", "database": "migrations pending"}, status=503)
    backlog = runtime.backlog
    await runtime.run(backlog.measure, runtime.database, dt.datetime.now(dt.timezone.utc))
    return web.json_response({"status": "degraded" if backlog.over else "ready", "inbox": backlog.waiting,
                              "inbox_max": backlog.limit, "oldest_waiting_seconds": round(backlog.oldest_seconds, 1),
                              "spooled": runtime.writer.spool.pending()})


async def _outbox_loop(app: web.Application) -> Any:
    runtime = app[RUNTIME]

    async def loop() -> None:
        while True:
            try:
                await runtime.run(runtime.drain_outbox)
            except Exception:
                log.exception("outbox drain failed")
            await asyncio.sleep(DRAIN_SECONDS)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def stop_task(task: asyncio.Task[Any], tries: int = 5) -> None:
    """Cancel `task` and wait for it, cancelling again while a cancellation is lost (see Runtime.stopping)."""
    for _ in range(tries):
        task.cancel()
        done, _pending = await asyncio.wait({task}, timeout=INBOX_POLL_SECONDS * 2)
        if done:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                task.result()
            return
    log.error("a background loop did not stop when asked; shutting down without it")


async def _inbox_loop(app: web.Application) -> Any:
    runtime = app[RUNTIME]
    for worker in runtime.workers:
        worker.start()  # on the main thread: the worker's death signal is tied to it
    task = asyncio.create_task(runtime.answer_inbox())
    yield
    runtime.stopping = True
    await stop_task(task)


async def _close(app: web.Application) -> None:
    runtime = app[RUNTIME]
    await stop_pools((runtime.executor, runtime.urgent), runtime.shutdown_wait)  # bounded: see bot/shutdown.py
    for worker in runtime.workers:
        worker.stop()
    if runtime._writer is not None:
        runtime._writer.close()
    if runtime._processor is not None and runtime._processor.receipts is not None:
        runtime._processor.receipts.close()
    runtime.database.dispose()


def build_app(runtime: Runtime, *, drain_outbox: bool = True) -> web.Application:
    from bot.platforms import all_platforms

    app = web.Application(client_max_size=1024 * 1024)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    for platform in all_platforms():
        platform.install(app, runtime)
    from bot.report_route import install as install_report

    install_report(app, runtime)
    from bot.metrics_route import install as install_metrics

    install_metrics(app, runtime)
    from bot.policy_route import install as install_policies

    install_policies(app, runtime)
    from bot.platforms.desk import install as install_desk

    install_desk(app, runtime)
    app.cleanup_ctx.append(_inbox_loop)
    if drain_outbox:
        app.cleanup_ctx.append(_outbox_loop)
    app.on_cleanup.append(_close)
    return app


def create_runtime(settings: Settings) -> Runtime:
    from bot.app import create_bot, open_database
    from bot.platforms import notifiers

    from bot.metrics import for_settings

    database = open_database(settings)
    bot = create_bot(settings, database=database, metrics=for_settings(settings))
    return Runtime(settings, database, bot, notifiers(settings, database))


def serve(settings: Settings, host: str = "0.0.0.0", port: int = 3978, socket_mode: bool = False) -> int:
    from bot.app import settle_heap
    from bot.metrics import share_between_processes, wanted

    if wanted(settings):
        share_between_processes()  # before the metrics exist, and before the workers start (they inherit it)
    runtime = create_runtime(settings)
    if runtime.bot.grounded is not None:
        runtime.bot.grounded.warm()  # the knowledge index: fitted once per knowledge change, else read from the cache
    if settings.slack_bot_token:
        from bot.worker import WorkerProcess

        runtime.workers = [WorkerProcess(settings) for _ in range(settings.answer_workers)]
    app = build_app(runtime)
    if socket_mode:
        from bot.platforms.slack.app import start_socket_mode

        app.on_startup.append(lambda a: start_socket_mode(a, runtime))
    log.info("serving", extra={"turn": {"port": port, "web_chat": settings.web_chat_enabled,
                                         "slack": bool(settings.slack_bot_token), "teams_app_id": bool(settings.microsoft_app_id)}})
    print(f"partnerbot is running on http://localhost:{port}/ (Ctrl-C to stop)", flush=True)
    settle_heap()
    # No access log: one structured line per turn is logged instead (bot.router).
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=30.0, handle_signals=True, access_log=None)
    return 0

