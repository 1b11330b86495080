"""CSV import of schools and partnerships, validated row by row.

Good rows go in one transaction; with `strict`, one bad row means nothing is
imported. Re-importing the same file changes nothing (upsert on organisation +
school + school year). Files may be UTF-8 (with or without BOM) or Latin-1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.directory import health
from bot.directory.schools import SchoolIndex
from bot.directory.vocab import region_for_zip, service_code
from bot.models import Organisation, Partnership, PartnershipService, School

PARTNER_COLUMNS = ("organization", "school", "services", "school_year", "agreement_type", "status")
PARTNER_OPTIONAL = ("contact_email", "website", "last_verified", *health.COLUMNS)
SCHOOL_COLUMNS = ("name", "building", "type", "grades", "address", "zip")
AGREEMENT_TYPES = {
    "personal_services_contract": "personal_services_contract", "psc": "personal_services_contract",
    "personal services contract": "personal_services_contract", "mou": "mou",
    "memorandum of understanding": "mou", "alignment_agreement": "alignment_agreement",
    "alignment agreement": "alignment_agreement", "alignment": "alignment_agreement",
    "ptsa_enrichment": "ptsa_enrichment", "ptsa": "ptsa_enrichment", "ptsa enrichment": "ptsa_enrichment",
    "ptsa-coordinated enrichment": "ptsa_enrichment", "letter of agreement": "ptsa_enrichment",
}
STATUSES = ("active", "pending", "inactive", "ended")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ImportFileError(ValueError):
    """The file as a whole can't be read (missing columns, not CSV, not found)."""


@dataclass
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organisations_created: int | None = None  # partners files only
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False
    """Everything was done and then rolled back: the counts say what the import will do."""

    def summary(self) -> str:
        if self.dry_run:
            skipped = f"; {len(self.problems)} with problems would be skipped" if self.problems else ""
            return (f"Dry run, nothing imported: of {self.rows} rows, {self.created} would be new, {self.updated} "
                    f"updated and {self.unchanged} unchanged{skipped}.")
        if not self.committed:
            return f"{self.rows} rows checked, nothing imported: {len(self.problems)} with problems."
        skipped = f", {len(self.problems)} skipped with problems" if self.problems else ""
        return (
            f"{self.rows} rows read: {self.created} new, {self.updated} updated, {self.unchanged} unchanged{skipped}"
            + (f"; {self.organisations_created} new organisations." if self.organisations_created is not None else ".")
        )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet run a cell as a formula (CSV injection)."""


def spreadsheet_safe(cell: str) -> str:
    """A cell for an exported CSV: one a spreadsheet would run as a formula gets a leading apostrophe (shown as
    text); reading it back (`as_imported`) removes it, so an export imports back unchanged."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def as_imported(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_STARTS else cell


def import_csv_bytes(raw: bytes, name: str, required: tuple[str, ...],
                  run: Callable[[list[dict[str, str]]], "ImportReport"]) -> "ImportReport":
    """An uploaded CSV's bytes read as a file's are, imported by `run(rows)`; the file's warnings come first."""
    rows, warnings = parse_csv_text(raw, name, required)
    report = run(rows)
    report.warnings[:0] = warnings
    return report


def undo_as_dry_run(session: Session, report: "ImportReport | Any") -> None:
    """The import was a dry run: what it did is rolled back, and its report says what the import would do."""
    session.rollback()
    report.committed, report.dry_run = False, True


def read_csv(path: Path, required: tuple[str, ...]) -> tuple[list[dict[str, str]], list[str]]:
    """Rows with lower-case headers; tolerates a BOM and Latin-1 files."""
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    return parse_csv_text(path.read_bytes(), str(path), required)


def parse_csv_text(raw: bytes, name: str, required: tuple[str, ...]) -> tuple[list[dict[str, str]], list[str]]:
    """A CSV file's bytes (a file on disk, an upload) as rows with lower-case headers, and warnings."""
    warnings: list[str] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        warnings.append("the file is not UTF-8; it was read as Windows-1252/Latin-1")
    if "\x00" in text:
        raise ImportFileError(f"{name}: this looks like a binary file, not CSV")
    delimiter = _delimiter(text)
    if delimiter != ",":
        warnings.append(f"the columns are separated by {DELIMITER_NAMES[delimiter]}; the file was read that way")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise ImportFileError(f"{name}: not a CSV file ({exc})") from None
    if not fieldnames:
        raise ImportFileError(f"{name}: the file is empty")
    headers = [(h or "").strip().lower().replace(" ", "_") for h in fieldnames]
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        raise ImportFileError(f"{name}: column(s) {', '.join(repeated)} appear more than once in the header")
    missing = [c for c in required if c not in headers]
    if missing:
        raise ImportFileError(
            f"{name}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}"
        )
    rows = []
    try:
        for raw_row in reader:
            rows.append({h: as_imported((v or "").strip()) for h, v in zip(headers, raw_row.values())
                         if isinstance(v, str) or v is None})
    except csv.Error as exc:
        raise ImportFileError(f"{name}: line {reader.line_num} cannot be read as CSV ({exc})") from None
    return rows, warnings


DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


def _delimiter(text: str) -> str:
    """Commas, unless the header line is separated by semicolons or tabs (a spreadsheet saved in a
    European locale, or pasted as tab-separated values)."""
    header = text.split("\n", 1)[0]
    try:
        found = csv.Sniffer().sniff(header, delimiters="".join(DELIMITER_NAMES)).delimiter
    except csv.Error:
        return ","
    return found if header.count(found) > header.count(",") else ","


normalise_school_year = health.parse_school_year


def read_rows(path: Path | None, rows: list[dict[str, str]] | None,
              required: tuple[str, ...]) -> tuple[list[dict[str, str]], ImportReport]:
    """The rows to import (from the file, or given), and a report started for them."""
    warnings: list[str] = []
    if rows is None:
        assert path is not None
        rows, warnings = read_csv(path, required)
    return rows, ImportReport(rows=len(rows), warnings=warnings)


def school_lookup(session: Session) -> tuple[SchoolIndex, dict[str, int]]:
    """What `resolve_school` needs: the school index and the display names."""
    return SchoolIndex.from_session(session), {name.lower(): sid for sid, name in session.execute(
        select(School.id, School.name))}


def resolve_school(index: SchoolIndex, by_name: dict[str, int], value: str) -> tuple[int | None, str]:
    """A school id for an import value, or a message with "did you mean"."""
    sid = by_name.get(value.strip().lower())
    if sid is not None:
        return sid, ""
    match = index.find(value, fuzzy=False)
    if match.found:
        return match.found.id, ""
    if match.ambiguous:
        names = ", ".join(s.name for s in match.schools)
        return None, f"school {value!r} is ambiguous: {names}"
    suggestions = index.suggestions(value)
    hint = f"; did you mean {' or '.join(repr(s.name) for s in suggestions)}?" if suggestions else ""
    return None, f"unknown school {value!r}{hint}"


@dataclass
class _Row:
    line: int
    organisation: str
    school_id: int
    services: tuple[str, ...]
    school_year: str
    agreement_type: str
    status: str
    contact_email: str
    website: str
    last_verified: dt.date | None
    on_file: dict[str, object] = field(default_factory=dict)  # health facts, only the columns the file has


def _validate(rows: list[dict[str, str]], index: SchoolIndex, by_name: dict[str, int]) -> tuple[list[_Row], list[RowProblem]]:
    today = dt.date.today()
    good: list[_Row] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, int, str], int] = {}
    for offset, row in enumerate(rows):
        line = offset + 2  # the header is line 1
        errors: list[str] = []
        organisation = " ".join(row.get("organization", "").split())
        if not organisation:
            errors.append("organization is empty")
        school_id, school_error = resolve_school(index, by_name, row.get("school", "")) if row.get("school") else (None, "school is empty")
        if school_error:
            errors.append(school_error)
        services: list[str] = []
        for part in re.split(r"[;|]", row.get("services", "")):
            if not part.strip():
                continue
            code = service_code(part)
            if code is None:
                errors.append(f"unknown service {part.strip()!r}")
            elif code not in services:
                services.append(code)
        if not services and not any("service" in e for e in errors):
            errors.append("services is empty")
        school_year = normalise_school_year(row.get("school_year", ""))
        if school_year is None:
            errors.append(f"school_year {row.get('school_year', '')!r} is not like 2025-26")
        agreement = AGREEMENT_TYPES.get(row.get("agreement_type", "").strip().lower())
        if agreement is None:
            errors.append(f"agreement_type {row.get('agreement_type', '')!r} is not one of psc, mou, alignment, ptsa")
        status = row.get("status", "").strip().lower() or "active"
        if status not in STATUSES:
            errors.append(f"status {status!r} is not one of {', '.join(STATUSES)}")
        last_verified: dt.date | None = None
        if row.get("last_verified"):
            try:
                last_verified = dt.date.fromisoformat(row["last_verified"])
            except ValueError:
                errors.append(f"last_verified {row['last_verified']!r} is not a date like 2025-09-30")
            else:
                if last_verified > today:
                    errors.append(f"last_verified {row['last_verified']} is in the future")
        email = row.get("contact_email", "")
        if email and not EMAIL.match(email):
            errors.append(f"contact_email {email!r} is not an e-mail address")
        on_file, health_errors = health.parse_columns(row, today)
        errors += health_errors
        if errors:
            problems.append(RowProblem(line, "; ".join(errors)))
            continue
        key = (organisation.lower(), school_id or 0, school_year or "")
        if key in seen:
            problems.append(RowProblem(line, f"duplicate of line {seen[key]} (same organization, school and year)"))
            continue
        seen[key] = line
        good.append(
            _Row(line, organisation, school_id or 0, tuple(sorted(services)), school_year or "", agreement or "",
                 status, email, row.get("website", ""), last_verified, on_file)
        )
    return good, problems


def import_partners(
    session: Session,
    path: Path | None = None,
    *,
    rows: list[dict[str, str]] | None = None,
    strict: bool = False,
    sample: bool = False,
    keep_samples: bool = False,
    not_tracked: str = "",
    progress: Callable[[Iterable[_Row], int], Iterable[_Row]] | None = None,
) -> ImportReport:
    """Validate then upsert; the caller's session commits (or rolls back) as one unit. A file of the
    department's own replaces the sample partnerships, unless `keep_samples` (one entry edited on the desk).
    `not_tracked` ("dsa;insurance"): paperwork the district does not keep here, for rows without a
    not_tracked cell of their own (ImportFileError when it names no item)."""
    try:
        untracked = health.not_tracked_items(not_tracked)
    except ValueError as exc:
        raise ImportFileError(f"not tracked {exc}") from None
    rows, report = read_rows(path, rows, PARTNER_COLUMNS)
    if untracked:
        rows = [row if "not_tracked" in row else {**row, "not_tracked": untracked} for row in rows]
    index, by_name = school_lookup(session)
    good, report.problems = _validate(rows, index, by_name)
    if strict and report.problems:
        return report
    if not sample and not keep_samples:
        removed = session.execute(delete(Partnership).where(Partnership.is_sample.is_(True))).rowcount
        if removed:
            report.warnings.append(f"{removed} sample partnerships are replaced by your data")
    _upsert(session, good, report, sample, progress)
    marked = set(untracked.split(";"))
    missing = [c for c in MISSING_WITHOUT if not any(c in row for row in rows) and health.ITEM_SAYINGS[c] not in marked]
    if rows and missing and report.created and not sample:
        report.warnings.append(
            f"the file has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}: the new partnerships "
            "show that paperwork as missing (and their school contacts are nudged for it) until a file or the "
            "desk gives it; if the district does not keep it here, import again marking it as not tracked")
    report.committed = True
    return report


MISSING_WITHOUT = ("agreement_signed", "insurance_expires", "background_check_date", "principal_approved", "outcomes")
"""Columns without which a new partnership's item reads missing (no expiry date means the school year's end;
no dsa_needed, that no DSA is needed)."""
HEALTH_FACTS = tuple(attribute for attribute, _ in health.COLUMNS.values())
UPDATED = ("agreement_type", "status", "last_verified", *HEALTH_FACTS)
"""What a row of the file sets on an existing partnership (besides its services)."""


def _upsert(session: Session, good: list[_Row], report: ImportReport, sample: bool, progress) -> None:  # type: ignore[no-untyped-def]
    orgs = {name.lower(): (oid, email, site) for oid, name, email, site in session.execute(
        select(Organisation.id, Organisation.name, Organisation.contact_email, Organisation.website))}
    new_orgs: dict[str, dict[str, str]] = {}
    for row in good:
        key = row.organisation.lower()
        if key not in orgs and key not in new_orgs:
            new_orgs[key] = {"name": row.organisation, "contact_email": row.contact_email, "website": row.website, "description": ""}
    if new_orgs:
        result = session.execute(
            insert(Organisation).returning(Organisation.id, Organisation.name, sort_by_parameter_order=True),
            list(new_orgs.values()),
        )
        for oid, name in result:
            orgs[name.lower()] = (oid, "", "")
        report.organisations_created = len(new_orgs)
    compared = [getattr(Partnership, attribute) for attribute in UPDATED]
    existing: dict[tuple[int, int, str], tuple[int, dict[str, object]]] = {
        (org_id, school_id, year): (pid, dict(zip(UPDATED, values)))
        for pid, org_id, school_id, year, *values in session.execute(
            select(Partnership.id, Partnership.organisation_id, Partnership.school_id, Partnership.school_year,
                   *compared))
    }
    existing_services: dict[int, tuple[str, ...]] = {}
    for pid, service in session.execute(select(PartnershipService.partnership_id, PartnershipService.service)):
        existing_services[pid] = tuple(sorted((*existing_services.get(pid, ()), service)))
    to_insert: list[tuple[dict, tuple[str, ...]]] = []
    iterable = progress(good, len(good)) if progress else good
    for row in iterable:
        org_id = orgs[row.organisation.lower()][0]
        key = (org_id, row.school_id, row.school_year)
        current = existing.get(key)
        wanted = {"agreement_type": row.agreement_type, "status": row.status, "last_verified": row.last_verified,
                  **row.on_file}
        if current is None:
            facts = {**{attribute: None for attribute in HEALTH_FACTS}, **wanted}
            to_insert.append((
                {"organisation_id": org_id, "school_id": row.school_id, "school_year": row.school_year,
                 "is_sample": sample, **wanted,
                 **health.attention_columns(health.OnFile(row.agreement_type, row.school_year,
                                                          **{a: facts[a] for a in HEALTH_FACTS}))},
                row.services,
            ))
            existing[key] = (-1, wanted)
            continue
        pid, stored = current
        if all(stored.get(k) == v for k, v in wanted.items()) and existing_services.get(pid, ()) == row.services:
            report.unchanged += 1
            continue
        partnership = session.get(Partnership, pid)
        assert partnership is not None
        for attribute, value in wanted.items():  # columns the file lacks keep what is stored
            setattr(partnership, attribute, value)
        for column, day in health.attention_columns(health.OnFile(
                partnership.agreement_type, partnership.school_year,
                **{a: getattr(partnership, a) for a in HEALTH_FACTS})).items():
            setattr(partnership, column, day)
        session.execute(delete(PartnershipService).where(PartnershipService.partnership_id == pid))
        session.add_all(PartnershipService(partnership_id=pid, service=s) for s in row.services)
        report.updated += 1
    for start in range(0, len(to_insert), 5000):
        batch = to_insert[start : start + 5000]
        ids = session.execute(
            insert(Partnership).returning(Partnership.id, sort_by_parameter_order=True), [values for values, _ in batch]
        ).scalars().all()
        service_rows = [{"partnership_id": pid, "service": s} for pid, (_, services) in zip(ids, batch) for s in services]
        if service_rows:
            session.execute(insert(PartnershipService), service_rows)
        report.created += len(batch)


def _column_given(field_name: str, row: dict[str, str]) -> bool:
    source = {"region": "zip"}.get(field_name, field_name)
    return source in row


def import_schools(session: Session, path: Path | None = None, rows: list[dict[str, str]] | None = None,
                   *, strict: bool = False) -> ImportReport:
    """Upsert schools by display name (the `name` column of the district's list)."""
    warnings: list[str] = []
    if rows is None:
        assert path is not None
        rows, warnings = read_csv(path, SCHOOL_COLUMNS)
    report = ImportReport(rows=len(rows), warnings=warnings)
    existing = {s.name.lower(): s for s in session.scalars(select(School))}
    seen: set[str] = set()
    for offset, row in enumerate(rows):
        line = offset + 2
        name = " ".join(row.get("name", "").split())
        if not name:
            report.problems.append(RowProblem(line, "name is empty"))
            continue
        if name.lower() in seen:
            report.problems.append(RowProblem(line, f"duplicate school {name!r}"))
            continue
        seen.add(name.lower())
        try:
            longitude = float(row["longitude"]) if row.get("longitude") else None
            latitude = float(row["latitude"]) if row.get("latitude") else None
        except ValueError:
            report.problems.append(RowProblem(line, "longitude/latitude are not numbers"))
            continue
        zip_code = row.get("zip", "")[:10]
        values = {
            "name": name, "building": row.get("building", ""), "type": row.get("type", ""),
            "grades": row.get("grades", ""), "address": row.get("address", ""), "zip": zip_code,
            "region": region_for_zip(zip_code), "phone": row.get("phone", ""), "website": row.get("website", ""),
            "longitude": longitude, "latitude": latitude,
        }
        school = existing.get(name.lower())
        if school is not None:  # columns the file does not have keep their current values
            values = {k: v for k, v in values.items() if _column_given(k, row)}
        if school is None:
            session.add(School(**values))
            report.created += 1
        elif any(getattr(school, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(school, k, v)
            report.updated += 1
        else:
            report.unchanged += 1
    if strict and report.problems:
        session.rollback()
        return report
    session.flush()
    report.committed = True
    return report


def fill_attention(session: Session) -> int:
    """Partnerships stored before the per-item attention dates existed (revision 0008) get them,
    from what is on file; returns how many. An agreement always has a date once computed (long
    ago when missing), so an empty one marks a row never computed."""
    rows = session.execute(select(Partnership.id, Partnership.agreement_type, Partnership.school_year,
                                  *(getattr(Partnership, a) for a in HEALTH_FACTS))
                           .where(Partnership.attention_agreement.is_(None))).all()
    for start in range(0, len(rows), 5000):
        session.execute(update(Partnership), [
            {"id": pid, **health.attention_columns(health.OnFile(kind, year, *facts))}
            for pid, kind, year, *facts in rows[start : start + 5000]])
    return len(rows)
