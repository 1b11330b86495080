"""`/metrics` for Prometheus: on the main port with METRICS_TOKEN (a bearer token), or on METRICS_PORT, bound
to METRICS_HOST (loopback unless set), for a scraper on the same machine or network. Off without either.

Also times every platform request from arrival to acknowledgement (`partnerbot_ack_seconds`)."""

from __future__ import annotations

import hmac
import time
from typing import Any, AsyncIterator

from aiohttp import web

ACKNOWLEDGED = {"/slack/events": "slack", "/api/messages": "teams", "/chat": "web"}
"""The requests a platform waits on, by path."""
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def install(app: web.Application, runtime: Any) -> None:
    metrics = runtime.bot.metrics
    if metrics is None:
        return
    app.middlewares.append(_timed(metrics))
    settings = runtime.settings

    async def scrape(request: web.Request) -> web.Response:
        body = await runtime.run(metrics.exposition, runtime.database, runtime.settings)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})

    if settings.metrics_token:
        expected = f"Bearer {settings.metrics_token.reveal()}".encode()

        async def guarded(request: web.Request) -> web.Response:
            given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
            if not hmac.compare_digest(given, expected):
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
