"""Teams inbound: `POST /api/messages` through the configured runtime.

With an app id, requests without a valid Bot Framework token get 401. Without
one (the Emulator on a laptop), the route accepts unauthenticated traffic on
the embedded default only (or with TEAMS_ALLOW_UNAUTHENTICATED=1), and then only
from this machine: a request from another address, or one a proxy forwarded,
gets 403. Unauthenticated senders are never department staff (conversation.py).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.platforms.base import Runtime
from bot.platforms.teams.conversation import TeamsConversations
from bot.web_requests import from_this_machine

log = logging.getLogger("partnerbot.teams")


def install(app: web.Application, runtime: Runtime, sdk) -> None:  # type: ignore[no-untyped-def]
    process = sdk.handler(app, TeamsConversations(runtime))
    authenticated = bool(runtime.settings.microsoft_app_id)

    async def messages(request: web.Request) -> web.StreamResponse:
        if not authenticated and not from_this_machine(request):
            log.warning("unauthenticated teams request from another machine refused")
            return web.json_response({"error": "without MICROSOFT_APP_ID only local traffic (the Emulator) is accepted"},
                                     status=403)
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            response = await process(request)
        except web.HTTPException:
            raise
        except Exception as exc:  # a malformed or forged token fails inside the SDK's JWT parsing
            if authenticated:
                log.warning("teams request rejected", extra={"turn": {"error": exc.__class__.__name__}})
                return web.json_response({"error": "unauthorized"}, status=401)
            log.warning("bad teams request", extra={"turn": {"error": exc.__class__.__name__}})
            return web.json_response({"error": "bad request"}, status=400)
        return response or web.Response(status=201)

    app.router.add_post("/api/messages", messages)


