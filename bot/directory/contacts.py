"""School contacts from a CSV: the principal and the partnership lead of each school.

Columns `school, role`, one column per chat platform (`models.contacts.REACH`: the
user's id there, or an e-mail that the platform's lookup passed in `resolvers`
turns into an id), and optional `name`, `email`. Rows are validated one by one
like the partners file; re-importing the same file changes nothing (one contact
per school and role).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory.importer import (
    ImportReport,
    RowProblem,
    read_rows,
    resolve_school,
    school_lookup,
)
from bot.models import SchoolContact
from bot.models.contacts import REACH

CONTACT_COLUMNS = ("school", "role")
ROLES = {"principal": "principal", "partnership lead": "partnership_lead", "partnership_lead": "partnership_lead",
         "lead": "partnership_lead", "partnerships lead": "partnership_lead"}
GUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$", re.I)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Lookup = Callable[[str], "str | None"]
"""An e-mail to the platform's user id (None: no such user); raises LookupFailed when it can't ask."""


class LookupFailed(Exception):
    """A platform's lookup could not be made (a missing scope, the platform down): the row is
    reported, not guessed."""


def import_contacts(session: Session, path: Path | None = None, *, rows: list[dict[str, str]] | None = None,
                    resolvers: dict[str, Lookup] | None = None, strict: bool = False) -> ImportReport:
    """A column the file has sets that field for every row (an empty cell clears it); a column it
    lacks keeps what is stored, unless a row names a different person for the role (a new id on
    a platform the file has): then the old person's other ids, name and e-mail go."""
    rows, report = read_rows(path, rows, CONTACT_COLUMNS)
    index, by_name = school_lookup(session)
    existing = {(c.school_id, c.role): c for c in session.scalars(select(SchoolContact))}
    columns = {name for row in rows for name in row}
    platforms_in_file = [platform for platform in REACH if platform in columns]
    seen: dict[tuple[int, str], int] = {}
    good: list[tuple[int, str, dict[str, str]]] = []
    for offset, row in enumerate(rows):
        line = offset + 2
        errors: list[str] = []
        school_id, school_error = resolve_school(index, by_name, row.get("school", "")) if row.get("school") else (
            None, "school is empty")
        if school_error:
            errors.append(school_error)
        role = ROLES.get(" ".join(row.get("role", "").lower().replace("_", " ").split()))
        if role is None:
            errors.append(f"role {row.get('role', '')!r} is not principal or partnership lead")
        values = {}
        if "name" in columns:
            values["name"] = " ".join(row.get("name", "").split())[:200]
        if "email" in columns:
            values["email"] = row.get("email", "").strip()[:200]
            if values["email"] and not EMAIL.match(values["email"]):
                errors.append(f"email {values['email']!r} is not an e-mail address")
        for platform in platforms_in_file:
            column, looks_like = REACH[platform]
            value = row.get(platform, "").strip()
            values[column] = _user(platform, value, looks_like, (resolvers or {}).get(platform), errors) if value else ""
        values = _for(existing.get((school_id or 0, role or "")), values)
        if not errors and not any(values.get(column) for column, _ in REACH.values()):
            errors.append(f"give a user on {' or '.join(REACH)} (an id or an e-mail)")
        if errors:
            report.problems.append(RowProblem(line, "; ".join(errors)))
            continue
        key = (school_id or 0, role or "")
        if key in seen:
            report.problems.append(RowProblem(line, f"duplicate of line {seen[key]} (same school and role)"))
            continue
        seen[key] = line
        good.append((school_id or 0, role or "", values))
    if strict and report.problems:
        return report
    for school_id, role, values in good:
        contact = existing.get((school_id, role))
        if contact is None:
            session.add(SchoolContact(school_id=school_id, role=role, **values))
            report.created += 1
        elif any(getattr(contact, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(contact, k, v)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    report.committed = True
    return report


def _for(contact: SchoolContact | None, values: dict[str, str]) -> dict[str, str]:
    """The row's values completed with what stays of the stored contact: everything the file has no
    column for, unless the row names someone else (a different id where one was stored)."""
    fields = ("name", "email", *(column for column, _ in REACH.values()))
    if contact is None:
        return {field: values.get(field, "") for field in fields}
    someone_else = any(values.get(column) and getattr(contact, column) and values[column] != getattr(contact, column)
                       for column, _ in REACH.values())
    return {field: values[field] if field in values else ("" if someone_else else getattr(contact, field))
            for field in fields}


def _user(platform: str, value: str, looks_like: re.Pattern[str], lookup: Lookup | None, errors: list[str]) -> str:
    if looks_like.match(value):
        return value.lower() if GUID.match(value) else value  # Teams sends AAD object ids in lower case
    if not EMAIL.match(value):
        errors.append(f"{platform} {value!r} is neither a {platform} user id nor an e-mail")
        return ""
    if lookup is None:
        errors.append(f"{platform} {value!r} is an e-mail and no {platform} lookup is configured "
                      "(give the user id, or see README: school contacts)")
        return ""
    try:
        found = lookup(value)
    except LookupFailed as exc:
        errors.append(f"{platform} {value!r} could not be looked up ({exc})")
        return ""
    if not found:
        errors.append(f"{platform} {value!r}: no user has this e-mail")
        return ""
    return found
