"""What every chat platform provides, and what it may use of the running server.

A platform has three jobs, each in its own module of its package:
- `app`: inbound traffic (routes on the shared aiohttp server) turned into `Message`s;
- `render`: a `Reply` (or a notice) drawn as the platform's payload;
- `notifier`: outbound posts from the outbox.
It also says where an audience ("department", "announcements") is on it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Protocol

from sqlalchemy.orm import Session

if TYPE_CHECKING:  # pragma: no cover - typing only
    from aiohttp.web import Application, Request, Response

    from bot.config import Settings
    from bot.core import Message, Reply
    from bot.db import Database
    from bot.answering import InboxProcessor
    from bot.inbox import InboxEntry
    from bot.notify import Notifier

log = logging.getLogger("partnerbot.platforms")


class Runtime(Protocol):
    """The server as platforms see it (bot/server.py)."""

    settings: "Settings"
    database: "Database"

    async def handle(self, message: "Message") -> "Reply": ...

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    async def handle_urgent(self, message: "Message") -> "Reply": ...

    async def turn(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Work that takes a turn of the bot, without a deadline (few at once)."""

    async def run_urgent(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Work with a platform's deadline (Slack's 3 s), on threads of its own."""

    @property
    def processor(self) -> "InboxProcessor":
        """Takes turns whose answers go out through the outbox (bot/answering.py)."""

    async def accept(self, entry: "InboxEntry") -> None:
        """Store an event in the durable inbox before it is acknowledged; it is answered from there."""


class Platform(Protocol):
    name: str

    def configured(self, settings: "Settings") -> bool: ...

    def install(self, app: "Application", runtime: Runtime) -> None:
        """Add the platform's inbound routes (or a route that says it is not configured)."""

    def notifier(self, settings: "Settings", database: "Database") -> "Notifier | None":
        """What posts the platform's outbox rows, when it is configured."""

    def targets(self, session: Session, settings: "Settings", audience: str) -> list[str]:
        """Where an audience ("department", "announcements") is on this platform."""

    def reachable(self, session: Session, user: str) -> bool:
        """Whether the bot can message this user of the platform now (Teams: only someone it has met)."""


def not_configured(app: "Application", path: str, platform: str, needs: str) -> None:
    """Answer a platform's route with 404 and a log line saying what is missing."""

    from aiohttp.web import json_response  # aiohttp only where a server runs: `partnerbot ask` starts faster

    async def refused(request: "Request") -> "Response":
        log.warning(f"{platform} is not configured ({needs}); request refused")
        return json_response({"error": f"{platform} is not configured on this server"}, status=404)

    app.router.add_post(path, refused)
