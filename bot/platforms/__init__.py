"""Chat platforms: Slack, Microsoft Teams, the web chat and the console.

Each is a package with `app` (inbound), `render` (Reply -> payload) and, where
it can post on its own, `notifier` (outbound), behind the small `Platform`
interface (base.py). Adding a platform means adding a package and listing it
here. Heavy SDKs are imported only when a platform is configured and used.
"""

from __future__ import annotations

from bot.config import Settings
from bot.db import Database
from bot.notify import LogNotifier, Notifier, Outbox
from bot.platforms.audiences import PlatformAudiences
from bot.platforms.base import Platform


def all_platforms() -> list[Platform]:
    from bot.platforms.console import ConsolePlatform
    from bot.platforms.slack import SlackPlatform
    from bot.platforms.teams import TeamsPlatform
    from bot.platforms.web import WebPlatform

    return [SlackPlatform(), TeamsPlatform(), WebPlatform(), ConsolePlatform()]


def outbox(settings: Settings, platforms: list[Platform] | None = None) -> Outbox:
    return Outbox(PlatformAudiences(settings, platforms or all_platforms()))


def notifiers(settings: Settings, database: Database, platforms: list[Platform] | None = None) -> dict[str, Notifier]:
    """Which notifier posts each platform's outbox rows in this process."""
    found: dict[str, Notifier] = {"log": LogNotifier()}
    for platform in platforms or all_platforms():
        notifier = platform.notifier(settings, database)
        if notifier is not None:
            found[platform.name] = notifier
    return found
