"""`GET /report`: the district picture (bot/district_report.py) for department staff.

Off unless REPORT_TOKEN is set. Open `/report?token=…` once: the token is checked,
swapped for an HttpOnly cookie holding its digest, and the browser is sent to
`/report` (so the token does not stay in the address bar, history or a Referer).
A page is drawn at most once a minute, one at a time, off the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time

from aiohttp import web

from bot.config import Settings
from bot.platforms.web.identity import is_https
from bot.web_requests import same_secret

COOKIE = "partnerbot_report"
FRESH_SECONDS = 60.0
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}


def _digest(token: str) -> str:
    return hashlib.sha256(f"partnerbot-report:{token}".encode()).hexdigest()


def install(app: web.Application, runtime) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = runtime.settings
    lock = asyncio.Lock()
    cached: dict[str, tuple[float, str]] = {}

    async def report(request: web.Request) -> web.StreamResponse:
        secret = settings.report_token.reveal()
        if not secret:
            return web.json_response({"error": "the report is off: set REPORT_TOKEN to turn it on"}, status=404)
        given = request.query.get("token")
        if given is not None:
            if not same_secret(given, secret):
                return web.json_response({"error": "wrong token"}, status=401, headers=HEADERS)
            redirect = web.HTTPSeeOther("/report", headers=HEADERS)
            redirect.set_cookie(COOKIE, _digest(secret), httponly=True, samesite="Strict", path="/report",
                                secure=is_https(request), max_age=8 * 3600)
            raise redirect
        header = request.headers.get("Authorization", "")
        bearer = header[7:] if header.startswith("Bearer ") else ""
        allowed = (bearer and same_secret(bearer, secret)) or same_secret(request.cookies.get(COOKIE, ""), _digest(secret))
        if not allowed:
            return web.json_response({"error": "open /report?token=… with the staff token (REPORT_TOKEN)"},
                                     status=401, headers=HEADERS)
        async with lock:
            at, page = cached.get("page", (0.0, ""))
            if time.monotonic() - at > FRESH_SECONDS:
                page = await runtime.run(_draw, runtime)
                cached["page"] = (time.monotonic(), page)
        return web.Response(text=page, content_type="text/html", headers=HEADERS)

    app.router.add_get("/report", report)


def _draw(runtime) -> str:  # type: ignore[no-untyped-def]
    from bot.district_report import district_report

    with runtime.database.session() as session:
        return district_report(session, runtime.settings, dt.datetime.now(dt.timezone.utc))
