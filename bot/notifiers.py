"""Which notifier serves each platform, from the settings."""

from __future__ import annotations

from bot.config import Settings
from bot.db import Database
from bot.notify import LogNotifier, Notifier


def build_notifiers(settings: Settings, database: Database) -> dict[str, Notifier]:
    notifiers: dict[str, Notifier] = {"log": LogNotifier(), "cli": LogNotifier(), "web": LogNotifier()}
    if settings.slack_bot_token:
        from bot.adapters.slack_notifier import SlackNotifier

        notifiers["slack"] = SlackNotifier(settings)
    try:
        from bot.adapters.teams import TeamsNotifier
    except ImportError:  # Teams support not installed
        return notifiers
    notifiers["teams"] = TeamsNotifier(settings, database)
    return notifiers
