"""`partnerbot serve`: one aiohttp server for Slack, Teams, the web chat and health.

Stateless by design: conversation state, event de-duplication, tickets and
the outbox live in the database, so any number of `web` processes can run
behind a load balancer. The bot's work (synchronous SQLAlchemy) runs in a
thread pool so the event loop keeps acknowledging requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from bot.config import Settings
from bot.core import Message, Reply
from bot.db import Database, is_current
from bot.answering import InboxProcessor
from bot.inbox import InboxEntry, depth as inbox_depth
from bot.intake import InboxWriter
from bot.notify import LogNotifier, Notifier, deliver_pending
from bot.spool import Spool
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
    worker: Any = None  # a bot.worker.WorkerProcess answering the inbox (`serve` sets one when Slack is configured)
    _writer: InboxWriter | None = None
    _processor: InboxProcessor | None = None
    _wake: asyncio.Event | None = None

    @property
    def writer(self) -> InboxWriter:
        if self._writer is None:
            self._writer = InboxWriter(self.database, Spool(self.settings.spool_dir))
        return self._writer

    @property
    def processor(self) -> InboxProcessor:
        if self._processor is None:
            from bot.platforms import inbox_processor

            self._processor = inbox_processor(self.settings, self.database, self.bot, self.notifiers)
        return self._processor

    async def accept(self, entry: InboxEntry) -> None:
        """Store an event durably (the inbox, or the spool when the database is away), then
        wake whoever answers it. Call before acknowledging the event to the platform."""
        await self.writer.put(entry)
        self.wake()

    def wake(self) -> None:
        if self.worker is not None:
            self.worker.poke()
        elif self._wake is not None:
            self._wake.set()

    async def answer_inbox(self) -> None:
        """Answer the inbox in this process (when no worker does), and move spooled events in."""
        self._wake = asyncio.Event()
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), INBOX_POLL_SECONDS)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                if await self.run(self.writer.replay):
                    self.wake()
                if self.worker is not None:
                    if not self.worker.alive():
                        log.error("the answering worker died; starting a new one")
                        self.worker.start()
                    continue
                while await self.run(self.processor.process_due):
                    pass
            except Exception:
                log.exception("answering the inbox failed")

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
    waiting = await runtime.run(_inbox_depth, runtime.database)
    return web.json_response({"status": "ready", "inbox": waiting,
                              "spooled": runtime.writer.spool.pending()})


def _inbox_depth(database: Database) -> int:
    with database.session() as session:
        return inbox_depth(session)


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


async def _inbox_loop(app: web.Application) -> Any:
    runtime = app[RUNTIME]
    if runtime.worker is not None:
        runtime.worker.start()  # on the main thread: the worker's death signal is tied to it
    task = asyncio.create_task(runtime.answer_inbox())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _close(app: web.Application) -> None:
    runtime = app[RUNTIME]
    runtime.executor.shutdown(wait=True)
    runtime.urgent.shutdown(wait=True)
    if runtime.worker is not None:
        runtime.worker.stop()
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
    app.cleanup_ctx.append(_inbox_loop)
    if drain_outbox:
        app.cleanup_ctx.append(_outbox_loop)
    app.on_cleanup.append(_close)
    return app


def create_runtime(settings: Settings) -> Runtime:
    from bot.app import create_bot, open_database
    from bot.platforms import notifiers

    database = open_database(settings)
    bot = create_bot(settings, database=database)
    return Runtime(settings, database, bot, notifiers(settings, database))


def serve(settings: Settings, host: str = "0.0.0.0", port: int = 3978, socket_mode: bool = False) -> int:
    from bot.app import settle_heap

    runtime = create_runtime(settings)
    if runtime.bot.grounded is not None:
        runtime.bot.grounded.warm()  # the knowledge index: fitted once per knowledge change, else read from the cache
    if settings.slack_bot_token:
        from bot.worker import WorkerProcess

        runtime.worker = WorkerProcess(settings)
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

