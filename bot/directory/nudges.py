"""Paperwork nudges: each school contact hears what is missing or expiring at their school.

Run by the clock on school days (never on a weekend or in a school break). An item
is nudged to a contact once per threshold: when it is missing or expired, and when
it comes within 60, 30 and 7 days of expiring. From June 1, partners with student
data are reminded of next year's DSA once. Each (contact, item, threshold) key is
inserted into `nudge_sent` in the same transaction that queues the digest in the
outbox, so two clocks, a restart or a retry never nudge twice; a digest holds the
items its clock won. The department gets one summary per school day. A contact can
snooze an item for two weeks, or say its renewal is in progress (which opens a
ticket for the department); either holds its nudges.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core import Button
from bot.db import insert_ignore
from bot.directory import health, queries
from bot.models import NudgeHold, NudgeSent, Partnership, School, SchoolContact
from bot.models.contacts import REACH
from bot.notify import DEPARTMENT, Notice, Outbox, user_audience
from bot.trainings.announce import is_school_day

log = logging.getLogger("partnerbot.nudges")
THRESHOLDS = (60, 30, 7)
SNOOZE = dt.timedelta(days=14)
RENEWING = dt.timedelta(weeks=6)
SNOOZE_ACTION, RENEWING_ACTION = "nudge.snooze", "nudge.renewing"
BUTTONS_FOR = 5
"""Partnerships in a digest that get their own Snooze / Renewal in progress buttons (the first
ones); a button holds every item of that partnership the digest listed."""


@dataclass(frozen=True)
class Nudge:
    partnership_id: int
    organisation: str
    item: health.Item
    threshold: str  # "missing", "expired", "60", "30", "7", "next_year:2027-28"

    def line(self) -> str:
        if self.threshold.startswith("next_year:"):
            return f"*{self.organisation}*: DSA for {self.threshold.split(':', 1)[1]} not on file yet"
        return f"*{self.organisation}*: {self.item.describe()}"


def threshold_of(item: health.Item, horizon: dt.date) -> str | None:
    """Which nudge an item is due: missing/expired now, or the smallest threshold it crosses by
    `horizon` (the last day before the next school day: a threshold that falls on a weekend or
    in a break is sent on the school day before it, not lost)."""
    if item.state in (health.MISSING, health.EXPIRED):
        return item.state
    if item.state in (health.EXPIRING, health.CURRENT) and item.due is not None:
        left = (item.due - horizon).days
        crossed = [t for t in THRESHOLDS if left <= t]
        return str(min(crossed)) if crossed else None
    return None


def horizon_of(today: dt.date) -> dt.date:
    """The last day before the next school day: what today's nudges must cover, since the clock
    sends nothing until then (a Friday covers the weekend, the last day before summer the summer)."""
    day = today + dt.timedelta(days=1)
    for _ in range(366):
        if is_school_day(day):
            return day - dt.timedelta(days=1)
        day += dt.timedelta(days=1)
    return today


def due_for_school(session: Session, school_id: int, today: dt.date, school_year: str,
                   held: set[tuple[int, str]]) -> list[Nudge]:
    nudges = []
    horizon = horizon_of(today)
    next_year = health.next_school_year(school_year)
    dsa_season = (today.month, today.day) >= health.DSA_NEXT_YEAR_FROM and today.month < 8
    for row in queries.paperwork(session, school_year, School.id == school_id):
        for item in health.assess(row.on_file, today):
            if (row.partnership_id, item.what) in held:
                continue
            threshold = threshold_of(item, horizon)
            if threshold is not None:
                if item.state == health.CURRENT:  # current today, but its 60 days begin before the next school day
                    item = health.Item(item.what, health.EXPIRING, item.due)
                nudges.append(Nudge(row.partnership_id, row.organisation, item, threshold))
        if dsa_season and (row.partnership_id, "dsa") not in held and health.needs_dsa_for(row.on_file, next_year):
            nudges.append(Nudge(row.partnership_id, row.organisation, health.Item("dsa", health.MISSING),
                                f"next_year:{next_year}"))
    return nudges


def send_nudges(session: Session, settings: Settings, outbox: Outbox, now: dt.datetime) -> int:
    """Queue today's digests and the department summary; returns how many contacts got one."""
    today = now.astimezone(settings.tz).date()
    if not is_school_day(today):
        return 0
    school_year = health.school_year_of(today)
    held = {(p, w) for p, w in session.execute(
        select(NudgeHold.partnership_id, NudgeHold.what).where(NudgeHold.until > now))}
    contacts = list(session.scalars(select(SchoolContact).order_by(SchoolContact.school_id, SchoolContact.role)))
    by_school: dict[int, list[SchoolContact]] = defaultdict(list)
    for contact in contacts:
        by_school[contact.school_id].append(contact)
    names = dict(session.execute(select(School.id, School.name).where(School.id.in_(list(by_school)))).all())
    nudged, items, unreachable = 0, 0, 0
    for school_id, people in by_school.items():
        due = due_for_school(session, school_id, today, school_year, held)
        if not due:
            continue
        for contact in people:
            # Only where the contact can be reached (a Teams user the bot has never met cannot be):
            # an unreachable contact's items stay unsent, and go out once they can be.
            audiences = [a for a in _audiences(contact) if outbox.audiences.targets(session, a)]
            if not audiences:
                unreachable += 1
                continue
            won = [n for n in due if insert_ignore(session, NudgeSent, {
                "key": _key(contact, n), "contact_id": contact.id, "sent_at": now}, ("key",))]
            if not won:
                continue
            for audience in audiences:
                outbox.queue(session, _digest_key(contact, won, audience), _digest(names.get(school_id, ""), won, audience),
                             now=now)
            nudged += 1
            items += len(won)
    if unreachable:
        log.warning("school contacts could not be reached for their nudges", extra={"turn": {"contacts": unreachable}})
    if nudged:
        lines = [f"Paperwork nudges today: {items} items sent to {nudged} school contacts."]
        if unreachable:
            lines.append(f"{unreachable} contacts with something due could not be reached: on Teams the bot can "
                         "message someone only after they have talked to it (or check their ids with "
                         "`partnerbot import contacts`).")
        lines.append("Say \"compliance by region\" for the district picture.")
        outbox.queue(session, f"nudge-summary:{today.isoformat()}",
                     Notice("nudge.summary", DEPARTMENT, " ".join(lines)), now=now)
    return nudged


def _key(contact: SchoolContact, nudge: Nudge) -> str:
    """Once per contact *person* (their ids: a new principal in the same role hears it again),
    item, due date and threshold."""
    due = nudge.item.due.isoformat() if nudge.item.due else "-"
    who = hashlib.sha256("|".join(sorted(contact.reach().values())).encode()).hexdigest()[:10]
    return f"nudge:{contact.id}:{who}:{nudge.partnership_id}:{nudge.item.what}:{due}:{nudge.threshold}"[:200]


def _digest_key(contact: SchoolContact, won: list[Nudge], audience: str) -> str:
    digest = hashlib.sha256("|".join(sorted(_key(contact, n) for n in won)).encode()).hexdigest()[:16]
    return f"nudge-digest:{contact.id}:{audience}:{digest}"


def _audiences(contact: SchoolContact) -> list[str]:
    return [user_audience(platform, user) for platform, user in contact.reach().items()]


def _digest(school: str, won: list[Nudge], audience: str) -> Notice:
    lines = [f"*Partnership paperwork at {school}*: {len(won)} item{'s' if len(won) > 1 else ''} to see to."]
    lines += [f"• {n.line()}" for n in won]
    steps = {n.item.what for n in won}
    lines.append("What to do next:")
    lines += [f"• {health.NAMES[w]}: {health.NEXT_STEPS[w]}" for w in health.NAMES if w in steps]
    per_partnership: dict[tuple[int, str], list[str]] = {}
    for n in won:
        whats = per_partnership.setdefault((n.partnership_id, n.organisation), [])
        if n.item.what not in whats:
            whats.append(n.item.what)
    buttons: list[Button] = []
    for (partnership_id, organisation), whats in list(per_partnership.items())[:BUTTONS_FOR]:
        value = f"{partnership_id}|{','.join(whats)}"
        buttons += [Button(f"Snooze: {organisation}"[:75], SNOOZE_ACTION, value),
                    Button(f"Renewal in progress: {organisation}"[:75], RENEWING_ACTION, value)]
    return Notice("nudge.digest", audience, "\n".join(lines), tuple(buttons),
                  {"school": school, "items": [{"partnership_id": n.partnership_id, "what": n.item.what,
                                                "threshold": n.threshold} for n in won]})


def hold(session: Session, partnership_id: int, what: str, kind: str, user: str, now: dt.datetime) -> bool:
    """Snooze an item, or mark its renewal in progress: no nudges for it until the hold ends. True when
    it was already held this way (a second press, or the other contact's): nothing new to tell anyone."""
    until = now + (SNOOZE if kind == "snoozed" else RENEWING)
    existing = session.get(NudgeHold, (partnership_id, what))
    if existing is None:
        session.add(NudgeHold(partnership_id=partnership_id, what=what, kind=kind, until=until, by_user=user[:200]))
        return False
    already = existing.kind == kind and existing.until > now
    if not already:
        existing.kind, existing.until, existing.by_user = kind, until, user[:200]
    return already


def contact_of(session: Session, platform: str, user: str, partnership: Partnership) -> SchoolContact | None:
    """The contact pressing a nudge's button, if they are one for that partnership's school."""
    if platform not in REACH or not user:
        return None
    column = getattr(SchoolContact, REACH[platform][0])
    return session.scalars(select(SchoolContact).where(SchoolContact.school_id == partnership.school_id,
                                                       column == user)).first()


@dataclass(frozen=True)
class SentNudge:
    contact_id: int
    partnership_id: int
    what: str
    threshold: str
    sent_at: dt.datetime


@dataclass(frozen=True)
class SchoolNudges:
    """One school's contacts, the nudges its contacts would get on the next school day's run that they have
    not had yet, what they were sent, and the items a contact put on hold."""

    contacts: list[SchoolContact]
    due: list[Nudge]
    not_yet_sent: dict[int, list[Nudge]]
    sent: list[SentNudge]
    holds: list[NudgeHold]


def for_school(session: Session, school_id: int, now: dt.datetime, settings: Settings) -> SchoolNudges:
    today = now.astimezone(settings.tz).date()
    held_rows = list(session.scalars(select(NudgeHold).join(Partnership, Partnership.id == NudgeHold.partnership_id)
                                     .where(Partnership.school_id == school_id, NudgeHold.until > now)))
    held = {(h.partnership_id, h.what) for h in held_rows}
    contacts = list(session.scalars(select(SchoolContact).where(SchoolContact.school_id == school_id)
                                    .order_by(SchoolContact.role)))
    due = due_for_school(session, school_id, today, health.school_year_of(today), held)
    already = {row.key for row in session.scalars(select(NudgeSent).where(
        NudgeSent.contact_id.in_([c.id for c in contacts])))} if contacts else set()
    not_yet = {c.id: [n for n in due if _key(c, n) not in already] for c in contacts}
    sent = []
    for row in session.scalars(select(NudgeSent).where(NudgeSent.contact_id.in_([c.id for c in contacts]))
                               .order_by(NudgeSent.sent_at.desc()).limit(200)) if contacts else ():
        parts = row.key.split(":")  # nudge:contact:who:partnership:what:due:threshold[:more]
        if len(parts) >= 7 and parts[3].isdigit():
            sent.append(SentNudge(row.contact_id, int(parts[3]), parts[4], ":".join(parts[6:]), row.sent_at))
    return SchoolNudges(contacts, due, not_yet, sent, held_rows)
