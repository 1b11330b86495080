"""Chat platforms: Slack, Microsoft Teams, the web chat and the console; and e-mail, which only carries notices.

Each is a package with `app` (inbound), `render` (Reply -> payload) and, where
it can post on its own, `notifier` (outbound), behind the small `Platform`
interface (base.py). Adding a platform means adding a package and listing it
here. Heavy SDKs are imported only when a platform is configured and used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.db import Database
from bot.notify import LogNotifier, Notifier, Outbox
from bot.platforms.audiences import PlatformAudiences
from bot.platforms.base import Platform

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bot.answering import Answerer, InboxProcessor
    from bot.router import Bot


def all_platforms() -> list[Platform]:
    from bot.platforms.console import ConsolePlatform
    from bot.platforms.email import EmailPlatform
    from bot.platforms.slack import SlackPlatform
    from bot.platforms.teams import TeamsPlatform
    from bot.platforms.web import WebPlatform

    return [SlackPlatform(), TeamsPlatform(), WebPlatform(), ConsolePlatform(), EmailPlatform()]


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


def answerers(settings: Settings, database: Database,
              platforms: list[Platform] | None = None) -> "dict[str, Answerer]":
    """Which platforms' inbox events this process can answer (those that provide an answerer)."""
    found = {}
    for platform in platforms or all_platforms():
        make = getattr(platform, "answerer", None)
        answerer = make(settings, database) if make is not None else None
        if answerer is not None:
            found[platform.name] = answerer
    return found


def inbox_processor(settings: Settings, database: Database, bot: "Bot",
                    notifiers_by_platform: dict[str, Notifier] | None = None) -> "InboxProcessor":
    """What answers the durable inbox in a `serve` or worker process."""
    from bot.answering import InboxProcessor
    from bot.receipts import Receipts

    platforms = all_platforms()
    return InboxProcessor(bot, database, answerers(settings, database, platforms),
                          notifiers_by_platform if notifiers_by_platform is not None
                          else notifiers(settings, database, platforms), settings.lease, Receipts(settings.spool_dir))
