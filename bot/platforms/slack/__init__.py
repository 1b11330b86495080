"""Slack: events, slash commands, buttons, modals and the App Home (app.py), Block Kit (render.py),
posts and updates from the outbox (notifier.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot import channels
from bot.config import Settings
from bot.db import Database
from bot.notify import ANNOUNCEMENTS, DEPARTMENT, Notifier
from bot.platforms.base import Runtime

if TYPE_CHECKING:  # pragma: no cover - typing only
    from aiohttp import web
    from bot.answering import Answerer


class SlackPlatform:
    name = "slack"

    def configured(self, settings: Settings) -> bool:
        return bool(settings.slack_bot_token and settings.slack_signing_secret)

    def install(self, app: "web.Application", runtime: Runtime) -> None:
        from bot.platforms.slack.app import install

        install(app, runtime)

    def notifier(self, settings: Settings, database: Database) -> Notifier | None:
        if not settings.slack_bot_token:
            return None
        from bot.platforms.slack.notifier import SlackNotifier

        return SlackNotifier(settings)

    def answerer(self, settings: Settings, database: Database) -> "Answerer | None":
        if not settings.slack_bot_token:
            return None
        from bot.platforms.slack.answers import SlackAnswerer

        return SlackAnswerer(settings)

    def reachable(self, session: Session, user: str) -> bool:
        return True

    def targets(self, session: Session, settings: Settings, audience: str) -> list[str]:
        if audience == DEPARTMENT:
            configured = [settings.department_slack_channel] if settings.department_slack_channel else []
            return configured or channels.channels_for(session, self.name, DEPARTMENT)[-1:]
        if audience == ANNOUNCEMENTS:
            chosen = channels.channels_for(session, self.name, ANNOUNCEMENTS)
            return list(dict.fromkeys([*settings.announce_slack_channels, *chosen]))
        return []
