"""The desk's contacts page: each school's principal and partnership lead, the paperwork nudges each would
get next and what they were sent; and a contacts CSV checked by a dry run, then imported."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.directory import nudges
from bot.directory.contacts import CONTACT_COLUMNS, import_contacts
from bot.directory.importer import (
    ImportFileError,
    ImportReport,
    import_csv_bytes,
    undo_as_dry_run,
)
from bot.models import Organisation, Partnership, School, SchoolContact
from bot.models.base import utcnow
from bot.platforms.desk.kit import Kit, import_page, uploaded
from bot.platforms.desk.sessions import SignedIn

THRESHOLDS = {"missing": "missing", "expired": "expired", "60": "60 days before", "30": "30 days before",
              "7": "7 days before"}


def _threshold(value: str) -> str:
    if value.startswith("next_year:"):
        return f"next year's DSA ({value.split(':', 1)[1]})"
    return THRESHOLDS.get(value, value)


def _school_view(session: Session, kit: Kit, name: str) -> dict[str, Any]:
    schools = [{"id": s.id, "name": s.name, "contacts": n} for s, n in _with_contacts(session)]
    chosen = session.scalar(select(School).where(School.name == name)) if name else None
    if chosen is None:
        return {"schools": schools, "school": None}
    picture = nudges.for_school(session, chosen.id, utcnow(), kit.settings)
    organisations = dict(session.execute(select(Partnership.id, Organisation.name)
                                         .join(Organisation, Organisation.id == Partnership.organisation_id)
                                         .where(Partnership.school_id == chosen.id)).all())
    roles = {c.id: c.role.replace("_", " ") for c in picture.contacts}
    tz = kit.settings.tz
    return {
        "schools": schools, "school": chosen.name,
        "contacts": [{"role": c.role.replace("_", " "), "name": c.name, "email": c.email,
                      "reach": ", ".join(f"{p}: {i}" for p, i in c.reach().items()),
                      "next": [f"{n.organisation}: {n.item.describe()} ({_threshold(n.threshold)})"
                               for n in picture.not_yet_sent.get(c.id, [])]} for c in picture.contacts],
        "sent": [{"when": s.sent_at.astimezone(tz).strftime("%Y-%m-%d"), "to": roles.get(s.contact_id, ""),
                  "partner": organisations.get(s.partnership_id, "(removed)"), "what": s.what,
                  "threshold": _threshold(s.threshold)} for s in picture.sent],
        "holds": [{"partner": organisations.get(h.partnership_id, ""), "what": h.what, "kind": h.kind,
                   "until": h.until.astimezone(tz).strftime("%Y-%m-%d"), "by": h.by_user} for h in picture.holds],
    }


def _with_contacts(session: Session) -> list[tuple[School, int]]:
    counts: dict[int, int] = {}
    for school_id in session.scalars(select(SchoolContact.school_id)):
        counts[school_id] = counts.get(school_id, 0) + 1
    return [(s, counts.get(s.id, 0)) for s in session.scalars(select(School).order_by(School.name))]


def install(app: web.Application, kit: Kit) -> None:
    async def page(request: web.Request, person: SignedIn, *, error: str = "", status: int = 200) -> web.StreamResponse:
        name = request.query.get("school", "")[:200]
        shown = await kit.db(lambda s: _school_view(s, kit, name))
        return kit.page("contacts.html", status, title="Contacts and nudges", person=person, error=error, **shown)

    async def upload(request: web.Request, person: SignedIn) -> web.StreamResponse:
        form = request["form"]
        dry_run = form.get("mode") != "import"
        try:
            raw, name = uploaded(form, "contacts.csv")

            def work(session: Session) -> ImportReport:
                report = import_csv_bytes(raw, name, CONTACT_COLUMNS, lambda rows: import_contacts(session, rows=rows))
                if dry_run:
                    undo_as_dry_run(session, report)
                else:
                    audit.record(session, kit.actor(person), "contacts.import", name, after={
                        "rows": report.rows, "created": report.created, "updated": report.updated,
                        "unchanged": report.unchanged, "skipped": len(report.problems)})
                return report
            report = await kit.db(work)
        except ImportFileError as exc:
            return await page(request, person, error=f"The file was not imported: {exc}", status=400)
        return import_page(kit, person, report, raw, name, action="/desk/contacts/import", back="/desk/contacts",
                           items="rows", dry_run=dry_run, changes=bool(report.created or report.updated))

    app.router.add_get("/desk/contacts", kit.signed(page))
    app.router.add_post("/desk/contacts/import", kit.signed(upload))
