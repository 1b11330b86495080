"""The audit log: every staff action from the desk, a chat or the terminal, with before and after for edits.

Written in the same transaction as the change it describes, so a change and its record land together."""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AuditEvent


def actor_label(platform: str, user_id: str, name: str = "") -> str:
    return f"{platform}:{user_id}" + (f" ({name})" if name and name != user_id else "")


def record(session: Session, actor: str, action: str, target: str = "", *, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, note: str | None = None, at: dt.datetime | None = None) -> AuditEvent:
    event = AuditEvent(actor=actor[:400], action=action[:60], target=target[:200], before=before, after=after,
                       note=note, at=at or dt.datetime.now(dt.timezone.utc))
    session.add(event)
    return event


def recent(session: Session, limit: int = 200) -> Sequence[AuditEvent]:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()
