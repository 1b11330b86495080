"""Platform-neutral notifications with a transactional outbox.

Handlers and jobs `queue()` a `Notice` in the same transaction as the change it
reports (a new ticket, a claim), so a notice exists exactly when the change
does. `deliver_pending()` (run by web and clock processes) sends what is due
through the platform's `Notifier`, retries failures with back-off, and never
sends one row twice: each row is leased with a conditional update first.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.core import Button
from bot.db import insert_ignore, is_busy
from bot.models import OutboxMessage

log = logging.getLogger("partnerbot.notify")

MAX_ATTEMPTS = 8
LOCAL_PLATFORMS = ("log", "cli")
"""Platforms with no push channel: their notices are logged. Web-chat notices wait
until the browser collects them (`collect`); Slack and Teams notices wait until a
process with that platform configured sends them."""
LEASE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class Notice:
    """Something to post: a channel message, a DM, or an update of an earlier post."""

    kind: str
    platform: str
    target: str
    text: str
    buttons: tuple[Button, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    update_of: str | None = None  # dedupe key of an earlier notice whose post this replaces

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [b.to_dict() for b in self.buttons], "data": self.data,
                "update_of": self.update_of}

    @classmethod
    def from_row(cls, row: OutboxMessage) -> "Notice":
        p = row.payload
        return cls(row.kind, row.platform, row.target, p.get("text", ""),
                   tuple(Button(b["label"], b["action"], b.get("value", "")) for b in p.get("buttons", [])),
                   p.get("data", {}), p.get("update_of"))


@dataclass(frozen=True)
class Delivery:
    """What a notifier reports: the platform's id for the post (to update it later)."""

    external_ref: str | None = None


class DeliveryError(Exception):
    """A send failed. `retry_after` (seconds) when the platform asked us to wait;
    `permanent` when retrying cannot help (the bot was removed from the channel)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Notifier(Protocol):
    def send(self, notice: Notice, previous_ref: str | None) -> Delivery: ...


class LogNotifier:
    """Used where no chat platform is configured (the embedded default)."""

    def send(self, notice: Notice, previous_ref: str | None) -> Delivery:
        log.info("notice", extra={"turn": {"kind": notice.kind, "platform": notice.platform, "target": notice.target}})
        return Delivery(external_ref=None)


def queue(session: Session, dedupe_key: str, notice: Notice, *, now: dt.datetime | None = None) -> bool:
    """Add a notice to the outbox unless one with this key exists. True if added."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return insert_ignore(session, OutboxMessage, {
        "dedupe_key": dedupe_key, "kind": notice.kind, "platform": notice.platform, "target": notice.target,
        "payload": notice.payload(), "created_at": now, "next_attempt_at": now, "attempts": 0, "gave_up": False,
    }, ("dedupe_key",))


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 15 * (2 ** max(0, attempts - 1))))


def deliver_pending(
    sessions,  # sessionmaker
    notifiers: dict[str, Notifier],
    now: dt.datetime | None = None,
    limit: int = 50,
    fallback: Notifier | None = None,
) -> int:
    """Send due notices; returns how many were sent. Safe to run in many processes."""
    now = now or dt.datetime.now(dt.timezone.utc)
    sent = 0
    with sessions() as session:
        due = list(session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up.is_(False),
                                           OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id).limit(limit)))
    for row_id in due:
        leased = _lease(sessions, row_id, now)
        if leased is None:
            continue
        notice, previous = leased
        notifier = notifiers.get(notice.platform) or (fallback if notice.platform in LOCAL_PLATFORMS else None)
        if notifier is None:
            _leave_for_another_process(sessions, row_id, notice.platform, now)
            continue
        error: DeliveryError | None = None
        delivery = Delivery()
        try:  # no database transaction is open while we talk to a platform
            delivery = notifier.send(notice, previous)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a notifier bug must not lose the notice
            log.exception("notifier crashed")
            error = DeliveryError(f"{exc.__class__.__name__}: {exc}")
        with sessions() as session:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            if error is None:
                row.sent_at, row.external_ref, row.last_error = now, delivery.external_ref, None
                row.attempts += 1
                sent += 1
            else:
                _failed(row, error, now)
            session.commit()
    return sent


def _lease(sessions, row_id: int, now: dt.datetime) -> tuple[Notice, str | None] | None:  # type: ignore[no-untyped-def]
    """Take a due row for LEASE (a conditional update, so only one process sends it)."""
    with sessions() as session:
        leased = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up.is_(False),
                   OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE)
        ).rowcount
        if not leased:
            session.commit()
            return None
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        notice = Notice.from_row(row)
        previous = None
        if notice.update_of:
            previous = session.scalar(select(OutboxMessage.external_ref).where(
                OutboxMessage.dedupe_key == notice.update_of))
        session.commit()
        return notice, previous


def _leave_for_another_process(sessions, row_id: int, platform: str, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    """This process can't send to `platform`; release the row (no attempt counted)."""
    with sessions() as session:
        row = session.get(OutboxMessage, row_id)
        if row is not None:
            row.next_attempt_at = now + dt.timedelta(minutes=1)
            row.last_error = f"no notifier for {platform} in this process"
            session.commit()


def _failed(row: OutboxMessage, exc: DeliveryError, now: dt.datetime) -> None:
    row.attempts += 1
    row.last_error = str(exc)[:1000]
    if exc.permanent or row.attempts >= MAX_ATTEMPTS:
        row.gave_up = True
        log.error("notice given up", extra={"turn": {"kind": row.kind, "platform": row.platform,
                                                     "target": row.target, "error": row.last_error}})
        return
    wait = dt.timedelta(seconds=exc.retry_after) if exc.retry_after else _backoff(row.attempts)
    row.next_attempt_at = now + wait
    log.warning("notice will be retried", extra={"turn": {"kind": row.kind, "platform": row.platform,
                                                          "attempts": row.attempts, "error": row.last_error}})


class RecordingNotifier:
    """A fake for tests and the console: keeps what was sent; can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[Notice, str | None]] = []
        self.fail_next = 0
        self._counter = 0

    def send(self, notice: Notice, previous_ref: str | None) -> Delivery:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise DeliveryError("simulated failure")
        self.sent.append((notice, previous_ref))
        self._counter += 1
        return Delivery(external_ref=previous_ref or f"post-{self._counter}")


def collect(sessions, platform: str, target: str, now: dt.datetime | None = None) -> list[Notice]:  # type: ignore[no-untyped-def]
    """Hand over (once) the notices waiting for a pull-based client such as the web chat.

    A lost write race just means "nothing this time": the client asks again.
    """
    try:
        return _collect(sessions, platform, target, now or dt.datetime.now(dt.timezone.utc))
    except OperationalError as exc:
        if is_busy(exc):
            return []
        raise


def _collect(sessions, platform: str, target: str, now: dt.datetime) -> list[Notice]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        rows = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.platform == platform, OutboxMessage.target == target, OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)))
        if not rows:
            return []
        taken = []
        for row in rows:
            if session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.sent_at.is_(None))
                               .values(sent_at=now, attempts=OutboxMessage.attempts + 1)).rowcount:
                taken.append(Notice.from_row(row))
        session.commit()
    return taken
