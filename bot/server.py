"""`partnerbot serve`: one aiohttp server for Slack, Teams, the web chat and health.

Stateless by design: conversation state, event de-duplication, tickets and
the outbox live in the database, so any number of `web` processes can run
behind a load balancer. The bot's work (synchronous SQLAlchemy) runs in a
thread pool so the event loop keeps acknowledging requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.config import Settings
from bot.core import Message, Reply
from bot.db import Database, is_current
from bot.dedupe import first_time
from bot.notify import LogNotifier, Notifier, deliver_pending
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
AFTER_ACK_WORKERS = 1
"""Work after a Slack ack is done one job at a time: more only adds GIL contention
(measured with bench/slack_bench.py) while throughput stays the same."""


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
    _queue: asyncio.Queue[Callable[[], Awaitable[None]]] | None = None
    _workers: list[asyncio.Task[None]] = field(default_factory=list)
    worker_pool: Any = None  # a ProcessPoolExecutor for after-ack answers (`serve` sets one)

    async def answer_after_ack(self, message: Message, event_key: str | None) -> Reply | None:
        """Dedupe and answer an acknowledged event; in the worker process when there is one."""
        if self.worker_pool is not None:
            from bot.worker import answer

            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.worker_pool, answer, message, event_key)
        if event_key and not await self.run(first_time, self.database, event_key):
            return None
        if self._turns is None:
            self._turns = asyncio.Semaphore(TURNS_AT_ONCE)
        async with self._turns:
            return await self.run(self.bot.handle_if_expected, message)  # type: ignore[no-any-return]

    def after_ack(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run work after a platform was acknowledged, a few jobs at a time.

        The acknowledgement path only enqueues, so acks stay fast under bursts;
        on shutdown the queue is drained before the process exits.
        """
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._workers = [asyncio.create_task(self._work()) for _ in range(AFTER_ACK_WORKERS)]
        self._queue.put_nowait(job)

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            job = await self._queue.get()
            try:
                await job()
            except Exception:
                log.exception("work after ack failed")
            finally:
                self._queue.task_done()


    async def finish_pending(self, timeout: float = 25.0) -> None:
        if self._queue is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except asyncio.TimeoutError:
            log.error("shutdown left work unfinished", extra={"turn": {"pending": self._queue.qsize()}})
        for worker in self._workers:
            worker.cancel()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def handle(self, message: Message) -> Reply:
        if self._turns is None:
            self._turns = asyncio.Semaphore(TURNS_AT_ONCE)
        async with self._turns:
            return await self.run(self.bot.handle, message)  # type: ignore[no-any-return]

    async def handle_urgent(self, message: Message) -> Reply:
        """A turn that must finish within a platform's deadline (Slack's 3 s for a modal): on
        threads of its own, not behind the queue of ordinary turns."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.urgent, self.bot.handle, message)

    def drain_outbox(self) -> int:
        return deliver_pending(self.database.sessions, self.notifiers, fallback=LogNotifier())


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
    return web.json_response({"status": "ready"})


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


async def _close(app: web.Application) -> None:
    runtime = app[RUNTIME]
    await runtime.finish_pending()
    runtime.executor.shutdown(wait=True)
    runtime.urgent.shutdown(wait=True)
    if runtime.worker_pool is not None:
        runtime.worker_pool.shutdown(wait=True)
    runtime.database.dispose()


def build_app(runtime: Runtime, *, drain_outbox: bool = True) -> web.Application:
    from bot.platforms import all_platforms

    app = web.Application(client_max_size=1024 * 1024)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    for platform in all_platforms():
        platform.install(app, runtime)
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
    runtime = create_runtime(settings)
    if settings.slack_bot_token:
        from bot.worker import pool

        runtime.worker_pool = pool(settings)
    app = build_app(runtime)
    if socket_mode:
        from bot.platforms.slack.app import start_socket_mode

        app.on_startup.append(lambda a: start_socket_mode(a, runtime))
    log.info("serving", extra={"turn": {"port": port, "web_chat": settings.web_chat_enabled,
                                         "slack": bool(settings.slack_bot_token), "teams_app_id": bool(settings.microsoft_app_id)}})
    print(f"partnerbot is running on http://localhost:{port}/ (Ctrl-C to stop)", flush=True)
    # What start-up loaded (the classifier, the knowledge base, SDKs) lives as long as the process:
    # keep it out of the collector's full passes, which otherwise pause every request each time.
    gc.collect()
    gc.freeze()
    # No access log: one structured line per turn is logged instead (bot.router).
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=30.0, handle_signals=True, access_log=None)
    return 0

