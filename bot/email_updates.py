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

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import notify
from bot.config import Settings
from bot.models import EmailAddress

PLATFORM = "email"
CONFIRM_KIND = "email.confirm"
MAX_ADDRESS = 254
"""The longest address SMTP carries (RFC 5321's 256-octet path, less its angle brackets)."""


def valid_address(text: str) -> str | None:
    """The address in `text` if it is one plain mailbox (local@domain.tld), else None."""
    text = text.strip().strip("<>.,;").strip()
    if not text or len(text) > MAX_ADDRESS or any(c.isspace() for c in text):
        return None
    try:
        parsed = Address(addr_spec=text)
    except (HeaderParseError, ValueError, IndexError):
        return None
    domain = parsed.domain
    if not parsed.username or "." not in domain.strip(".") or domain.startswith(".") or ".." in domain:
        return None
    return f"{parsed.username}@{domain.lower()}"


def links_base(settings: Settings) -> str:
    """Where the links in e-mails point: PUBLIC_URL, or this machine on the embedded default."""
    return settings.public_url or f"http://localhost:{settings.port}"


def link(base_url: str, token: str) -> str:
    """The page where the address's owner confirms, shares or stops (bot/platforms/email/app.py)."""
    return f"{base_url}/email?t={token}"


@dataclass(frozen=True)
class Given:
    address: str
    already_confirmed: bool


def give(session: Session, platform: str, user_id: str, address: str, base_url: str, now: dt.datetime) -> Given:
    """Record `address` for this person (replacing one given before) and queue its confirmation e-mail;
    an address they already confirmed is kept as it is."""
    same = session.scalar(select(EmailAddress).where(
        EmailAddress.platform == platform, EmailAddress.user_id == user_id, EmailAddress.address == address))
    if same is not None and same.confirmed_at is not None:
        return Given(address, True)
    session.execute(delete(EmailAddress).where(
        EmailAddress.platform == platform, EmailAddress.user_id == user_id, EmailAddress.confirmed_at.is_(None)))
    row = EmailAddress(platform=platform, user_id=user_id, address=address, token=secrets.token_urlsafe(32),
                       created_at=now)
    session.add(row)
    session.flush()
    text = ("Someone, we hope you, asked the School and Community Partnerships department's chat to send updates "
            f"on their requests to this address. To confirm, open this link:\n\n{link(base_url, row.token)}\n\n"
            "If it wasn't you, ignore this e-mail: nothing more will be sent.")
    notify.queue(session, f"email:{row.id}:confirm", notify.Post(CONFIRM_KIND, PLATFORM, address, text), now=now)
    return Given(address, False)


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
    session.delete(row)


def confirmed(session: Session, platform: str, user_id: str) -> EmailAddress | None:
    return session.scalar(select(EmailAddress).where(
        EmailAddress.platform == platform, EmailAddress.user_id == user_id, EmailAddress.confirmed_at.is_not(None)))


def shared_with_department(session: Session, platform: str, user_id: str) -> str | None:
    """The address the department may see and write to, when the person agreed."""
    row = confirmed(session, platform, user_id)
    return row.address if row is not None and row.shared else None


def for_address(session: Session, address: str) -> EmailAddress | None:
    """The row an e-mail to `address` belongs to: its confirmed one first."""
    return session.scalar(select(EmailAddress).where(EmailAddress.address == address)
                          .order_by(EmailAddress.confirmed_at.is_(None), EmailAddress.id.desc()).limit(1))
