"""Desk sign-ins under way and signed-in sessions, in the database (any `web` process serves any request).

The cookie holds a random token; the database keeps only its digest, the person, a CSRF token and the
expiry. Every state-changing request must carry that CSRF token in its form."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.models import DeskLogin, DeskSession, StaffPerson

LOGIN_MINUTES = 10
"""A sign-in not finished within this long is refused (and its row swept away)."""


@dataclass(frozen=True)
class SignedIn:
    person_id: int
    email: str
    name: str
    role: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return self.name or self.email


def digest(token: str) -> str:
    return hashlib.sha256(f"partnerbot-desk:{token}".encode("utf-8", "surrogatepass")).hexdigest()


def begin_login(session: Session, state: str, nonce: str, code_verifier: str, next_path: str,
                now: dt.datetime) -> None:
    session.execute(delete(DeskLogin).where(DeskLogin.created_at < now - dt.timedelta(minutes=LOGIN_MINUTES)))
    session.add(DeskLogin(state=state, nonce=nonce, code_verifier=code_verifier, next_path=next_path, created_at=now))


def take_login(session: Session, state: str, now: dt.datetime) -> DeskLogin | None:
    """The sign-in `state` names, once: a second use of the same callback finds nothing."""
    login = session.get(DeskLogin, state[:100])
    if login is None:
        return None
    session.delete(login)
    return login if login.created_at >= now - dt.timedelta(minutes=LOGIN_MINUTES) else None


def staff_for(session: Session, email: str | None, subject: str | None) -> StaffPerson | None:
    """The staff member an ID token names: by subject once known, else by e-mail (then the subject is
    remembered). None when the person is not on the staff list."""
    if subject:
        person = session.scalar(select(StaffPerson).where(StaffPerson.subject == subject))
        if person is not None:
            return person
    if not email:
        return None
    person = session.scalar(select(StaffPerson).where(StaffPerson.email == email.strip().lower()))
    if person is None or (person.subject and subject and person.subject != subject):
        return None  # the address now belongs to someone else at the issuer
    if subject and not person.subject:
        person.subject = subject
    return person


def open_session(session: Session, person: StaffPerson, now: dt.datetime, hours: float) -> str:
    """A new session for `person`; returns the cookie's token."""
    session.execute(delete(DeskSession).where(DeskSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    session.add(DeskSession(token_digest=digest(token), person_id=person.id, csrf=secrets.token_urlsafe(32),
                            created_at=now, expires_at=now + dt.timedelta(hours=hours)))
    return token


def signed_in(session: Session, token: str, now: dt.datetime) -> SignedIn | None:
    if not token or len(token) > 200:
        return None
    row = session.get(DeskSession, digest(token))
    if row is None or row.expires_at <= now:
        return None
    person = session.get(StaffPerson, row.person_id)
    if person is None:
        return None
    return SignedIn(person.id, person.email, person.name, person.role, row.csrf)


def close_session(session: Session, token: str) -> None:
    session.execute(delete(DeskSession).where(DeskSession.token_digest == digest(token)))
