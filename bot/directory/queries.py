"""Read-only questions over the partnership database (lookups and distribution)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process, utils
from sqlalchemy import and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session

from bot.directory import health
from bot.directory.vocab import services
from bot.models import Organisation, Partnership, PartnershipService, School
from bot.text import TYPO_MIN_LENGTH, alike, normalise, typos_allowed

CURRENT_STATUSES = ("active", "pending")


@dataclass(frozen=True)
class PartnerRow:
    organisation: str
    services: tuple[str, ...]
    agreement_type: str
    school_year: str
    status: str
    last_verified: str | None
    school: str
    is_sample: bool
    on_file: health.OnFile | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "organisation": self.organisation, "services": list(self.services), "agreement_type": self.agreement_type,
            "school_year": self.school_year, "status": self.status, "last_verified": self.last_verified,
            "school": self.school,
        }


ON_FILE = (Partnership.agreement_type, Partnership.school_year, Partnership.agreement_signed,
           Partnership.agreement_expires, Partnership.dsa_needed, Partnership.dsa_school_year,
           Partnership.insurance_expires, Partnership.background_checked, Partnership.principal_approved,
           Partnership.outcomes, Partnership.not_tracked)
"""The columns of `health.OnFile`, in its field order."""




current_school_year = health.school_year_of
"""School years run August to July: 2026-11-27 is in "2026-27"."""


def _is_current(year: str):  # type: ignore[no-untyped-def]
    """Partnerships of this school year that are active or about to start."""
    return Partnership.status.in_(CURRENT_STATUSES) & (Partnership.school_year == year)


def _current(query, year: str):  # type: ignore[no-untyped-def]
    return query.where(_is_current(year))


def _page(session: Session, year: str, where, service: str | None, order, offset: int, limit: int) -> tuple[list[PartnerRow], int]:  # type: ignore[no-untyped-def]
    """One page of current partnerships matching `where` (and a service), plus the total.

    Plain column queries (the total, counted from the partnership table's indexes; the page, read
    in index order and stopped at its limit; then its services): a lookup is on the path of every
    partner question, so no ORM objects are built, and a school's thousand partnerships are
    counted, not read."""
    has_service = exists().where(PartnershipService.partnership_id == Partnership.id,
                                 PartnershipService.service == service) if service else None
    counted = _current(select(func.count()).select_from(Partnership).where(where), year)
    total = int(plain_rows(session, counted if has_service is None else counted.where(has_service))[0][0] or 0)
    if not total or offset >= total:
        return [], total
    query = _current(
        select(Partnership.id, Organisation.name, School.name, Partnership.agreement_type, Partnership.school_year,
               Partnership.status, Partnership.last_verified, Partnership.is_sample, *ON_FILE)
        .join(Organisation, Organisation.id == Partnership.organisation_id)
        .join(School, School.id == Partnership.school_id)
        .where(where), year)
    if has_service is not None:
        query = query.where(has_service)
    rows = plain_rows(session, query.order_by(*order).offset(offset).limit(limit))
    codes: dict[int, list[str]] = {}
    for partnership_id, code in plain_rows(session, select(PartnershipService.partnership_id, PartnershipService.service)
                                           .where(PartnershipService.partnership_id.in_([r[0] for r in rows]))):
        codes.setdefault(partnership_id, []).append(code)
    names = services()
    page = [
        PartnerRow(org, tuple(names[c].name if c in names else c for c in sorted(codes.get(pid, []))), agreement,
                   school_year, status, verified.isoformat() if verified else None, school, bool(sample),
                   health.OnFile(*on_file))
        for pid, org, school, agreement, school_year, status, verified, sample, *on_file in rows
    ]
    return page, total


def partners_at(session: Session, year: str, school_id: int, service: str | None, offset: int, limit: int) -> tuple[list[PartnerRow], int]:
    """Current partnerships at a school, newest verified first."""
    order = (Partnership.last_verified.desc().nulls_last(), Partnership.id)
    return _page(session, year, Partnership.school_id == school_id, service, order, offset, limit)


def schools_of(session: Session, year: str, organisation_id: int, service: str | None, offset: int, limit: int,
               school_id: int | None = None) -> tuple[list[PartnerRow], int]:
    """The schools an organisation currently serves, by name (at one school: whether it does)."""
    where = Partnership.organisation_id == organisation_id
    if school_id is not None:
        where = and_(where, Partnership.school_id == school_id)
    return _page(session, year, where, service, (School.name,), offset, limit)


@dataclass(frozen=True)
class SchoolFilter:
    """Which schools a district-wide question is about: school types (a level) and a region."""

    types: tuple[str, ...] = ()
    region: str | None = None

    def apply(self, query):  # type: ignore[no-untyped-def]
        if self.types:
            query = query.where(School.type.in_(self.types))
        if self.region:
            query = query.where(School.region == self.region)
        return query


ALL_SCHOOLS = SchoolFilter()


def schools_with_service(session: Session, year: str, service: str, where: SchoolFilter = ALL_SCHOOLS) -> list[tuple[str, int]]:
    query = where.apply(
        select(School.name, func.count(func.distinct(Partnership.organisation_id)))
        .join(Partnership, Partnership.school_id == School.id)
        .join(PartnershipService, PartnershipService.partnership_id == Partnership.id)
        .where(PartnershipService.service == service, _is_current(year))
    ).group_by(School.name).order_by(func.count(func.distinct(Partnership.organisation_id)).desc(), School.name)
    return [(name, count) for name, count in session.execute(query)]


def schools_without_service(session: Session, year: str, service: str | None, where: SchoolFilter = ALL_SCHOOLS) -> list[str]:
    has = select(Partnership.id).where(Partnership.school_id == School.id, _is_current(year))
    if service:
        has = has.join(PartnershipService, PartnershipService.partnership_id == Partnership.id).where(
            PartnershipService.service == service)
    return list(session.scalars(where.apply(select(School.name).where(~has.exists())).order_by(School.name)))


def counts_by(session: Session, year: str, column, where: SchoolFilter = ALL_SCHOOLS) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    """(group, partnerships, schools) per region or per school type."""
    query = where.apply(
        select(column, func.count(Partnership.id), func.count(func.distinct(School.id)))
        .select_from(School).outerjoin(Partnership, (Partnership.school_id == School.id) & _is_current(year))
    ).group_by(column).order_by(func.count(Partnership.id).desc())
    return [(group or "Unassigned", partnerships, schools) for group, partnerships, schools in session.execute(query)]


def fewest_partners(session: Session, year: str, limit: int = 10, most: bool = False,
                    where: SchoolFilter = ALL_SCHOOLS) -> list[tuple[str, int]]:
    count = func.count(Partnership.id)
    query = where.apply(
        select(School.name, count).select_from(School)
        .outerjoin(Partnership, (Partnership.school_id == School.id) & _is_current(year))
    ).group_by(School.name).order_by(count.desc() if most else count.asc(), School.name).limit(limit)
    return [(name, n) for name, n in session.execute(query)]


def top_services(session: Session, year: str, where: SchoolFilter = ALL_SCHOOLS) -> list[tuple[str, int]]:
    names = services()
    query = where.apply(
        select(PartnershipService.service, func.count())
        .join(Partnership, Partnership.id == PartnershipService.partnership_id)
        .join(School, School.id == Partnership.school_id)
        .where(_is_current(year))
    ).group_by(PartnershipService.service).order_by(func.count().desc())
    return [(names[code].name if code in names else code, n) for code, n in session.execute(query)]


def plain_rows(session: Session, query) -> list[Any]:  # type: ignore[no-untyped-def]
    """A select of plain columns, run on the session's connection: without the ORM's result
    machinery, which doubles the time of reading a thousand rows (a large school's paperwork)."""
    return list(session.connection().execute(query).all())


def uses_sample_data(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Partnership.is_sample.is_(True)))))


SUGGEST_SPELLING = 75
"""How alike a name's spelling must be for "did you mean ...?"."""


class OrganisationNames:
    """A per-process cache of organisation names for fuzzy lookups."""

    TTL_SECONDS = 120.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: dict[str, int] = {}
        self._processed: list[str] = []
        self._ids: list[int] = []
        self._at = 0.0
        self._url = ""
        self._by_first: dict[str, list[tuple[tuple[str, ...], int, str]]] = {}
        self._first_words_by_letter: dict[str, list[str]] = {}
        self._alike_firsts: dict[str, list[str]] = {}

    def _refresh(self, session: Session) -> None:
        url = str(session.get_bind().engine.url)
        if self._ids and url == self._url and time.monotonic() - self._at < self.TTL_SECONDS:
            return
        rows = session.execute(select(Organisation.id, Organisation.name)).all()
        self._ids = [oid for oid, _ in rows]
        self._names = {name: oid for oid, name in rows}
        self._processed = [utils.default_process(name) for _, name in rows]
        self._at, self._url = time.monotonic(), url
        self._by_first = {}
        self._first_words_by_letter = {}
        self._alike_firsts = {}

    def find(self, session: Session, phrase: str, cutoff: float = 86) -> tuple[int, str] | None:
        with self._lock:
            self._refresh(session)
            if not self._ids or not phrase.strip():
                return None
            query = utils.default_process(phrase)
            match = process.extractOne(query, self._processed, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff,
                                       processor=None)
            if match is None:
                return None
            oid = self._ids[match[2]]
            name = next(n for n, i in self._names.items() if i == oid)
            return oid, name

    def suggest(self, session: Session, phrase: str, limit: int = 3, cutoff: float = 70) -> list[tuple[int, str]]:
        """Organisations whose names resemble `phrase` as a whole or in part, best first ("did you mean ...?")."""
        with self._lock:
            self._refresh(session)
            if not self._ids or not phrase.strip():
                return []
            query = utils.default_process(phrase)
            if len(query) < 4:
                return []
            found = process.extract(query, self._processed, scorer=fuzz.WRatio, score_cutoff=cutoff, limit=limit * 3,
                                    processor=None)
            # WRatio likes a shared word ("Arts"); the spelling of the whole name decides among those
            close = sorted(((fuzz.partial_ratio(query, self._processed[i]), i) for _, _, i in found), reverse=True)
            names = {oid: name for name, oid in self._names.items()}
            return [(self._ids[i], names[self._ids[i]]) for score, i in close[:limit] if score >= SUGGEST_SPELLING]

    def mentioned(self, session: Session, text: str) -> tuple[int, str] | None:
        """An organisation named in the text (the longest one): its first word as written, the rest word for word
        or with a typo each ("Emerald Strings Colective"); a name written exactly beats one with typos. A name said
        short, by its first words ("Westside Youth Hoops" for Westside Youth Hoops League), counts when no other
        organisation's name starts so and no whole name is said."""
        with self._lock:
            self._refresh(session)
            if not self._by_first:
                self._by_first = {}
                for name, oid in self._names.items():
                    words = _name_words(name)
                    if len(words) >= 2 or (words and len(words[0]) >= 5):
                        self._by_first.setdefault(words[0], []).append((words, oid, name))
            tokens = _name_words(text)  # "Cascade Youth Alliance's insurance"
            best: tuple[bool, int, bool, int, str] | None = None
            for i, token in enumerate(tokens):
                candidates = self._by_first.get(token) or self._by_first_alike(token)
                starts = [words for words, _, _ in candidates]
                for words, oid, name in candidates:
                    said = tuple(tokens[i : i + len(words)])
                    alike_words = next((n for n, (s, w) in enumerate(zip(said, words)) if not alike(s, w)), len(said))
                    whole = alike_words == len(words)
                    if not whole and not _a_short_name(words[:alike_words], starts):
                        continue
                    found = (whole, alike_words, said[:alike_words] == words[:alike_words], oid, name)
                    if best is None or found[:3] > best[:3]:
                        best = found
            return (best[3], best[4]) if best else None

    def _by_first_alike(self, token: str) -> list[tuple[tuple[str, ...], int, str]]:
        """The names whose first word the token is a typo of ("Lumin Chess Acadmy"): the first letter kept, as `alike`
        asks, so only the first words that share it are compared."""
        if len(token) < TYPO_MIN_LENGTH:
            return []  # a shortcut: `alike` takes no short word for a typo
        if not self._first_words_by_letter:
            for first in self._by_first:
                self._first_words_by_letter.setdefault(first[0], []).append(first)
        known = self._alike_firsts.get(token)
        if known is None:  # the same words come in every message ("agreement", "partner"): compared once
            known = [first for first in self._first_words_by_letter.get(token[0], ())
                     if abs(len(first) - len(token)) <= typos_allowed(first) and alike(token, first)]
            if len(self._alike_firsts) < ALIKE_CACHE_WORDS:
                self._alike_firsts[token] = known
        return [name for first in known for name in self._by_first[first]]

    def invalidate(self) -> None:
        with self._lock:
            self._ids = []
            self._by_first = {}
            self._first_words_by_letter = {}
            self._alike_firsts = {}


def _without_possessive(tokens: list[str]) -> list[str]:
    return [t[:-2] if t.endswith("'s") and len(t) > 2 else t for t in tokens]


def _name_words(text: str) -> tuple[str, ...]:
    """The words a name is matched on ("&" reads "and"), without possessives."""
    return tuple(_without_possessive(normalise(text).split()))


ALIKE_CACHE_WORDS = 20_000
"""How many words' typo matches among first words are remembered until the names are read again."""
SHORT_NAME_WORDS, SHORT_NAME_LETTERS = 3, 12
"""The least of a name's first words, and of their letters, that may say it short ("Westside Youth Hoops")."""


def _a_short_name(said: tuple[str, ...], names: list[tuple[str, ...]]) -> bool:
    """The first words of one name only: long enough to tell it, and the start of no other name in `names` (the
    names sharing its first word)."""
    return (len(said) >= SHORT_NAME_WORDS and len("".join(said)) >= SHORT_NAME_LETTERS
            and said[-1] not in _LINKING_WORDS and sum(words[:len(said)] == said for words in names) == 1)


_LINKING_WORDS = frozenset("of the for at in on a an to".split())
"""Words a name's start never ends on ("Volunteers of the" tells nothing of "Volunteers of the Sound")."""


class PaperworkRow(NamedTuple):
    """One current partnership and what is on file for it."""

    organisation: str
    school: str
    region: str
    on_file: health.OnFile
    partnership_id: int = 0
    school_id: int = 0


def _attention(item: str | None):  # type: ignore[no-untyped-def]
    """The stored column saying from when a partnership (or one of its items) needs attention."""
    return getattr(Partnership, f"attention_{item}" if item else "attention_from")


def _in_state(item: str | None, state: str, today: dt.date):  # type: ignore[no-untyped-def]
    """An item expired (its attention began more than WARN_DAYS ago and it was not missing), or
    expiring (its attention began within WARN_DAYS, and today), read from its stored attention
    date; without an item, any item so."""
    if item is None:
        return or_(*(_in_state(what, state, today) for what in health.NAMES))
    column, warned = _attention(item), today - dt.timedelta(days=health.WARN_DAYS)
    if state == health.EXPIRED:
        return (column > dt.date.min) & (column < warned)
    return (column >= warned) & (column <= today)


def _needing(item: str | None, state: str | None, day: dt.date) -> list[Any]:
    """Partnerships needing attention on `day` (for `item`, and only so expired or expiring when
    `state` says), from the stored dates: the listing and its count select the same ones."""
    clauses = [Partnership.attention_from <= day]
    if item:
        clauses.append(_attention(item) <= day)
    if state:
        clauses.append(_in_state(item, state, day))
    return clauses


def paperwork(session: Session, year: str, *where, attention_on: dt.date | None = None,  # type: ignore[no-untyped-def]
              item: str | None = None, state: str | None = None, limit: int | None = None) -> list[PaperworkRow]:
    """Current partnerships (optionally of one school, one organisation...) with their paperwork,
    as plain columns: a whole district of them is assessed in one pass. `attention_on`: only
    those that need attention that day (the stored `attention_from`, indexed per school), or whose
    `item` does, most urgent first (ties in the index's order: the first `limit` of a thousand are
    read without sorting them all)."""
    query = _current(
        select(Partnership.id, School.id, Organisation.name, School.name, School.region, *ON_FILE)
        .join(Organisation, Organisation.id == Partnership.organisation_id)
        .join(School, School.id == Partnership.school_id), year)
    if attention_on is not None:
        query = query.where(*_needing(item, state, attention_on))
    for clause in where:
        query = query.where(clause)
    if attention_on is not None:
        query = query.order_by(Partnership.attention_from)
    else:
        query = query.order_by(School.name, Organisation.name)
    rows = plain_rows(session, query if limit is None else query.limit(limit))
    return [PaperworkRow(org, school, region or "", health.OnFile(*on_file), pid, sid)
            for pid, sid, org, school, region, *on_file in rows]


def assessed(session: Session, year: str, today: dt.date, *where,  # type: ignore[no-untyped-def]
             attention_on: dt.date | None = None, item: str | None = None, state: str | None = None,
             limit: int | None = None) -> list[tuple[PaperworkRow, list[health.Item]]]:
    """`paperwork` with each partnership's items as of `today` (health.assess)."""
    return [(row, health.assess(row.on_file, today))
            for row in paperwork(session, year, *where, attention_on=attention_on, item=item, state=state, limit=limit)]


@dataclass(frozen=True)
class Attention:
    """How many current partnerships need attention today, and for which items."""

    partnerships: int
    items: frozenset[str]


def needing_attention(session: Session, year: str, today: dt.date, *where,  # type: ignore[no-untyped-def]
                      item: str | None = None, state: str | None = None) -> Attention:
    """Counted in SQL from the stored attention dates (health.attention_columns), without reading
    the rows: a school with a thousand partnerships answers in a millisecond."""
    flags = [func.max(case(((_attention(what) <= today) & (_in_state(what, state, today) if state else true()), 1),
                           else_=0)) for what in health.NAMES]
    query = _current(select(func.count(), *flags).select_from(Partnership), year).where(*_needing(item, state, today))
    count, *present = plain_rows(session, _within(query, where))[0]
    found = {what for what, flag in zip(health.NAMES, present) if flag}
    return Attention(int(count or 0), frozenset(found if item is None else found & {item}))


def compliance_by_region(rows: list[tuple[PaperworkRow, list[health.Item]]]) -> dict[str, Counter[str]]:
    """Per region: "partnerships", "complete" (everything on file) and, per item, how many have it
    missing, expired or expiring. The chat's "compliance by region" and the district report share it."""
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for row, items in rows:
        tally = totals[row.region or "Unknown"]
        wrong = health.problems(items)
        tally["partnerships"] += 1
        tally["complete"] += not wrong
        tally.update(item.what for item in wrong)
    return dict(sorted(totals.items()))


def count_current(session: Session, year: str, *where) -> int:  # type: ignore[no-untyped-def]
    """Current partnerships matching `where` (the school is joined only when a clause needs it)."""
    query = _within(_current(select(func.count()).select_from(Partnership), year), where)
    return int(plain_rows(session, query)[0][0] or 0)


def _within(query, where):  # type: ignore[no-untyped-def]
    """`query` over partnerships narrowed by `where`, joining the school only when a clause needs it
    (School.region == ...)."""
    if any(School.__table__ in clause._from_objects for clause in where):
        query = query.join(School, School.id == Partnership.school_id)
    for clause in where:
        query = query.where(clause)
    return query
