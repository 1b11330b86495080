"""The desk's district picture: the report's charts (each with its figures as a table) and the schools on
two maps a reader can explore by pointer or keyboard. Drawn at most once a minute per process, one at a
time, off the event loop (drawing takes a second or two), as GET /report is."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.district_report import DistrictData, Section, collect, headline, sections
from bot.platforms.desk.kit import Kit
from bot.platforms.desk.sessions import SignedIn
from bot.school_map import STYLE

FRESH_SECONDS = 60.0


def _picture(session: Session, kit: Kit) -> tuple[DistrictData, list[Section]]:
    data = collect(session, kit.settings, dt.datetime.now(dt.timezone.utc))
    return data, sections(data)


def install(app: web.Application, kit: Kit) -> None:
    lock = asyncio.Lock()
    drawn: dict[str, Any] = {}

    async def page(request: web.Request, person: SignedIn) -> web.StreamResponse:
        async with lock:
            if time.monotonic() - drawn.get("at", -FRESH_SECONDS) >= FRESH_SECONDS:
                drawn["picture"] = await kit.db(lambda session: _picture(session, kit))
                drawn["at"] = time.monotonic()
        data, parts = drawn["picture"]
        return kit.page("district.html", title="District picture", person=person, data=data, parts=parts,
                        headline=headline(data), stylesheet="/desk/district/map.css")

    async def map_style(request: web.Request) -> web.Response:
        return web.Response(text=STYLE, content_type="text/css",
                            headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})

    app.router.add_get("/desk/district", kit.signed(page))
    app.router.add_get("/desk/district/map.css", map_style)
