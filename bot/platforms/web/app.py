"""The browser chat: a static page at `/` and a JSON endpoint at `POST /chat`.

On by default with the embedded SQLite database; in production only with
WEB_CHAT_ENABLED=1, and then behind WEB_CHAT_PASSCODE (or a reverse proxy).
"""

from __future__ import annotations

import hmac
import json
from importlib import resources
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.core import Message, Reply
from bot.notify import Post, collect
from bot.platforms.base import Runtime
from bot.platforms.web.render import render, render_notice

MAX_BODY = 64 * 1024
STATIC = {"chat.js": "application/javascript", "chat.css": "text/css"}


def to_message(payload: Any) -> Message:
    """`{"session", "user", "text"}` or `{"session", "user", "action", "value"}`."""
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object")
    session = str(payload.get("session") or "")[:200]
    if not session:
        raise ValueError("\"session\" is required")
    # The browser's identity is its (random, private) session id; a "user" field in
    # the request is ignored so nobody can speak as someone else.
    user = f"web-{session}"
    action = payload.get("action")
    text = payload.get("text")
    if action is None and not isinstance(text, str):
        raise ValueError("send \"text\", or the \"action\" and \"value\" of a button")
    return Message(
        text=text if isinstance(text, str) else "",
        user=user,
        platform="web",
        channel=session,
        session_key=session,
        action=str(action) if action is not None else None,
        value=None if payload.get("value") is None else str(payload.get("value")),
    )


STATIC_PACKAGE = "bot.platforms.web.static"


def install(app: web.Application, runtime: Runtime) -> None:
    settings = runtime.settings
    if not settings.web_chat_enabled:
        async def disabled(request: web.Request) -> web.Response:
            return web.Response(text="The web chat is disabled here (WEB_CHAT_ENABLED=0).", status=404)

        app.router.add_get("/", disabled)
        return

    async def notices(user: str) -> list[Post]:
        return await runtime.run(collect, runtime.database.sessions, "web", user)  # type: ignore[no-any-return]

    app.router.add_routes(routes(runtime.handle, settings.web_chat_passcode.reveal(), notices))


def routes(
    handle: Callable[[Message], Awaitable[Reply]],
    passcode: str = "",
    notices: Callable[[str], Awaitable[list[Post]]] | None = None,
) -> list[web.RouteDef]:
    page = resources.files(STATIC_PACKAGE).joinpath("index.html").read_bytes()

    async def index(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html", headers={"Cache-Control": "no-cache"})

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        body = resources.files(STATIC_PACKAGE).joinpath(name).read_bytes()
        return web.Response(body=body, content_type=STATIC[name], headers={"Cache-Control": "no-cache"})

    def allowed(request: web.Request) -> bool:
        return not passcode or hmac.compare_digest(request.headers.get("X-Passcode", ""), passcode)

    async def pending(user: str) -> list[dict[str, Any]]:
        if notices is None:
            return []
        return [render_notice(n) for n in await notices(user)]

    async def updates(request: web.Request) -> web.Response:
        """Ticket updates and training reminders waiting for this browser session."""
        if not allowed(request):
            return web.json_response({"error": "passcode required"}, status=401)
        session = request.query.get("session", "")[:200]
        if not session:
            return web.json_response({"error": "\"session\" is required"}, status=400)
        return web.json_response({"notices": await pending(f"web-{session}")})

    async def chat(request: web.Request) -> web.Response:
        if not allowed(request):
            return web.json_response({"error": "passcode required"}, status=401)
        if request.content_length and request.content_length > MAX_BODY:
            return web.json_response({"error": "message too large"}, status=413)
        try:
            payload = json.loads(await request.text())
            message = to_message(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        reply = await handle(message)
        return web.json_response(render(reply))

    return [
        web.get("/", index),
        web.get("/static/{name}", static),
        web.post("/chat", chat),
        web.get("/notices", updates),
    ]
