"""`/email?t=…`: where the owner of an address confirms it, lets the department see it, or stops the e-mails.

Opening the link changes nothing (mail scanners open links): each change is a button, a POST that also
carries a CSRF token from a cookie of this page.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from aiohttp import web

from bot import email_updates
from bot.platforms.base import Runtime
from bot.platforms.web.identity import is_https
from bot.public_page import SECURITY_HEADERS, PublicPages
from bot.web_requests import same_secret

CSRF_COOKIE = "pb_email_csrf"
ACTIONS = {"confirm": "Thank you: updates on your requests will come to this address.",
           "share": "Done: the department can now see your address.",
           "unshare": "Done: the department can no longer see your address.",
           "stop": "Done: no more e-mails will be sent, and the address is deleted."}


@dataclass(frozen=True)
class Seen:
    """What the page shows of an address (read in a worker thread, shown after its session closed)."""

    address: str
    confirmed_at: dt.datetime | None
    shared: bool


def install(app: web.Application, runtime: Runtime) -> None:
    pages = PublicPages()
    sessions = runtime.database.sessions

    def find(token: str) -> Seen | None:
        with sessions() as session:
            row = email_updates.by_token(session, token)
            return Seen(row.address, row.confirmed_at, row.shared) if row is not None else None

    def change(token: str, action: str, shared: bool) -> Seen | None:
        now = dt.datetime.now(dt.timezone.utc)
        with sessions() as session:
            row = email_updates.by_token(session, token)
            if row is None:
                return None
            if action == "stop":
                email_updates.stop(session, row)
                seen = None
            else:
                share = shared if action == "confirm" else action == "share"
                if action != "confirm" and row.confirmed_at is None:
                    return Seen(row.address, row.confirmed_at, row.shared)  # confirm first
                email_updates.confirm(session, row, share, now)
                seen = Seen(row.address, row.confirmed_at, row.shared)
            session.commit()
            return seen

    def page(request: web.Request, row: Seen | None, token: str, said: str = "", failed: bool = False,
             status: int = 200) -> web.Response:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        title = "E-mail updates" if row is not None or said else "This link is no longer valid"
        body = pages.render("email.html", title=title, row=row, token=token, csrf=csrf, said=said, failed=failed)
        response = web.Response(text=body, content_type="text/html", status=status, headers=SECURITY_HEADERS)
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="Strict", secure=is_https(request),
                            path="/email", max_age=3600)
        return response

    async def show(request: web.Request) -> web.Response:
        token = request.query.get("t", "")
        row = await runtime.run(find, token)
        return page(request, row, token, status=200 if row is not None else 404)

    async def act(request: web.Request) -> web.Response:
        form = await request.post()
        token, action = str(form.get("t", "")), str(form.get("do", ""))
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not cookie or not same_secret(str(form.get("csrf", "")), cookie):
            row = await runtime.run(find, token)
            return page(request, row, token, "The page had expired; nothing was changed. Please try again.",
                        failed=True, status=403)
        if action not in ACTIONS:
            return page(request, await runtime.run(find, token), token, "Unknown request.", failed=True, status=400)
        row = await runtime.run(change, token, action, form.get("shared") == "1")
        if row is None and action != "stop":
            return page(request, None, token, status=404)
        if row is not None and row.confirmed_at is None:
            return page(request, row, token, "Confirm the address first.", failed=True, status=409)
        return page(request, row, token, ACTIONS[action])

    app.router.add_get("/email", show)
    app.router.add_post("/email", act)
