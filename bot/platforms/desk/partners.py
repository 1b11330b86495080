"""The desk's partners pages: search, one partnership's edit form, a CSV import checked by a dry run first,
and the export. Changes go through the importer (bot/directory/editing.py) and into the audit log."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot import audit
from bot.directory import editing, health
from bot.directory.importer import (
    AGREEMENT_TYPES,
    STATUSES,
    ImportFileError,
    ImportReport,
)
from bot.platforms.desk.kit import Kit, import_page, uploaded
from bot.platforms.desk.sessions import SignedIn

AGREEMENTS = tuple(dict.fromkeys(AGREEMENT_TYPES.values()))
DATES = ("last_verified", "agreement_signed", "agreement_expires", "insurance_expires", "background_check_date",
         "principal_approved")


def _changed(before: dict[str, str], after: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k, "") for k in keys}, {k: after[k] for k in keys}


def install(app: web.Application, kit: Kit) -> None:
    async def search(request: web.Request, person: SignedIn, *, import_error: str = "",
                     status: int = 200) -> web.StreamResponse:
        text = request.query.get("q", "")[:200]
        found, total = await kit.db(lambda s: editing.search(s, text))
        return kit.page("partners.html", status, title="Partners", person=person, q=text, found=found, total=total,
                        limit=editing.SEARCH_LIMIT, import_error=import_error,
                        paperwork=[(key, name[0].upper() + name[1:]) for key, name in health.NAMES.items()])

    async def show(request: web.Request, person: SignedIn, *, form: dict[str, str] | None = None, error: str = "",
                   status: int = 200) -> web.StreamResponse:
        pid = _id(request)
        entry = await kit.db(lambda s: editing.one(s, pid)) if pid else None
        if entry is None:
            return kit.page("message.html", 404, title="No such partnership", person=person,
                            text="That partnership is not in the directory (it may have been removed).")
        return kit.page("partner.html", status, title=f"{entry['organization']} at {entry['school']}", person=person,
                        entry={**entry, **(form or {})}, pid=pid, loaded=editing.version(entry), agreements=AGREEMENTS, statuses=STATUSES,
                        dates=DATES, error=error, done=request.query.get("done", ""))

    async def save(request: web.Request, person: SignedIn) -> web.StreamResponse:
        pid = _id(request)
        form = {c: str(request["form"].get(c, ""))[:2000] for c in editing.EDITABLE}
        loaded = str(request["form"].get("loaded", ""))

        def work(session: Session) -> editing.Edited | None:
            edited = editing.edit(session, pid, form, loaded)
            if edited is not None and not edited.conflict and not edited.report.problems:
                before, after = _changed(edited.before, edited.after)
                if after:
                    audit.record(session, kit.actor(person), "partnership.edit",
                                 f"{edited.before['organization']} at {edited.before['school']} "
                                 f"({edited.before['school_year']})", before=before, after=after)
            return edited
        edited = await kit.db(work) if pid else None
        if edited is None:
            return await show(request, person)
        if edited.conflict:
            return await show(request, person, status=409, error="Someone changed this partnership after you opened "
                              "it, so nothing was saved. The form now shows the entry as it is: make your change again.")
        if edited.report.problems:
            problem = "; ".join(p.message for p in edited.report.problems)
            return await show(request, person, form=form, error=f"Not saved: {problem}.", status=400)
        raise kit.see_other(f"/desk/partners/{pid}?done=saved")

    async def export(request: web.Request, person: SignedIn) -> web.StreamResponse:
        def work(session: Session) -> str:
            audit.record(session, kit.actor(person), "partners.export")
            return editing.export_csv(session)
        return web.Response(text=await kit.db(work), content_type="text/csv", charset="utf-8", headers={
            **kit.headers, "Content-Disposition": 'attachment; filename="partnerships.csv"'})

    async def upload(request: web.Request, person: SignedIn) -> web.StreamResponse:
        form = request["form"]
        dry_run = form.get("mode") != "import"
        not_tracked = ";".join(str(v) for v in form.getall("not_tracked", []))[:200]  # boxes, or the dry run's carried value
        try:
            raw, name = uploaded(form, "partners.csv")

            def work(session: Session) -> ImportReport:
                report = editing.import_upload(session, raw, dry_run=dry_run, not_tracked=not_tracked)
                if not dry_run:
                    audit.record(session, kit.actor(person), "partners.import", name, after={
                        "rows": report.rows, "created": report.created, "updated": report.updated,
                        "unchanged": report.unchanged, "skipped": len(report.problems), "warnings": report.warnings,
                        "not_tracked": not_tracked})
                return report
            report = await kit.db(work)
        except ImportFileError as exc:
            return await search(request, person, import_error=str(exc), status=400)
        return import_page(kit, person, report, raw, name, action="/desk/partners/import", back="/desk/partners",
                           items="rows", dry_run=dry_run, changes=bool(report.created or report.updated),
                           carried_fields={"not_tracked": not_tracked} if not_tracked else None)

    app.router.add_get("/desk/partners", kit.signed(search))
    app.router.add_get("/desk/partners.csv", kit.signed(export))
    app.router.add_post("/desk/partners/import", kit.signed(upload))
    app.router.add_get("/desk/partners/{id}", kit.signed(show))
    app.router.add_post("/desk/partners/{id}", kit.signed(save))


def _id(request: web.Request) -> int:
    value = request.match_info.get("id", "")
    return int(value) if value.isdigit() and len(value) < 10 else 0
