"""The ticket life cycle: create, claim, assign, note, resolve, reopen, cancel.

Every change appends a `TicketEvent` and queues its notifications in the same
transaction. Claiming is an atomic conditional UPDATE, so when two staff click
Claim together exactly one wins, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot import audit
from bot.config import STAFF_PLATFORMS, Settings
from bot.core import Button, Message
from bot.models import StaffMember, StaffPerson, Ticket, TicketEvent
from bot.models.tickets import FORGOTTEN, TICKET_NUMBER_OFFSET
from bot.notify import DEPARTMENT, Notice, Outbox, user_audience
from bot.text import normalise, truncate
from knowledge import load_yaml

DESCRIPTION_PREVIEW = 600
DESK = "desk"
AUDITED = frozenset({"claimed", "reassigned", "note", "resolved", "reopened"})
"""The department's actions on a ticket; a requester's own (created, cancelled) are in its history only."""
NUMBER = re.compile(r"\b[cC][- ]?(\d{3,7})\b")


class TicketError(Exception):
    """A ticket action that can't be done; the message is safe to show the user."""


@dataclass(frozen=True)
class Actor:
    """Someone acting on tickets. `origin` and `anonymous` come from the web chat, whose identity is
    only a cookie: the digest of the client's address, and whether the request had no identity of its own."""

    platform: str
    user_id: str
    name: str = ""
    channel: str = ""
    origin: str | None = None
    anonymous: bool = False

    @property
    def label(self) -> str:
        return self.name or self.user_id

    @classmethod
    def of(cls, message: Message) -> "Actor":
        """Whoever sent `message`, answered where they wrote it."""
        return cls(message.platform, message.user, message.user_name or "", message.channel, message.origin,
                   message.anonymous)


@lru_cache(maxsize=1)
def topics() -> dict[str, dict]:
    return dict(load_yaml("consultation_topics.yaml")["topics"])


def topic_label(code: str) -> str:
    return topics().get(code, {}).get("label", code)


def ticket_id_from_number(number: int) -> int:
    """"C-1042" -> 42. Numbers below C-1001 don't exist: they map to no ticket (0)."""
    return number - TICKET_NUMBER_OFFSET if number > TICKET_NUMBER_OFFSET else 0


def find_numbers(text: str) -> list[int]:
    return [ticket_id_from_number(int(m.group(1))) for m in NUMBER.finditer(text)]


def is_staff(session: Session, settings: Settings, platform: str, user_id: str) -> bool:
    if settings.is_staff(platform, user_id):
        return True
    if platform == DESK:  # signed in through the district's identity provider: the id is the e-mail
        return session.scalar(select(StaffPerson.id).where(StaffPerson.email == user_id.lower())) is not None
    if platform not in STAFF_PLATFORMS:
        return False
    return session.scalar(select(StaffMember.id).where(
        StaffMember.platform == platform, StaffMember.user_id == user_id)) is not None


def _event(session: Session, ticket: Ticket, kind: str, actor: Actor, note: str | None, now: dt.datetime) -> None:
    session.add(TicketEvent(ticket_id=ticket.id, kind=kind, actor_platform=actor.platform, actor_id=actor.user_id,
                            note=note, at=now))
    session.flush()
    session.refresh(ticket, ["events"])


def _changed(session: Session, outbox: Outbox, ticket: Ticket, kind: str, actor: Actor, now: dt.datetime, *,
             note: str | None = None, requester: str | None = None, department: bool = True) -> Ticket:
    """Record a change in the history (and, for the department's actions, the audit log) and queue who must
    hear about it."""
    _event(session, ticket, kind, actor, note, now)
    if kind in AUDITED:
        audit.record(session, audit.actor_label(actor.platform, actor.user_id, actor.name), f"ticket.{kind}",
                     ticket.number, after={"status": ticket.status, "assignee": ticket.assignee_id}, note=note, at=now)
    if department:
        _notify_department(session, outbox, ticket, kind, now)
    if requester:
        _notify_requester(session, outbox, ticket, requester, kind, now)
    return ticket


def department_post(ticket: Ticket, school_name: str | None) -> tuple[str, tuple[Button, ...]]:
    """The department channel's card for a ticket, as it stands now."""
    status = {"open": "Unclaimed", "claimed": f"Claimed by {ticket.assignee_name or ticket.assignee_id}",
              "resolved": "Resolved", "cancelled": "Cancelled"}[ticket.status]
    lines = [
        f"*{ticket.number}*: consultation request from {ticket.requester_name or ticket.requester_id} "
        f"({ticket.requester_platform})",
        f"Topic: {topic_label(ticket.topic)}" + (f" · School: {school_name}" if school_name else ""),
        f"Status: {status}",
        truncate(ticket.description, DESCRIPTION_PREVIEW, "… (truncated; full text in the ticket)"),
    ]
    if ticket.status == "resolved" and ticket.resolution:
        lines.append(f"Resolution: {truncate(ticket.resolution, 300)}")
    buttons: tuple[Button, ...] = ()
    if ticket.status == "open":
        buttons = (Button("Claim", "ticket.claim", str(ticket.id)), Button("Resolve", "ticket.resolve", str(ticket.id)))
    elif ticket.status == "claimed":
        buttons = (Button("Resolve", "ticket.resolve", str(ticket.id)),)
    return "\n".join(lines), buttons


def school_name(session: Session, ticket: Ticket) -> str | None:
    if ticket.school_id is None:
        return None
    from bot.models import School

    school = session.get(School, ticket.school_id)
    return school.name if school else None


def _post_key(ticket: Ticket) -> str:
    return f"ticket:{ticket.id}:post"


def _notify_department(session: Session, outbox: Outbox, ticket: Ticket, change: str, now: dt.datetime) -> None:
    """The department's post for a ticket, then updates of that same post as the ticket changes."""
    text, buttons = department_post(ticket, school_name(session, ticket))
    key = _post_key(ticket)
    if change == "created":
        outbox.queue(session, key, Notice("ticket.new", DEPARTMENT, text, buttons, {"ticket_id": ticket.id}), now=now)
    else:
        outbox.queue(session, f"{key}:{change}:{len(ticket.events)}", Notice(
            "ticket.update", DEPARTMENT, text, buttons, {"ticket_id": ticket.id}, update_of=key), now=now)


def _notify_requester(session: Session, outbox: Outbox, ticket: Ticket, text: str, change: str, now: dt.datetime) -> None:
    if ticket.requester_id == FORGOTTEN:
        return  # the requester asked to be forgotten: nobody to tell
    outbox.queue(session, f"ticket:{ticket.id}:requester:{change}:{len(ticket.events)}", Notice(
        "ticket.requester", user_audience(ticket.requester_platform, ticket.requester_id), text, (),
        {"ticket_id": ticket.id, "channel": ticket.requester_channel}), now=now)


def create(
    session: Session, outbox: Outbox, requester: Actor, topic: str, description: str,
    school_id: int | None, now: dt.datetime,
) -> Ticket:
    if topic not in topics():
        topic = "other"
    ticket = Ticket(
        requester_platform=requester.platform, requester_id=requester.user_id, requester_name=requester.name,
        requester_channel=requester.channel, requester_origin=requester.origin, school_id=school_id, topic=topic,
        description=description, status="open", created_at=now, updated_at=now,
    )
    session.add(ticket)
    session.flush()
    return _changed(session, outbox, ticket, "created", requester, now)


DUPLICATE_WINDOW = dt.timedelta(days=1)
REQUESTS_PER_HOUR = 5
"""More consultation requests than this from one person in an hour are refused (a stuck
client or a script), counted in the database so every process agrees."""
REQUESTS_PER_ADDRESS_PER_HOUR = 20
"""Web-chat requests from one network address in an hour, whoever sent them: a script that takes a
new cookie for each request is still one address. A school's staff share an address, hence more."""


def over_hourly_limit(session: Session, requester: Actor, now: dt.datetime) -> bool:
    """Whether this requester has opened as many requests in the last hour as one may: counted per
    person, and where the web chat knows the address, per address too (an anonymous request, with
    no identity of its own, is counted by its address alone, with the per-person bound)."""
    since = Ticket.created_at >= now - dt.timedelta(hours=1)
    if not requester.anonymous and (session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.requester_platform == requester.platform, Ticket.requester_id == requester.user_id,
            since)) or 0) >= REQUESTS_PER_HOUR:
        return True
    if requester.origin is None:
        return False
    bound = REQUESTS_PER_HOUR if requester.anonymous else REQUESTS_PER_ADDRESS_PER_HOUR
    return (session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.requester_origin == requester.origin, since)) or 0) >= bound


def recent_duplicate(session: Session, requester: Actor, topic: str, description: str, school_id: int | None,
                     now: dt.datetime) -> Ticket | None:
    """The same request (topic, school, description) from the same person within a day."""
    wanted = normalise(description)
    candidates = session.scalars(select(Ticket).where(
        Ticket.requester_platform == requester.platform, Ticket.requester_id == requester.user_id,
        Ticket.topic == topic, Ticket.created_at >= now - DUPLICATE_WINDOW,
        Ticket.school_id.is_(None) if school_id is None else Ticket.school_id == school_id,
    ).order_by(Ticket.id.desc()))
    return next((t for t in candidates if normalise(t.description) == wanted), None)


def get(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id) if ticket_id > 0 else None
    if ticket is None:
        shown = f"C-{ticket_id + TICKET_NUMBER_OFFSET}" if ticket_id > 0 else "that ticket"
        raise TicketError(f"I can't find {shown}. Ticket numbers look like C-1042; check it and try again.")
    return ticket


def claim(session: Session, outbox: Outbox, ticket_id: int, actor: Actor, now: dt.datetime) -> Ticket:
    ticket = get(session, ticket_id)
    won = _transition(session, ticket, ("open",), status="claimed", assignee_platform=actor.platform,
                      assignee_id=actor.user_id, assignee_name=actor.label, claimed_at=now, updated_at=now)
    if not won:
        if ticket.status == "claimed":
            who = "you" if (ticket.assignee_platform, ticket.assignee_id) == (actor.platform, actor.user_id) else ticket.assignee_name
            raise TicketError(f"{ticket.number} is already claimed by {who}.")
        raise TicketError(f"{ticket.number} is {ticket.status}; reopen it first if it needs more work.")
    return _changed(session, outbox, ticket, "claimed", actor, now, requester=(
        f"{actor.label} from the partnerships department has your request {ticket.number} and will be in touch."))


def _transition(session: Session, ticket: Ticket, allowed_from: tuple[str, ...], **values: object) -> bool:
    """Change a ticket only if it is still in one of `allowed_from` (an atomic conditional
    UPDATE, so two people acting at once can't both win); reloads the ticket."""
    done = session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status.in_(allowed_from)).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(ticket)
    return bool(done)


def assign(session: Session, settings: Settings, outbox: Outbox, ticket_id: int, actor: Actor, assignee: Actor, now: dt.datetime) -> Ticket:
    ticket = get(session, ticket_id)
    if not is_staff(session, settings, assignee.platform, assignee.user_id):
        raise TicketError(f"{assignee.platform}:{assignee.user_id} is not department staff; "
                          "add them with `partnerbot staff add` first.")
    if not _transition(session, ticket, ("open", "claimed"), status="claimed", assignee_platform=assignee.platform,
                       assignee_id=assignee.user_id, assignee_name=assignee.label,
                       claimed_at=ticket.claimed_at or now, updated_at=now):
        raise TicketError(f"{ticket.number} is {ticket.status}; reopen it first.")
    return _changed(session, outbox, ticket, "reassigned", actor, now,
                    note=f"to {assignee.platform}:{assignee.user_id}",
                    requester=f"{assignee.label} from the partnerships department now has your request {ticket.number}.")


def add_note(session: Session, outbox: Outbox, ticket_id: int, actor: Actor, note: str, now: dt.datetime) -> Ticket:
    ticket = get(session, ticket_id)
    if not note.strip():
        raise TicketError("The note is empty; write what you want to add after the ticket number.")
    ticket.updated_at = now
    return _changed(session, outbox, ticket, "note", actor, now, note=note, department=False,
                    requester=f"Update on {ticket.number} from {actor.label}: {truncate(note, 1000)}")


def add_from_requester(session: Session, outbox: Outbox, ticket_id: int, actor: Actor, text: str,
                       now: dt.datetime) -> Ticket:
    """More of the request from the person who made it ("they signed in November, that's the only change"): added
    to its description and history, and the department's card shows it."""
    ticket = get(session, ticket_id)
    if (ticket.requester_platform, ticket.requester_id) != (actor.platform, actor.user_id):
        raise TicketError(f"Only the person who asked can add to {ticket.number}.")
    if ticket.status not in ("open", "claimed"):
        raise TicketError(f"{ticket.number} is {ticket.status}; ask again if something is still wrong.")
    ticket.description = f"{ticket.description}\n{text.strip()}"
    ticket.updated_at = now
    return _changed(session, outbox, ticket, "added", actor, now, note=text.strip())


def resolve(session: Session, outbox: Outbox, ticket_id: int, actor: Actor, resolution: str, now: dt.datetime) -> Ticket:
    ticket = get(session, ticket_id)
    if ticket.status in ("resolved", "cancelled"):
        raise TicketError(f"{ticket.number} is already {ticket.status}.")
    if not _transition(session, ticket, ("open", "claimed"), status="resolved", resolution=resolution, resolved_at=now,
                       updated_at=now, assignee_platform=ticket.assignee_platform or actor.platform,
                       assignee_id=ticket.assignee_id or actor.user_id, assignee_name=ticket.assignee_name or actor.label,
                       claimed_at=ticket.claimed_at or now):
        raise TicketError(f"{ticket.number} is already {ticket.status}.")
    note = f" Resolution: {truncate(resolution, 1000)}" if resolution.strip() else ""
    return _changed(session, outbox, ticket, "resolved", actor, now, note=resolution,
                    requester=f"Your request {ticket.number} was resolved by {actor.label}.{note}")


def reopen(session: Session, outbox: Outbox, ticket_id: int, actor: Actor, now: dt.datetime) -> Ticket:
    ticket = get(session, ticket_id)
    if not _transition(session, ticket, ("resolved", "cancelled"), status="open", assignee_platform=None,
                       assignee_id=None, assignee_name=None, resolution=None, resolved_at=None, claimed_at=None,
                       updated_at=now):
        raise TicketError(f"{ticket.number} is still {ticket.status}; there is nothing to reopen.")
    return _changed(session, outbox, ticket, "reopened", actor, now,
                    requester=f"Your request {ticket.number} was reopened by {actor.label}: the department is "
                              "working on it again.")


def cancel(session: Session, outbox: Outbox, ticket_id: int, actor: Actor, now: dt.datetime) -> Ticket:
    """Only the person who asked cancels; anyone else hears the same as for a number that does
    not exist, so trying numbers reveals nothing about other people's requests."""
    ticket = session.get(Ticket, ticket_id) if ticket_id > 0 else None
    if ticket is None or (ticket.requester_platform, ticket.requester_id) != (actor.platform, actor.user_id):
        shown = f"C-{ticket_id + TICKET_NUMBER_OFFSET}" if ticket_id > 0 else "that number"
        raise TicketError(f"You have no request {shown} to cancel. Say \"my requests\" to see yours.")
    if not _transition(session, ticket, ("open", "claimed"), status="cancelled", updated_at=now):
        raise TicketError(f"{ticket.number} is already {ticket.status}.")
    return _changed(session, outbox, ticket, "cancelled", actor, now)


def requested_by(session: Session, actor: Actor, include_closed: bool = False) -> list[Ticket]:
    query = select(Ticket).where(Ticket.requester_platform == actor.platform, Ticket.requester_id == actor.user_id)
    if not include_closed:
        query = query.where(Ticket.status.in_(("open", "claimed")))
    return list(session.scalars(query.order_by(Ticket.id.desc()).limit(20)))


def listing(session: Session, which: str, actor: Actor | None = None, limit: int = 50) -> list[Ticket]:
    """`open` (open + claimed), `unclaimed`, `mine` (assigned to actor), `all`."""
    query = select(Ticket)
    if which == "unclaimed":
        query = query.where(Ticket.status == "open")
    elif which == "mine" and actor is not None:
        query = query.where(Ticket.assignee_platform == actor.platform, Ticket.assignee_id == actor.user_id,
                            Ticket.status == "claimed")
    elif which == "open":
        query = query.where(or_(Ticket.status == "open", Ticket.status == "claimed"))
    return list(session.scalars(query.order_by(Ticket.id).limit(limit)))


def search(session: Session, status: str = "open", text: str = "", limit: int = 200) -> list[Ticket]:
    """The desk's queue: `status` open (open + claimed), unclaimed, claimed, resolved, cancelled or all;
    `text` a ticket number or words of the request, the requester's or the assignee's name."""
    query = select(Ticket)
    if status == "open":
        query = query.where(Ticket.status.in_(("open", "claimed")))
    elif status == "unclaimed":
        query = query.where(Ticket.status == "open")
    elif status in ("claimed", "resolved", "cancelled"):
        query = query.where(Ticket.status == status)
    words = text.strip()[:200]
    if words:
        bare = re.fullmatch(r"#?(\d{3,7})", words)  # "1001" or "#1001" typed into the search box: a number
        numbers = find_numbers(words) or ([ticket_id_from_number(int(bare.group(1)))] if bare else [])
        like = f"%{words.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Ticket.id.in_(numbers) if numbers else False, Ticket.description.ilike(like),
                                Ticket.requester_name.ilike(like), Ticket.assignee_name.ilike(like)))
    return list(session.scalars(query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)))


def describe(session: Session, ticket: Ticket, tz) -> str:  # type: ignore[no-untyped-def]
    school = school_name(session, ticket)
    created = ticket.created_at.astimezone(tz)
    status = ticket.status + (f" by {ticket.assignee_name}" if ticket.status == "claimed" and ticket.assignee_name else "")
    parts = [f"*{ticket.number}* · {topic_label(ticket.topic)}" + (f" · {school}" if school else ""),
             f"Status: {status} · opened {created:%b} {created.day}, {created:%H:%M}",
             truncate(ticket.description, 300)]
    if ticket.resolution:
        parts.append(f"Resolution: {truncate(ticket.resolution, 300)}")
    return "\n".join(parts)


def ticket_data(ticket: Ticket) -> dict[str, object]:
    return {"ticket_id": ticket.number, "id": ticket.id, "status": ticket.status, "topic": ticket.topic,
            "assignee": ticket.assignee_name, "requester": ticket.requester_id}
