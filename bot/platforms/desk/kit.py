"""What every desk page module uses of the desk's server: its pages, its database helper, its guard."""

from __future__ import annotations

import base64
import datetime as dt
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp import web
from sqlalchemy.orm import Session

from bot import audit
from bot.config import Settings
from bot.directory.importer import ImportFileError
from bot.notify import Outbox
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
    outbox: Outbox
    """Queues notices (announcements) in a unit of work's transaction, as the chat and the clock do."""

    @staticmethod
    def actor(person: SignedIn) -> str:
        """How the audit log names a desk user."""
        return audit.actor_label(DESK, person.email, person.name)

    def see_other(self, location: str) -> web.HTTPSeeOther:
        return web.HTTPSeeOther(location, headers=self.headers)


def local_time(at: dt.datetime | None, settings: Settings) -> str:
    """A moment as staff read it: the district's time zone, to the minute ("" when there is none)."""
    return at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") if at else ""


MAX_UPLOAD = 700 * 1024
"""Kept under the server's 1 MB request limit even as a dry run's page carries the file on (base64 adds a third)."""


def uploaded(form: Any, default_name: str) -> tuple[bytes, str]:
    """The file of an upload form and its name, or the ones a dry run's page carries on to the import
    (ImportFileError when neither came through or the file is too large)."""
    field = form.get("file")
    if field is not None and hasattr(field, "file"):
        raw, name = field.file.read(MAX_UPLOAD + 1), Path(str(field.filename or default_name)).name
    else:
        try:
            raw = base64.b64decode(str(form.get("content", "")), validate=True)
        except (binascii.Error, ValueError):
            raise ImportFileError("the file did not come through; choose it again") from None
        name = Path(str(form.get("name", "")) or default_name).name
    if len(raw) > MAX_UPLOAD:
        raise ImportFileError(f"the file is larger than {MAX_UPLOAD // 1024} KB")
    return raw, name


def import_page(kit: Kit, person: SignedIn, report: Any, raw: bytes, name: str, *, action: str, back: str,
                items: str, dry_run: bool, changes: bool, carried_fields: dict[str, str] | None = None) -> web.Response:
    """A dry run's report with the button that imports the same file (and the options it was checked with,
    `carried_fields`), or the import's report."""
    return kit.page("import_check.html", title="Import check" if dry_run else "Import done", person=person,
                    report=report, problems=report.problems[:MAX_SHOWN_PROBLEMS], file_name=name, action=action,
                    back=back, items=items, carried=base64.b64encode(raw).decode() if dry_run else "",
                    carried_fields=carried_fields or {}, importable=dry_run and changes)


MAX_SHOWN_PROBLEMS = 200
