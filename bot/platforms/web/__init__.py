"""The browser chat: a page at `/`, `POST /chat`, and `GET /notices` for updates the page collects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import Database
from bot.notify import Notifier
from bot.platforms.base import Runtime

if TYPE_CHECKING:  # pragma: no cover - typing only (aiohttp is imported where a server runs)
    from aiohttp import web


class WebPlatform:
    name = "web"

    def configured(self, settings: Settings) -> bool:
        return settings.web_chat_enabled

    def install(self, app: "web.Application", runtime: Runtime) -> None:
        from bot.platforms.web.app import install

        install(app, runtime)

    def notifier(self, settings: Settings, database: Database) -> Notifier | None:
        return None  # the page collects its notices (GET /notices); nothing is pushed

    def reachable(self, session: Session, user: str) -> bool:
        return True

    def targets(self, session: Session, settings: Settings, audience: str) -> list[str]:
        return []  # no channels: web users get only their own notices
