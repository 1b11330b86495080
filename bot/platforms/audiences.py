"""Audiences resolved to platform targets: the outbox asks, each platform answers for itself."""

from __future__ import annotations

from typing import Sequence

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.notify import DEPARTMENT, person_of
from bot.platforms.base import Platform


class PlatformAudiences:
    def __init__(self, settings: Settings, platforms: Sequence[Platform]) -> None:
        self.settings = settings
        self.platforms = tuple(platforms)

    def targets(self, session: Session, audience: str) -> list[tuple[str, str]]:
        person = person_of(audience)
        if person is not None:
            platform, user = person
            known = next((p for p in self.platforms if p.name == platform), None)
            # Unreachable (Teams: someone the bot has not met): no post that can only fail, and the caller knows.
            own = [] if known is not None and not known.reachable(session, user) else [(platform, user)]
            elsewhere = [(p.name, target) for p in self.platforms if p is not known
                         for target in p.targets(session, self.settings, audience)]  # e-mail, when they asked
            return own + elsewhere
        found = [(p.name, target) for p in self.platforms for target in p.targets(session, self.settings, audience)]
        if not found and audience == DEPARTMENT:
            return [("log", audience)]  # nobody configured yet: the log shows the ping
        return found
