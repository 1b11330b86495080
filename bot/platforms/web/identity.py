"""Who a web-chat visitor is: a random token the server issues in an HttpOnly cookie.

The token is a credential, so it is never stored or shown: the bot knows the visitor
by a one-way digest of it, and department posts show the name the visitor gave (or
"web visitor"). Starting a new conversation in the page keeps the cookie, so the
visitor still sees their requests and receives their updates.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from aiohttp import web

COOKIE = "partnerbot_id"
MAX_AGE = 365 * 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
VISITOR = "web visitor"
NAME_LIMIT = 80


def token_of(request: web.Request) -> str | None:
    token = request.cookies.get(COOKIE, "")
    return token if TOKEN.match(token) else None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def user_id(token: str) -> str:
    """The visitor's id inside the bot: a digest, useless as a credential."""
    return "v-" + hashlib.sha256(token.encode()).hexdigest()[:32]


def origin(address: str) -> str:
    """A client address as the bot keeps it, for limits per address: a digest, not the address."""
    return "a-" + hashlib.sha256(f"partnerbot-origin:{address}".encode()).hexdigest()[:32]


def remember(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """Send the cookie (again), so it lasts a year from the last visit."""
    response.set_cookie(COOKIE, token, max_age=MAX_AGE, httponly=True, samesite="Strict", secure=is_https(request),
                        path="/")


def is_https(request: web.Request) -> bool:
    """Served over TLS, here or at the proxy in front (X-Forwarded-Proto): cookies then go Secure."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip() == "https"


def display_name(value: object) -> str:
    """The name a visitor typed for the department to see: plain, short, or "web visitor"."""
    if not isinstance(value, str):
        return VISITOR
    name = " ".join("".join(ch for ch in value if ch.isprintable()).split())[:NAME_LIMIT]
    return name or VISITOR
