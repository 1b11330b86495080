"""What every desk page module uses of the desk's server: its pages, its database helper, its guard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from aiohttp import web
from sqlalchemy.orm import Session

from bot import audit
from bot.config import Settings
from bot.platforms.desk.sessions import SignedIn
from bot.tickets.service import DESK

Handler = Callable[[web.Request, SignedIn], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Kit:
    settings: Settings
    headers: dict[str, str]
    page: Callable[..., web.Response]
    """page(template, status, title=…, person=…, **values): a rendered desk page."""
    db: Callable[[Callable[[Session], Any]], Awaitable[Any]]
    """Run work in one unit of work (committed on success) off the event loop."""
    signed: Callable[..., Callable[[web.Request], Awaitable[web.StreamResponse]]]
    """signed(handler, admin=False): signed-in staff only; a POST's CSRF token checked, its form in request["form"]."""

    @staticmethod
    def actor(person: SignedIn) -> str:
        """How the audit log names a desk user."""
        return audit.actor_label(DESK, person.email, person.name)

    def see_other(self, location: str) -> web.HTTPSeeOther:
        return web.HTTPSeeOther(location, headers=self.headers)
