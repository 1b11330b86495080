"""The desk's trainings page: the calendar, a calendar file (ICS or CSV) checked by a dry run and then
imported (its changes announced as from `partnerbot import trainings`), and this week's digest: what it
says, where it goes, and a button to send it now."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.directory.importer import ImportFileError, undo_as_dry_run
from bot.models import Reminder
from bot.models.base import utcnow
from bot.platforms.desk.kit import Kit, import_page, uploaded
from bot.platforms.desk.sessions import SignedIn
from bot.trainings.announce import plan_digest, post_digest, queue_calendar_changes
from bot.trainings.calendar import upcoming, when
from bot.trainings.importer import TrainingImportReport, import_trainings

SUFFIXES = (".ics", ".ical", ".csv")


def _calendar(session: Session, kit: Kit) -> dict[str, Any]:
    now = utcnow()
    rows = upcoming(session, now, include_cancelled=True)[:200]
    reminded = dict(session.execute(select(Reminder.session_id, func.count()).where(Reminder.sent_at.is_(None))
                                    .group_by(Reminder.session_id)).all())
    plan = plan_digest(session, kit.settings, kit.outbox, now, ignore_breaks=True)
    return {
        "sessions": [{"title": r.title, "when": when(r, kit.settings.tz), "location": r.location,
                      "audience": r.audience, "cancelled": r.cancelled, "reminders": reminded.get(r.id, 0)}
                     for r in rows],
        "digest": plan.text, "destinations": [f"{p}: {t}" for p, t in plan.destinations],
        "held": plan.held_on_schedule, "sendable": plan.held is None,
    }


def install(app: web.Application, kit: Kit) -> None:
    async def calendar(request: web.Request, person: SignedIn, *, error: str = "",
                       status: int = 200) -> web.StreamResponse:
        shown = await kit.db(lambda s: _calendar(s, kit))
        return kit.page("trainings.html", status, title="Trainings", person=person, error=error,
                        done=request.query.get("done", ""), **shown)

    async def send_digest(request: web.Request, person: SignedIn) -> web.StreamResponse:
        def work(session: Session) -> int:
            result = post_digest(session, kit.settings, kit.outbox, utcnow(), ignore_breaks=True)
            if result.posted:
                audit.record(session, kit.actor(person), "trainings.digest",
                             after={"sessions": result.sessions, "posted_to": [f"{p}:{t}" for p, t in result.posted]})
            return len(result.posted)
        if not await kit.db(work):
            return await calendar(request, person, error="The digest was not sent: it has already gone to every "
                                  "channel this week, or there is nothing or nowhere to send.", status=409)
        raise kit.see_other("/desk/trainings?done=digest")

    async def upload(request: web.Request, person: SignedIn) -> web.StreamResponse:
        form = request["form"]
        dry_run = form.get("mode") != "import"
        try:
            raw, name = uploaded(form, "calendar.csv")
            if Path(name).suffix.lower() not in SUFFIXES:
                raise ImportFileError("choose an .ics calendar file or a .csv file of sessions")

            def work(session: Session) -> TrainingImportReport:
                report = import_trainings(session, Path(name), kit.settings.tz, dt.datetime.now(dt.timezone.utc),
                                          raw=raw)
                if dry_run:
                    undo_as_dry_run(session, report)
                    return report
                announced = queue_calendar_changes(session, kit.settings, kit.outbox, report)
                audit.record(session, kit.actor(person), "trainings.import", name, after={
                    "sessions": report.rows, "created": len(report.created), "rescheduled": len(report.rescheduled),
                    "cancelled": len(report.cancelled), "updated": report.updated, "announced": announced})
                return report
            report = await kit.db(work)
        except ImportFileError as exc:
            return await calendar(request, person, error=f"The file was not imported: {exc}", status=400)
        return import_page(kit, person, report, raw, name, action="/desk/trainings/import", back="/desk/trainings",
                           items="sessions", dry_run=dry_run, changes=bool(report.created or report.rescheduled
                                                                           or report.cancelled or report.updated))

    app.router.add_get("/desk/trainings", kit.signed(calendar))
    app.router.add_post("/desk/trainings/digest", kit.signed(send_digest))
    app.router.add_post("/desk/trainings/import", kit.signed(upload))
