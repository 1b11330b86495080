"""The terminal: `partnerbot chat` and `partnerbot ask` (no inbound server, no push channel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import Database
from bot.notify import Notifier
from bot.platforms.base import Runtime

if TYPE_CHECKING:  # pragma: no cover - typing only (aiohttp is imported where a server runs)
    from aiohttp import web


class ConsolePlatform:
    name = "cli"

    def configured(self, settings: Settings) -> bool:
        return True

    def install(self, app: "web.Application", runtime: Runtime) -> None:
        return None  # the console talks to the bot in-process

    def notifier(self, settings: Settings, database: Database) -> Notifier | None:
        return None  # terminal users' notices are logged (bot.notify.LOCAL_PLATFORMS)

    def reachable(self, session: Session, user: str) -> bool:
        return True

    def targets(self, session: Session, settings: Settings, audience: str) -> list[str]:
        return []
