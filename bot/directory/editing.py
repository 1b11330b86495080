"""Partnerships as the department edits them from the desk: found, shown and exported in the import file's
own columns, and changed through the importer, so a change in the browser passes exactly the checks a
re-imported CSV row would."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from bot.directory import health
from bot.directory.importer import (
    PARTNER_COLUMNS,
    PARTNER_OPTIONAL,
    ImportReport,
    import_partners,
    import_csv_bytes,
    spreadsheet_safe,
    undo_as_dry_run,
)
from bot.models import CorrectionRequest, Organisation, Partnership, School

COLUMNS = (*PARTNER_COLUMNS, *PARTNER_OPTIONAL)
"""The export's columns: the import file's, so an exported file imports back unchanged."""
EDITABLE = tuple(c for c in COLUMNS if c not in ("organization", "school", "school_year", "contact_email", "website"))
"""What the desk's form changes on one partnership (organisation, school and year name it; the organisation's
contact details belong to the organisation)."""
SEARCH_LIMIT = 200


@dataclass(frozen=True)
class Found:
    id: int
    organisation: str
    school: str
    school_year: str
    agreement_type: str
    status: str
    services: str
    needs_attention: bool


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def as_row(partnership: Partnership) -> dict[str, str]:
    """One partnership in the import file's columns."""
    row = {
        "organization": partnership.organisation.name, "school": partnership.school.name,
        "services": "; ".join(sorted(s.service for s in partnership.services)),
        "school_year": partnership.school_year, "agreement_type": partnership.agreement_type,
        "status": partnership.status, "contact_email": partnership.organisation.contact_email or "",
        "website": partnership.organisation.website or "", "last_verified": _cell(partnership.last_verified),
    }
    for column, (attribute, _) in health.COLUMNS.items():
        row[column] = _cell(getattr(partnership, attribute))
    return row


def _loaded():  # type: ignore[no-untyped-def]
    return select(Partnership).options(selectinload(Partnership.organisation), selectinload(Partnership.school),
                                       selectinload(Partnership.services))


def search(session: Session, text: str, limit: int = SEARCH_LIMIT) -> tuple[list[Found], int]:
    """Partnerships whose organisation or school name holds `text` (all when empty), and how many there are."""
    query = select(Partnership.id).join(Partnership.organisation).join(Partnership.school)
    words = text.split()
    for word in words[:8]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Organisation.name.ilike(pattern), School.name.ilike(pattern)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = list(session.scalars(query.order_by(Organisation.name, School.name, Partnership.school_year.desc())
                               .limit(limit)))
    rows = {p.id: p for p in session.scalars(_loaded().where(Partnership.id.in_(ids)))}
    found = []
    for pid in ids:
        p = rows[pid]
        found.append(Found(p.id, p.organisation.name, p.school.name, p.school_year, p.agreement_type, p.status,
                           ", ".join(sorted(s.service for s in p.services)), p.attention_from is not None
                           and p.attention_from <= dt.date.today()))
    return found, total


@dataclass(frozen=True)
class Link:
    label: str
    path: str


def entries_about(session: Session, ticket_id: int) -> list[Link]:
    """The directory entries a correction ticket reports: the partnerships of its organisation at its school
    (each opened directly), or a search for the one it names."""
    correction = session.scalar(select(CorrectionRequest).where(CorrectionRequest.ticket_id == ticket_id))
    if correction is None or not (correction.organisation_id or correction.school_id):
        return []
    query = _loaded()
    if correction.organisation_id:
        query = query.where(Partnership.organisation_id == correction.organisation_id)
    if correction.school_id:
        query = query.where(Partnership.school_id == correction.school_id)
    found = list(session.scalars(query.order_by(Partnership.school_year.desc()).limit(11)))
    if found and len(found) <= 10:
        return [Link(f"{p.organisation.name} at {p.school.name} ({p.school_year})", f"/desk/partners/{p.id}")
                for p in found]
    named = session.get(Organisation, correction.organisation_id) if correction.organisation_id else None
    place = session.get(School, correction.school_id) if correction.school_id else None
    words = named.name if named is not None else place.name if place is not None else ""
    return [Link(f"Partnerships matching “{words}”", f"/desk/partners?q={quote(words)}")] if words else []


def one(session: Session, partnership_id: int) -> dict[str, str] | None:
    found = session.scalar(_loaded().where(Partnership.id == partnership_id))
    return as_row(found) if found is not None else None


def export_csv(session: Session) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    query = _loaded().join(Partnership.organisation).join(Partnership.school).order_by(
        Organisation.name, School.name, Partnership.school_year)
    for partnership in session.scalars(query):
        writer.writerow({k: spreadsheet_safe(v) for k, v in as_row(partnership).items()})
    return out.getvalue()


def version(entry: dict[str, str]) -> str:
    """What a form was opened on: a save over a different version would undo someone else's change."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Edited:
    report: ImportReport
    before: dict[str, str]
    after: dict[str, str]
    conflict: bool = False
    """The entry changed since the form was opened (`loaded`): nothing was written."""


def edit(session: Session, partnership_id: int, form: dict[str, str], loaded: str) -> Edited | None:
    """Change one partnership from the desk's form (the EDITABLE columns), validated as an import row; nothing
    is written when the row has a problem (`report.problems`) or the entry changed since the form was opened.
    A sample partnership edited becomes the department's own. None: no such partnership."""
    before = one(session, partnership_id)
    if before is None:
        return None
    if loaded != version(before):
        return Edited(ImportReport(), before, before, conflict=True)
    row = {**before, **{c: " ".join(str(form.get(c, "")).split()) if c != "outcomes" else str(form.get(c, "")).strip()
                        for c in EDITABLE}}
    report = import_partners(session, rows=[row], strict=True, keep_samples=True)
    if not report.problems:
        session.execute(update(Partnership).where(Partnership.id == partnership_id).values(is_sample=False))
    session.flush()
    session.expire_all()
    after = one(session, partnership_id) or before
    return Edited(report, before, after)


def import_upload(session: Session, raw: bytes, *, dry_run: bool, not_tracked: str = "") -> ImportReport:
    """A partners CSV uploaded in the browser. A dry run does the whole import and rolls it back, so its
    report (new, updated, unchanged, each problem by line) is what the real import will do. `not_tracked`:
    as `import_partners` takes it."""
    report = import_csv_bytes(raw, "the file", PARTNER_COLUMNS,
                              lambda rows: import_partners(session, rows=rows, not_tracked=not_tracked))
    if dry_run:
        undo_as_dry_run(session, report)
    return report
