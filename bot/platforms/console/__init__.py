"""The terminal: `partnerbot chat` and `partnerbot ask` (no inbound server, no push channel)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import Database
from bot.notify import Notifier
from bot.platforms.base import Runtime


class ConsolePlatform:
    name = "cli"

    def configured(self, settings: Settings) -> bool:
        return True

    def install(self, app: web.Application, runtime: Runtime) -> None:
        return None  # the console talks to the bot in-process

    def notifier(self, settings: Settings, database: Database) -> Notifier | None:
        return None  # terminal users' notices are logged (bot.notify.LOCAL_PLATFORMS)

    def targets(self, session: Session, settings: Settings, audience: str) -> list[str]:
        return []
