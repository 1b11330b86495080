"""Microsoft Teams: `POST /api/messages` and proactive posts, on one of two runtimes.

`TEAMS_RUNTIME=botbuilder` (the default) uses the Bot Framework SDK;
`TEAMS_RUNTIME=agents` uses its successor, the Microsoft 365 Agents SDK. Both
share the activity handling (conversation.py), the cards (render.py) and the
notifier (notifier.py); only the runtime module imports an SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import logging

from sqlalchemy.orm import Session

from bot import channels
from bot.config import Settings
from bot.db import Database
from bot.notify import ANNOUNCEMENTS, DEPARTMENT, Notifier
from bot.platforms.base import Runtime, not_configured
from bot.platforms.teams import references

if TYPE_CHECKING:  # pragma: no cover - typing only (aiohttp is imported where a server runs)
    from aiohttp import web

    from bot.answering import Answerer

log = logging.getLogger("partnerbot.teams")


def sdk(settings: Settings):  # type: ignore[no-untyped-def]
    """The configured runtime (botbuilder or the Agents SDK)."""
    if settings.teams_runtime == "agents":
        from bot.platforms.teams.agents_runtime import AgentsRuntime

        return AgentsRuntime(settings)
    from bot.platforms.teams.botbuilder_runtime import BotbuilderRuntime

    return BotbuilderRuntime(settings)


class TeamsPlatform:
    name = "teams"

    def configured(self, settings: Settings) -> bool:
        # Without an app id nothing is authenticated: fine for the Emulator on a laptop (the
        # embedded default), not for a production server (forged senders and serviceUrls).
        return bool(settings.microsoft_app_id) or settings.is_sqlite or settings.teams_allow_unauthenticated

    def install(self, app: "web.Application", runtime: Runtime) -> None:
        if not self.configured(runtime.settings):
            not_configured(app, "/api/messages", "Teams", "MICROSOFT_APP_ID")
            return
        from bot.platforms.teams.app import install

        install(app, runtime, sdk(runtime.settings))

    def notifier(self, settings: Settings, database: Database) -> Notifier | None:
        if not self.configured(settings):
            return None
        from bot.platforms.teams.notifier import TeamsNotifier

        return TeamsNotifier(settings, database, sdk(settings))

    def answerer(self, settings: Settings, database: Database) -> "Answerer | None":
        if not self.configured(settings):
            return None
        from bot.platforms.teams.answers import TeamsAnswerer

        return TeamsAnswerer(database)

    def reachable(self, session: Session, user: str) -> bool:
        """Teams lets a bot start a chat only with someone whose conversation it has seen."""
        return references.can_reach(session, user)

    def targets(self, session: Session, settings: Settings, audience: str) -> list[str]:
        if audience == DEPARTMENT:
            configured = [settings.department_teams_channel] if settings.department_teams_channel else []
            return configured or channels.channels_for(session, self.name, DEPARTMENT)[-1:]
        if audience == ANNOUNCEMENTS:
            return channels.channels_for(session, self.name, ANNOUNCEMENTS)
        return []
