"""E-mail updates for people who talk to the bot where it cannot reach them later (the web chat).

A person gives an address; a confirmation e-mail with a link goes to it through the outbox; only once the
link is followed do their notices (ticket updates, reminders) also go there, as posts of the "email"
platform (bot/platforms/email/). Every e-mail carries the same link, to stop them. The department sees
the address only if the person agreed on the confirmation page (`shared`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from bot import notify
from bot.config import Settings
from bot.models import EmailAddress, OutboxMessage

PLATFORM = "email"
CONFIRM_KIND = "email.confirm"
MAX_ADDRESS = 254
"""The longest address SMTP carries (RFC 5321's 256-octet path, less its angle brackets)."""
CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3
CONFIRMATIONS_PER_PERSON_PER_HOUR = 3
"""Nobody can make the district's relay write to an address of their choosing more than this."""
UNCONFIRMED_DAYS = 7
"""An address never confirmed (maybe typed by someone else) is deleted after this many days."""


def valid_address(text: str) -> str | None:
    """The address in `text` if it is one plain mailbox (local@domain.tld, the local part in ASCII; an
    international domain in its ASCII form), written as typed; else None."""
    text = text.strip().rstrip(".").strip("<>,;").strip()
    if not text or len(text) > MAX_ADDRESS or any(c.isspace() for c in text):
        return None
    try:
        parsed = Address(addr_spec=text)
    except (HeaderParseError, ValueError, IndexError):
        return None
    local, domain = parsed.username, parsed.domain
    if f"{local}@{domain}" != text or not local.isascii() or '"' in local or domain.startswith("["):
        return None  # quoted or rewritten local parts, address literals: not what people type
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if "." not in domain.strip(".") or domain.startswith(".") or ".." in domain:
        return None
    return f"{local}@{domain}"


def links_base(settings: Settings) -> str:
    """Where the links in e-mails point: PUBLIC_URL, or this machine on the embedded default."""
    return settings.public_url or f"http://localhost:{settings.port}"


def link(base_url: str, token: str) -> str:
    """The page where the address's owner confirms, shares or stops (bot/platforms/email/app.py)."""
    return f"{base_url}/email?t={token}"


@dataclass(frozen=True)
class Given:
    address: str
    outcome: str
    """"confirmation_sent", "confirmed" (it already was), or "too_many" (nothing sent)."""


def _confirmations_since(session: Session, since: dt.datetime, *conditions: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == CONFIRM_KIND, OutboxMessage.created_at >= since, *conditions)) or 0


def give(session: Session, platform: str, user_id: str, address: str, base_url: str, now: dt.datetime) -> Given:
    """Record `address` for this person (replacing one given before) and queue its confirmation e-mail;
    an address they already confirmed is kept as it is. Confirmations are limited per address and person."""
    same = session.scalar(select(EmailAddress).where(
        EmailAddress.platform == platform, EmailAddress.user_id == user_id, EmailAddress.address == address))
    if same is not None and same.confirmed_at is not None:
        return Given(address, "confirmed")
    audience = notify.user_audience(platform, user_id)
    if (_confirmations_since(session, now - dt.timedelta(days=1), OutboxMessage.target == address)
            >= CONFIRMATIONS_PER_ADDRESS_PER_DAY
            or _confirmations_since(session, now - dt.timedelta(hours=1),
                                    OutboxMessage.payload["audience"].as_string() == audience)
            >= CONFIRMATIONS_PER_PERSON_PER_HOUR):
        return Given(address, "too_many")
    session.execute(delete(EmailAddress).where(
        EmailAddress.platform == platform, EmailAddress.user_id == user_id, EmailAddress.confirmed_at.is_(None)))
    row = EmailAddress(platform=platform, user_id=user_id, address=address, token=secrets.token_urlsafe(32),
                       created_at=now)
    session.add(row)
    session.flush()
    text = ("Someone, we hope you, asked the School and Community Partnerships department's chat to send updates "
            f"on their requests to this address. To confirm, or to have the address forgotten, open this link:"
            f"\n\n{link(base_url, row.token)}\n\nIf it wasn't you, you can also ignore this e-mail: nothing more "
            f"will be sent, and the address is deleted after {UNCONFIRMED_DAYS} days.")
    notify.queue(session, f"email:confirm:{row.token}", notify.Post(CONFIRM_KIND, PLATFORM, address, text,
                                                                    audience=audience), now=now)
    return Given(address, "confirmation_sent")


def by_token(session: Session, token: str) -> EmailAddress | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(EmailAddress).where(EmailAddress.token == token))


def confirm(session: Session, row: EmailAddress, shared: bool, now: dt.datetime) -> None:
    """The link was followed: updates go to this address (and to no other address of theirs)."""
    session.execute(delete(EmailAddress).where(
        EmailAddress.platform == row.platform, EmailAddress.user_id == row.user_id, EmailAddress.id != row.id))
    row.confirmed_at = row.confirmed_at or now
    row.shared = shared


def stop(session: Session, row: EmailAddress) -> None:
    """Forget the address, with the e-mails to it that this person's notices made (sent or waiting)."""
    session.execute(delete(OutboxMessage).where(*sent_to(row.platform, row.user_id), OutboxMessage.target == row.address)
                    .execution_options(synchronize_session=False))
    session.delete(row)


def sent_to(platform: str, user_id: str) -> tuple[ColumnElement[bool], ...]:
    """The outbox rows that are e-mails made for this person (never another person's, even to the same address)."""
    return (OutboxMessage.platform == PLATFORM,
            OutboxMessage.payload["audience"].as_string() == notify.user_audience(platform, user_id))


def confirmed(session: Session, platform: str, user_id: str) -> EmailAddress | None:
    return session.scalar(select(EmailAddress).where(
        EmailAddress.platform == platform, EmailAddress.user_id == user_id, EmailAddress.confirmed_at.is_not(None)))


def shared_with_department(session: Session, platform: str, user_id: str) -> str | None:
    """The address the department may see and write to, when the person agreed."""
    row = confirmed(session, platform, user_id)
    return row.address if row is not None and row.shared else None


def for_audience(session: Session, audience: str, address: str) -> EmailAddress | None:
    """The confirmed row an e-mail made for `audience` ("user:web:v-1") to `address` belongs to, if it still does."""
    person = notify.person_of(audience)
    row = confirmed(session, *person) if person is not None else None
    return row if row is not None and row.address == address else None
