"""One person's data, for records requests: everything stored about a platform user, and forgetting it.

Every table of the schema is listed here, either with how it holds a person (`HOLDINGS`: which rows are
theirs, and what forgetting does to them) or with why it holds none (`HOLDS_NO_PERSON`); a test fails when a
new table is in neither. Forgetting deletes a person's conversations, logs, reminders and notices; records
the department keeps (a ticket's request, a correction, ticket history) stay, without the identity.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot import audit, email_updates
from bot.models import (
    AuditEvent,
    ChannelRole,
    ConversationReference,
    ConversationState,
    CorrectionRequest,
    DepartmentAnswer,
    EmailAddress,
    FaqEntry,
    FaqTopicText,
    GroundedAnswer,
    InboxEvent,
    NudgeHold,
    OutboxMessage,
    QuestionLog,
    Reminder,
    SchoolContact,
    StaffMember,
    TaughtExample,
    Ticket,
    TicketEvent,
)
from bot.models.base import Base
from bot.models.contacts import REACH
from bot.models.tickets import FORGOTTEN

_PLATFORM = re.compile(r"[a-z]+")


class PersonError(ValueError):
    """A person named in a form the tool cannot read."""


@dataclass(frozen=True)
class Person:
    """A platform user: `slack:U123`, `teams:29:1abc`, `web:<the chat cookie's id>`."""

    platform: str
    user_id: str

    @classmethod
    def parse(cls, text: str, platforms: Sequence[str] = ()) -> "Person":
        """`platforms`: the names a person may be known by (any lowercase word when empty)."""
        platform, _, user_id = text.strip().partition(":")
        known = platform in platforms if platforms else bool(_PLATFORM.fullmatch(platform))
        if not known or not user_id.strip():
            names = f" ({', '.join(platforms)})" if platforms else ""
            raise PersonError(f"expected platform:id, the platform's name{names} and the person's id there "
                              f"(for example slack:U0123ABC), got {text!r}")
        return cls(platform, user_id.strip())

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.user_id}"


def _key_of(column: Any, person: Person) -> ColumnElement[bool]:
    """A conversation key "platform:channel:user" of this person: its start and end compared exactly (LIKE
    ignores case on SQLite, and "%:U1" would also match a user "X:U1")."""
    head, tail = f"{person.platform}:", f":{person.user_id}"
    return and_(func.substr(column, 1, len(head)) == head,
                func.substr(column, func.length(column) - len(tail) + 1) == tail,
                func.length(column) > len(head) + len(tail))


def _as_actor(column: Any, person: Person) -> ColumnElement[bool]:
    """An actor column written by `audit.actor_label`: "platform:id" or "platform:id (name)"."""
    named = f"{person.label} ("
    return or_(column == person.label, func.substr(column, 1, len(named)) == named)


def _contact_column(person: Person) -> str:
    """The school contact's column that holds an id on the person's platform ("" when it has none)."""
    return REACH[person.platform][0] if person.platform in REACH else ""


@dataclass(frozen=True)
class Holding:
    """How one table holds a person: `rows(person)` picks theirs; forgetting deletes them, or, where the
    department keeps the record, sets `keep_without` (column -> value) to drop the identity."""

    model: type[Base]
    rows: Callable[[Person], ColumnElement[bool]]
    name: str = ""
    """Where a table holds people in two ways, the second's name in an export (default: the table's)."""
    keep_without: "dict[str, Any] | Callable[[Person], dict[str, Any]] | None" = None
    kept_because: str = ""
    """Non-empty: forgetting leaves these rows as they are, for this reason (said in the tool's report)."""

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    @property
    def label(self) -> str:
        return self.name or self.table


HOLDINGS: tuple[Holding, ...] = (
    Holding(ConversationState, lambda p: _key_of(ConversationState.key, p)),
    Holding(QuestionLog, lambda p: and_(QuestionLog.platform == p.platform, QuestionLog.user == p.user_id)),
    Holding(GroundedAnswer, lambda p: and_(GroundedAnswer.platform == p.platform, GroundedAnswer.user == p.user_id)),
    Holding(InboxEvent, lambda p: and_(InboxEvent.platform == p.platform,
                                       InboxEvent.message["user"].as_string() == p.user_id)),
    Holding(OutboxMessage, lambda p: and_(OutboxMessage.platform == p.platform, OutboxMessage.target == p.user_id)),
    Holding(OutboxMessage, lambda p: and_(*email_updates.sent_to(p.platform, p.user_id)),
            name="outbox (e-mails to them)"),
    Holding(EmailAddress, lambda p: and_(EmailAddress.platform == p.platform, EmailAddress.user_id == p.user_id)),
    Holding(Reminder, lambda p: and_(Reminder.platform == p.platform, Reminder.user_id == p.user_id)),
    Holding(ConversationReference, lambda p: and_(ConversationReference.platform == p.platform,
                                                  ConversationReference.user_id == p.user_id)),
    Holding(Ticket, lambda p: and_(Ticket.requester_platform == p.platform, Ticket.requester_id == p.user_id),
            keep_without={"requester_id": FORGOTTEN, "requester_name": "", "requester_channel": "",
                          "requester_origin": None}),
    Holding(Ticket, lambda p: and_(Ticket.assignee_platform == p.platform, Ticket.assignee_id == p.user_id),
            name="ticket (assigned to them)", kept_because="tickets a staff member worked on are the department's record"),
    Holding(TicketEvent, lambda p: and_(TicketEvent.actor_platform == p.platform, TicketEvent.actor_id == p.user_id),
            keep_without={"actor_id": FORGOTTEN}),
    Holding(CorrectionRequest, lambda p: and_(CorrectionRequest.platform == p.platform,
                                              CorrectionRequest.reporter == p.user_id),
            keep_without={"reporter": FORGOTTEN}),
    Holding(SchoolContact, lambda p: getattr(SchoolContact, _contact_column(p)) == p.user_id if _contact_column(p)
            else SchoolContact.id.is_(None), keep_without=lambda p: {_contact_column(p): ""} if _contact_column(p) else {}),
    Holding(StaffMember, lambda p: and_(StaffMember.platform == p.platform, StaffMember.user_id == p.user_id),
            kept_because="a member of the department's staff: remove with `partnerbot staff remove`"),
    Holding(AuditEvent, lambda p: _as_actor(AuditEvent.actor, p),
            kept_because="the audit log of staff actions is kept whole (its entries may also name them as the one "
                         "acted on, as this request's own entry does)"),
    Holding(TaughtExample, lambda p: _as_actor(TaughtExample.taught_by, p), keep_without={"taught_by": FORGOTTEN}),
    Holding(DepartmentAnswer, lambda p: _as_actor(DepartmentAnswer.updated_by, p),
            keep_without={"updated_by": FORGOTTEN}),
    Holding(FaqEntry, lambda p: _as_actor(FaqEntry.updated_by, p), keep_without={"updated_by": FORGOTTEN}),
    Holding(FaqTopicText, lambda p: _as_actor(FaqTopicText.updated_by, p), keep_without={"updated_by": FORGOTTEN}),
    Holding(ChannelRole, lambda p: _as_actor(ChannelRole.assigned_by, p), keep_without={"assigned_by": FORGOTTEN}),
    Holding(NudgeHold, lambda p: _as_actor(NudgeHold.by_user, p), keep_without={"by_user": FORGOTTEN}),
)

HOLDS_NO_PERSON: dict[str, str] = {
    "school": "the district's school sites",
    "organisation": "partner organisations (their public contact address, not a person's chat id)",
    "partnership": "partnerships between organisations and schools",
    "partnership_service": "the services of a partnership",
    "training_session": "the trainings calendar",
    "announcement_post": "keys of announcements posted to channels",
    "processed_event": "platform event ids already handled",
    "nudge_sent": "keys of nudges sent to a school contact (the contact is covered)",
    "staff_person": "the department's desk sign-in, by e-mail: managed with `partnerbot staff`",
    "desk_session": "desk sign-in sessions of staff (by staff person)",
    "desk_login": "desk sign-ins under way (no identity yet)",
}


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _rows_of(session: Session, holding: Holding, person: Person) -> list[dict[str, Any]]:
    table = holding.model.__table__
    found = session.execute(select(table).where(holding.rows(person)).order_by(*table.primary_key.columns))
    return [{key: _plain(value) for key, value in row._mapping.items()} for row in found]


def export(session: Session, person: Person) -> dict[str, Any]:
    """Everything stored about `person`, table by table (every table that holds people is listed, empty or not)."""
    return {"person": person.label, "tables": {h.label: _rows_of(session, h, person) for h in HOLDINGS}}


@dataclass(frozen=True)
class Forgotten:
    deleted: dict[str, int]
    kept_without_identity: dict[str, int]
    kept: dict[str, str]


def forget(session: Session, person: Person, actor: str) -> Forgotten:
    """Delete `person`'s conversations, logs, reminders and notices; keep the department's records without
    their identity; record it in the audit log (counts only). In the caller's transaction."""
    deleted: dict[str, int] = {}
    anonymised: dict[str, int] = {}
    kept: dict[str, str] = {}
    for holding in HOLDINGS:
        if holding.kept_because:
            if session.scalar(select(func.count()).select_from(holding.model).where(holding.rows(person))):
                kept[holding.label] = holding.kept_because
            continue
        if holding.keep_without is not None:
            values = holding.keep_without(person) if callable(holding.keep_without) else holding.keep_without
            if not values:
                continue  # the table holds no id of this platform's people
            count = session.execute(update(holding.model).where(holding.rows(person))
                                    .values(**values).execution_options(synchronize_session=False))
            anonymised[holding.label] = count.rowcount or 0
        else:
            count = session.execute(delete(holding.model).where(holding.rows(person))
                                    .execution_options(synchronize_session=False))
            deleted[holding.label] = count.rowcount or 0
    audit.record(session, actor, "person.forget", person.label,
                 after={"deleted": deleted, "kept_without_identity": anonymised, "kept": sorted(kept)})
    return Forgotten(deleted, anonymised, kept)


def record_export(session: Session, person: Person, actor: str, export_: dict[str, Any]) -> None:
    audit.record(session, actor, "person.export", person.label,
                 after={"rows": {table: len(rows) for table, rows in export_["tables"].items()}})


def uncovered(metadata: Any) -> set[str]:
    """Tables of `metadata` listed neither as holding a person nor as holding none."""
    return set(metadata.tables) - {h.table for h in HOLDINGS} - set(HOLDS_NO_PERSON)
