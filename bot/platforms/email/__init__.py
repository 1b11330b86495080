"""E-mail: a channel for people whose own platform cannot reach them later (web-chat requesters).

Not a chat platform: nobody talks to the bot by e-mail. It has a notifier (bot/platforms/email/notifier.py)
and the page where an address is confirmed or stopped; a person's notices reach their confirmed
address as the "email" platform's targets for their audience.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot import email_updates
from bot.config import Settings
from bot.db import Database
from bot.notify import Notifier, person_of
from bot.platforms.base import Runtime, not_configured

if TYPE_CHECKING:  # pragma: no cover - typing only (aiohttp is imported where a server runs)
    from aiohttp import web


class EmailPlatform:
    name = email_updates.PLATFORM

    def configured(self, settings: Settings) -> bool:
        return bool(settings.smtp_url)

    def install(self, app: "web.Application", runtime: Runtime) -> None:
        if not self.configured(runtime.settings):
            not_configured(app, "/email", "E-mail updates", "SMTP_URL")
            return
        from bot.platforms.email.app import install

        install(app, runtime)

    def notifier(self, settings: Settings, database: Database) -> Notifier | None:
        if not self.configured(settings):
            return None
        from bot.platforms.email.notifier import EmailNotifier, Relay

        return EmailNotifier(Relay.parse(settings.smtp_url.reveal()), settings.smtp_from or settings.department_email,
                             database.sessions, email_updates.links_base(settings), timeout=settings.smtp_timeout)

    def reachable(self, session: Session, user: str) -> bool:
        return False  # nobody is a user of e-mail: people are reached there as users of their own platform

    def targets(self, session: Session, settings: Settings, audience: str) -> list[str]:
        """A person's confirmed address, for their own audience ("user:web:…")."""
        person = person_of(audience)
        if person is None or not self.configured(settings):
            return []
        row = email_updates.confirmed(session, *person)
        return [row.address] if row is not None else []
