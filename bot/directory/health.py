"""Partnership health: what is on file for a partnership, what is missing, what expires.

From the department's rules: a partner serving students always has an agreement
in place; a partner with student data needs a Data Sharing Agreement for each
school year (the next year's is accepted from June 1); anyone serving students
has a background check renewed every year; a paid partner (a Personal Services
Contract) carries a $1 million liability insurance certificate; and Board Policy
4265 wants partnerships documented, approved by the principal, with measurable
outcomes tied to school goals.

Each fact comes from an optional column of the partners CSV (`COLUMNS`); `assess`
turns the facts into items (current, expiring within 60 days, expired, missing,
not needed), each with the next step to take.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Callable, NamedTuple

WARN_DAYS = 60
BACKGROUND_CHECK_VALID = dt.timedelta(days=365)
DSA_NEXT_YEAR_FROM = (6, 1)
"""DSAs for the next school year are accepted from June 1."""
SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
YES, NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0")

CURRENT, EXPIRING, EXPIRED, MISSING, NOT_NEEDED = "current", "expiring", "expired", "missing", "not_needed"
NOT_TRACKED = "not_tracked"
"""An item the district does not keep in this database for the partnership (its import said so): never missing."""
PROBLEMS = (MISSING, EXPIRED, EXPIRING)


class OnFile(NamedTuple):
    """What the database holds about one partnership's paperwork (None: not recorded).

    Records here are NamedTuples: immutable like frozen dataclasses, and three times cheaper
    to build, which counts when a large school's thousand partnerships are assessed per answer."""

    agreement_type: str
    school_year: str
    agreement_signed: dt.date | None = None
    agreement_expires: dt.date | None = None
    dsa_needed: bool | None = None
    dsa_school_year: str | None = None
    insurance_expires: dt.date | None = None
    background_checked: dt.date | None = None
    principal_approved: dt.date | None = None
    outcomes: str | None = None
    not_tracked: str | None = None  # "dsa;insurance": items not kept here (NOT_TRACKED)


class Item(NamedTuple):
    what: str  # agreement | dsa | insurance | background_check | principal_approval | outcomes
    state: str
    due: dt.date | None = None

    @property
    def name(self) -> str:
        return NAMES[self.what]

    def describe(self) -> str:
        """"DSA expires 2027-07-31", "insurance certificate missing"."""
        when = f" {self.due.isoformat()}" if self.due else ""
        return {CURRENT: f"{self.name} on file", EXPIRING: f"{self.name} expires{when}",
                EXPIRED: f"{self.name} expired{when}", MISSING: f"{self.name} missing",
                NOT_NEEDED: f"{self.name} not needed", NOT_TRACKED: f"{self.name} not tracked here"}[self.state]

    @property
    def next_step(self) -> str:
        return NEXT_STEPS[self.what]


NAMES = {"agreement": "agreement", "dsa": "DSA", "insurance": "insurance certificate",
         "background_check": "background check", "principal_approval": "principal approval",
         "outcomes": "measurable outcomes"}
NEXT_STEPS = {
    "agreement": "put an agreement in place, or renew the one that is expiring, before the partner works with "
                 "students: ask me \"which agreement applies?\"",
    "dsa": "the partner signs a new Data Sharing Agreement for the school year through the department "
           "(next year's is accepted from June 1)",
    "insurance": "ask the partner for a certificate of general liability insurance of at least $1 million per "
                 "occurrence naming the district as additional insured",
    "background_check": "the partner organisation renews its background checks (yearly) and confirms it to you",
    "principal_approval": "the principal approves the partnership (Board Policy 4265)",
    "outcomes": "record measurable outcomes tied to the school's goals (Board Policy 4265)",
}


@lru_cache(maxsize=64)
def school_year_end(school_year: str) -> dt.date:
    """School years run August to July: "2026-27" ends on 2027-07-31."""
    return dt.date(int(school_year[:4]) + 1, 7, 31)


def school_year_of(day: dt.date) -> str:
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def next_school_year(school_year: str) -> str:
    start = int(school_year[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def _dated(what: str, until: dt.date | None, today: dt.date) -> Item:
    if until is None:
        return Item(what, MISSING)
    if until < today:
        return Item(what, EXPIRED, until)
    if (until - today).days <= WARN_DAYS:
        return Item(what, EXPIRING, until)
    return Item(what, CURRENT, until)


def assess(on_file: OnFile, today: dt.date) -> list[Item]:
    items = []
    if on_file.agreement_signed is None:
        items.append(Item("agreement", MISSING))
    else:
        items.append(_dated("agreement", on_file.agreement_expires or school_year_end(on_file.school_year), today))
    if on_file.dsa_needed:
        year = on_file.dsa_school_year
        items.append(_dated("dsa", school_year_end(year) if year else None, today))
    else:
        items.append(Item("dsa", NOT_NEEDED))
    if on_file.agreement_type == "personal_services_contract":
        items.append(_dated("insurance", on_file.insurance_expires, today))
    else:
        items.append(Item("insurance", NOT_NEEDED))
    checked = on_file.background_checked
    items.append(_dated("background_check", checked + BACKGROUND_CHECK_VALID if checked else None, today))
    items.append(Item("principal_approval", CURRENT if on_file.principal_approved else MISSING))
    items.append(Item("outcomes", CURRENT if (on_file.outcomes or "").strip() else MISSING))
    if on_file.not_tracked:
        untracked = set(on_file.not_tracked.split(";"))
        items = [Item(i.what, NOT_TRACKED) if i.what in untracked else i for i in items]
    return items


def attention_dates(on_file: OnFile) -> dict[str, dt.date | None]:
    """Per item, the first day it needs attention: long ago when it is missing, WARN_DAYS before it
    expires, None when it never will (not needed, or on file for good)."""
    dates: dict[str, dt.date | None] = {}
    for item in assess(on_file, dt.date.min):  # as seen from long ago: missing is missing, the rest is dated
        if item.state == MISSING:
            dates[item.what] = dt.date.min
        else:
            dates[item.what] = item.due - dt.timedelta(days=WARN_DAYS) if item.due is not None else None
    return dates


def attention_columns(on_file: OnFile) -> dict[str, dt.date | None]:
    """What the partnership row stores of `attention_dates` (indexed with the school): `attention_from`,
    the first day anything needs attention, and one `attention_<item>` per item. A question about
    one school reads, counts and filters only what needs attention, in SQL."""
    dates = attention_dates(on_file)
    known = [day for day in dates.values() if day is not None]
    return {"attention_from": min(known) if known else None, **{f"attention_{what}": day for what, day in dates.items()}}


def problems(items: list[Item]) -> list[Item]:
    return [i for i in items if i.state in PROBLEMS]


def compact(items: list[Item]) -> str:
    """One short status for a partner line: "all on file", or what is missing / expiring."""
    found = problems(items)
    if not found:
        return "all on file"
    return "; ".join(i.describe() for i in sorted(found, key=lambda i: PROBLEMS.index(i.state)))


def needs_dsa_for(on_file: OnFile, school_year: str) -> bool:
    """A partner with student data whose DSA does not cover `school_year` yet."""
    return bool(on_file.dsa_needed) and (on_file.dsa_school_year or "") < school_year


# -- the CSV columns ------------------------------------------------------------------------------------

def _date(value: str, today: dt.date, *, past: bool = False) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date like 2026-09-30") from exc
    if past and day > today:
        raise ValueError(f"{value} is in the future")
    return day


def _flag(value: str, today: dt.date) -> bool:
    lowered = value.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def parse_school_year(value: str) -> str | None:
    """"2026-27", "2026/2027", "2026 - 27" -> "2026-27"; None if it is not one school year."""
    m = SCHOOL_YEAR.match(value.strip())
    if not m:
        return None
    start, end = int(m.group(1)), m.group(2)
    end_year = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
    return f"{start}-{end_year % 100:02d}" if end_year == start + 1 else None


def _school_year(value: str, today: dt.date) -> str:
    year = parse_school_year(value)
    if year is None:
        raise ValueError(f"{value!r} is not a school year like 2026-27")
    return year


ITEM_SAYINGS = {**{what: what for what in NAMES}, **{name.lower(): what for what, name in NAMES.items()},
                "insurance": "insurance", "background check": "background_check", "principal approval": "principal_approval",
                "dsa_needed": "dsa", "dsa_school_year": "dsa", "insurance_expires": "insurance",
                "background_check_date": "background_check", "principal_approved": "principal_approval",
                "agreement_signed": "agreement", "agreement_expires": "agreement"}
"""How a file or a person may name a paperwork item: its key, its name, or one of its columns."""


def not_tracked_items(value: str, today: dt.date | None = None) -> str:
    """"DSA; insurance certificate" -> "dsa;insurance" (the stored form: known items, sorted)."""
    found = set()
    for said in re.split(r"[;,]", value):
        key = " ".join(said.split()).lower()
        if not key:
            continue
        if key not in ITEM_SAYINGS:
            raise ValueError(f"names no paperwork item: {said.strip()!r} (the items are {', '.join(NAMES)})")
        found.add(ITEM_SAYINGS[key])
    return ";".join(sorted(found))


def _text(value: str, today: dt.date) -> str:
    if len(value) > 500:
        raise ValueError("is longer than 500 characters")
    return " ".join(value.split())


COLUMNS: dict[str, tuple[str, Callable[[str, dt.date], Any]]] = {
    "agreement_signed": ("agreement_signed", lambda v, t: _date(v, t, past=True)),
    "agreement_expires": ("agreement_expires", _date),
    "dsa_needed": ("dsa_needed", _flag),
    "dsa_school_year": ("dsa_school_year", _school_year),
    "insurance_expires": ("insurance_expires", _date),
    "background_check_date": ("background_checked", lambda v, t: _date(v, t, past=True)),
    "principal_approved": ("principal_approved", lambda v, t: _date(v, t, past=True)),
    "outcomes": ("outcomes", _text),
    "not_tracked": ("not_tracked", lambda v, t: not_tracked_items(v) or None),
}
"""CSV column -> (Partnership attribute, parser). All optional; a column the file lacks keeps
what the database has, an empty cell clears it."""


def parse_columns(row: dict[str, str], today: dt.date) -> tuple[dict[str, Any], list[str]]:
    """The health facts a CSV row gives (only its columns), and its errors."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for column, (attribute, parse) in COLUMNS.items():
        if column not in row:
            continue
        raw = row[column].strip()
        if not raw:
            values[attribute] = None
            continue
        try:
            values[attribute] = parse(raw, today)
        except ValueError as exc:
            errors.append(f"{column} {exc}")
    signed, expires = values.get("agreement_signed"), values.get("agreement_expires")
    if signed and expires and expires < signed:
        errors.append("agreement_expires is before agreement_signed")
    return values, errors
