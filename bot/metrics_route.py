"""`/metrics` for Prometheus: on the main port with METRICS_TOKEN (a bearer token), or on METRICS_PORT, bound
to METRICS_HOST (loopback unless set), for a scraper on the same machine or network. Off without either.

Also times every platform request from arrival to acknowledgement (`partnerbot_ack_seconds`)."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator

from aiohttp import web

from bot.web_requests import same_secret

ACKNOWLEDGED = {"/slack/events": "slack", "/api/messages": "teams", "/chat": "web"}
"""The requests a platform waits on, by path."""
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
CACHE_SECONDS = 10.0
"""Scrapes within this long of the last are served what it read (several Prometheus servers, a dashboard)."""
TIMEOUT_SECONDS = 5.0
log = logging.getLogger("partnerbot.metrics")


def install(app: web.Application, runtime: Any) -> None:
    metrics = runtime.bot.metrics
    if metrics is None:
        return
    app.middlewares.append(_timed(metrics))
    settings = runtime.settings

    reader = ThreadPoolExecutor(1, "partnerbot-metrics")  # never the threads turns and acks need
    kept: dict[str, Any] = {"at": -CACHE_SECONDS, "body": b""}

    async def scrape(request: web.Request) -> web.Response:
        """A scrape costs the database a few aggregate queries, at most once per CACHE_SECONDS, on a thread
        of its own, and gives up after TIMEOUT_SECONDS (a slow or locked database never holds the server)."""
        if time.monotonic() - kept["at"] >= CACHE_SECONDS:
            loop = asyncio.get_running_loop()
            try:
                body = await asyncio.wait_for(loop.run_in_executor(
                    reader, metrics.exposition, runtime.database, runtime.settings), TIMEOUT_SECONDS)
            except asyncio.TimeoutError:
                return web.Response(status=503, text="the database did not answer in time\n")
            except Exception as exc:  # the database is away: the scrape fails, the alert on `up` says so
                log.warning("metrics scrape failed", extra={"turn": {"error": exc.__class__.__name__}})
                return web.Response(status=503, text="the database is unavailable\n")
            kept.update(at=time.monotonic(), body=body)
        return web.Response(body=kept["body"], headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})

    if settings.metrics_token:
        expected = f"Bearer {settings.metrics_token.reveal()}"

        async def guarded(request: web.Request) -> web.Response:
            if not same_secret(request.headers.get("Authorization", ""), expected):
                return web.Response(status=401, text="send the metrics token: Authorization: Bearer <METRICS_TOKEN>\n",
                                    headers={"WWW-Authenticate": "Bearer"})
            return await scrape(request)

        app.router.add_get("/metrics", guarded)
    if settings.metrics_port:
        async def own_port(_app: web.Application) -> AsyncIterator[None]:
            side = web.Application()
            side.router.add_get("/metrics", scrape)
            runner = web.AppRunner(side, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
            yield
            await runner.cleanup()

        app.cleanup_ctx.append(own_port)


def _timed(metrics: Any) -> Any:
    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        platform = ACKNOWLEDGED.get(request.path) if request.method == "POST" else None
        if platform is None:
            return await handler(request)
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            metrics.ack_seconds.labels(platform=platform).observe(time.perf_counter() - started)

    return timed
