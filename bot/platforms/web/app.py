"""The browser chat: a static page at `/` and a JSON endpoint at `POST /chat`.

On by default with the embedded SQLite database; in production only with
WEB_CHAT_ENABLED=1, and then behind WEB_CHAT_PASSCODE (or a reverse proxy).
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import replace
from importlib import resources
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.core import Message, Reply
from bot.notify import Post, collect
from bot.platforms.base import Runtime
from bot.platforms.web import identity
from bot.ratelimit import RateLimiter
from bot.web_requests import client_address, same_secret
from bot.platforms.web.render import render, render_notice

MAX_BODY = 64 * 1024
TURN_BURST = 10
TURNS_PER_SECOND = 1.0
"""A visitor may send ten messages at once, then one a second: more than anyone types."""
ADDRESS_BURST = 60
ADDRESS_TURNS_PER_SECOND = 5.0
"""All visitors from one network address together (a school behind one address)."""
STATIC = {"chat.js": "application/javascript", "chat.css": "text/css", "favicon.svg": "image/svg+xml"}


def to_message(payload: Any, user: str) -> Message:
    """`{"session", "text"}` or `{"session", "action", "value"}`, with an optional `"name"`.

    `user` is the visitor's identity, from the server's cookie (identity.py): a "user" field
    in the request is ignored, so nobody can speak as someone else. `session` only names
    the conversation, within that visitor's own."""
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object")
    session = _valid_unicode(str(payload.get("session") or ""))[:200]
    if not session:
        raise ValueError("\"session\" is required")
    action = payload.get("action")
    text = payload.get("text")
    if action is None and not isinstance(text, str):
        raise ValueError("send \"text\", or the \"action\" and \"value\" of a button")
    return Message(
        text=_valid_unicode(text) if isinstance(text, str) else "",
        user=user,
        platform="web",
        channel=session,
        session_key=session,
        action=_valid_unicode(str(action)) if action is not None else None,
        value=None if payload.get("value") is None else _valid_unicode(str(payload.get("value"))),
        user_name=identity.display_name(payload.get("name")),
        reached_later=False,
    )


def _valid_unicode(text: str) -> str:
    """JSON may carry lone surrogates (\\ud800), which no database or platform accepts."""
    return text.encode("utf-8", "replace").decode("utf-8")


async def read_json(request: web.Request) -> Any:
    """The request's JSON body, bounded (a chunked body too); raises web.HTTPException."""
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise _error(415, "send application/json")
    if request.content_length and request.content_length > MAX_BODY:
        raise _error(413, "message too large")
    body = bytearray()
    while True:  # a read returns what has arrived so far: a body sent in pieces takes several
        piece = await request.content.read(MAX_BODY + 1 - len(body))
        if not piece:
            break
        body += piece
        if len(body) > MAX_BODY:
            raise _error(413, "message too large")
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise _error(400, "the body is not valid JSON") from None


def _error(status: int, text: str) -> web.HTTPException:
    body = {"text": json.dumps({"error": text}), "content_type": "application/json"}
    if status == 413:
        return web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=MAX_BODY + 1, **body)
    if status == 415:
        return web.HTTPUnsupportedMediaType(**body)
    return web.HTTPBadRequest(**body)


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

    app.router.add_routes(routes(runtime.handle, settings.web_chat_passcode.reveal(), notices,
                                 trusted_proxies=settings.trusted_proxies))


def routes(
    handle: Callable[[Message], Awaitable[Reply]],
    passcode: str = "",
    notices: Callable[[str], Awaitable[list[Post]]] | None = None,
    limiter: RateLimiter | None = None,
    trusted_proxies: tuple[str, ...] = (),
) -> list[web.RouteDef]:
    page = resources.files(STATIC_PACKAGE).joinpath("index.html").read_bytes()
    limiter = limiter or RateLimiter(TURN_BURST, TURNS_PER_SECOND)
    per_address = RateLimiter(ADDRESS_BURST, ADDRESS_TURNS_PER_SECOND, limiter.clock)

    def visitor(request: web.Request) -> tuple[str, bool]:
        """The visitor's cookie token, or a new one (True) to send back."""
        token = identity.token_of(request)
        return (token, False) if token else (identity.new_token(), True)

    def answered(request: web.Request, response: web.StreamResponse, token: str) -> web.StreamResponse:
        identity.remember(request, response, token)
        return response

    async def index(request: web.Request) -> web.StreamResponse:
        token, _ = visitor(request)
        return answered(request, web.Response(body=page, content_type="text/html",
                                              headers={"Cache-Control": "no-cache"}), token)

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        body = resources.files(STATIC_PACKAGE).joinpath(name).read_bytes()
        return web.Response(body=body, content_type=STATIC[name], headers={"Cache-Control": "no-cache"})

    def allowed(request: web.Request) -> bool:
        return not passcode or same_secret(request.headers.get("X-Passcode", ""), passcode)

    async def updates(request: web.Request) -> web.StreamResponse:
        """Ticket updates and training reminders waiting for this visitor (kept until collected)."""
        if not allowed(request):
            return web.json_response({"error": "passcode required"}, status=401)
        token, new = visitor(request)
        found = [] if new or notices is None else await notices(identity.user_id(token))
        return answered(request, web.json_response({"notices": [render_notice(n) for n in found]}), token)

    async def chat(request: web.Request) -> web.StreamResponse:
        if not allowed(request):
            return web.json_response({"error": "passcode required"}, status=401)
        token, anonymous = visitor(request)
        user = identity.user_id(token)
        address = client_address(request, trusted_proxies)
        # Without its cookie a request is a new visitor each time: it is limited by its address,
        # as strictly as one visitor. With it, by the visitor, and loosely by the address too
        # (a school's staff share one).
        wait = limiter.allow(f"address:{address}") if anonymous else (limiter.allow(user) or per_address.allow(address))
        if wait:
            return answered(request, web.json_response(
                {"error": "too many messages at once; wait a moment"}, status=429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))}), token)
        try:
            message = replace(to_message(await read_json(request), user), origin=identity.origin(address),
                              anonymous=anonymous)
        except ValueError as exc:
            return answered(request, web.json_response({"error": str(exc)}, status=400), token)
        reply = await handle(message)
        # Drawing a chart takes a tenth of a second: off the event loop, like the turn itself.
        body = await asyncio.to_thread(render, reply) if reply.chart is not None else render(reply)
        return answered(request, web.json_response(body), token)

    return [
        web.get("/", index),
        web.get("/static/{name}", static),
        web.post("/chat", chat),
        web.get("/notices", updates),
    ]
