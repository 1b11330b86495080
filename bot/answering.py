"""Answering the durable inbox: claim, answer, record, post.

For each claimed event the bot takes its turn; in that turn's transaction the
inbox row is settled and the answer queued in the outbox (so a crash before the
commit leaves both undone, and a crash after it leaves a queued answer that any
process sends). The answer is then sent at once through the platform's
notifier, with the outbox's retries, back-off and `Retry-After` if that fails.
Platform specifics (a Slack user's display name, drawing the reply) come from
an `Answerer` per platform, passed in.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import inbox
from bot.core import Message, Reply
from bot.db import Database
from bot.inbox import Claimed
from bot.logs import describe
from bot.models import OutboxMessage
from bot.notify import LogNotifier, Notifier, Post, deliver_pending, queue, send_leased
from bot.router import Bot

log = logging.getLogger("partnerbot.answering")
BATCH = 1
"""Events are claimed one at a time: a process killed mid-batch leaves only one row waiting for its lease to run out."""
GAVE_UP = ("Sorry, I couldn't answer your last message: something kept failing on my side. "
           "Please ask again in a little while.")


class Answerer(Protocol):
    """A platform's part in answering an event."""

    def prepare(self, message: Message) -> Message:
        """The message as the bot should see it (e.g. with the sender's display name)."""

    def post(self, message: Message, reply: Reply) -> Post:
        """The answer as an outbox post: where it goes and how it is drawn."""


def answer_key(event_key: str) -> str:
    return f"answer:{event_key}"


@dataclass
class InboxProcessor:
    bot: Bot
    database: Database
    answerers: dict[str, Answerer]
    notifiers: dict[str, Notifier]
    lease: dt.timedelta = inbox.LEASE

    def process_due(self, limit: int = BATCH) -> int:
        """Answer up to `limit` due events; returns how many were claimed (0: nothing to do)."""
        claimed = inbox.claim(self.database, limit, lease=self.lease)
        for event in claimed:
            self.process(event)
        return len(claimed)

    def process(self, event: Claimed) -> None:
        answerer = self.answerers.get(event.message.platform)
        if answerer is None:
            log.error("no answerer for platform", extra={"turn": {"platform": event.message.platform}})
            self._failed(event, "no answerer for this platform")
            return
        try:
            message = answerer.prepare(event.message)
        except Exception as exc:  # a nicety (a display name) never blocks the answer
            log.warning("preparing a message failed", extra={"turn": {"error": describe(exc)}})
            message = event.message
        key = answer_key(event.key)
        queued: list[tuple[int, Post]] = []

        def settle(session: Session, reply: Reply | None) -> None:
            if reply is None:
                inbox.settle(session, event, "ignored")
                return
            post = answerer.post(message, reply)
            if queue(session, key, post, leased_for=self.lease):  # ours to send, right after the commit
                row_id = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))
                queued.append((row_id, replace(post, key=key)))
            inbox.settle(session, event, "answered")

        try:
            self.bot.handle_durably(message, settle)
        except SQLAlchemyError as exc:
            self._failed(event, describe(exc))
            return
        for row_id, post in queued[-1:]:  # a turn retried after a busy database settles again: the last one counts
            self._send(row_id, post)

    def _send(self, row_id: int, post: Post) -> None:
        notifier = self.notifiers.get(post.platform) or LogNotifier()
        try:
            send_leased(self.database.sessions, notifier, row_id, post, None, inbox.utcnow)
        except SQLAlchemyError as exc:  # the outcome could not be recorded: the lease runs out, the metadata check follows
            log.warning("recording an answer's delivery failed", extra={"turn": {"error": describe(exc)}})

    def send_now(self, keys: list[str]) -> int:
        """Post queued answers at once; a failure stays in the outbox for its retries."""
        try:
            return deliver_pending(self.database.sessions, self.notifiers, keys=keys, fallback=LogNotifier(),
                                   lease=self.lease)
        except SQLAlchemyError as exc:
            log.warning("sending an answer now failed; the outbox will retry",
                        extra={"turn": {"error": describe(exc)}})
            return 0

    def _failed(self, event: Claimed, error: str) -> None:
        log.warning("answering an event failed; it will be tried again",
                    extra={"turn": {"event": event.key, "attempts": event.attempts, "error": error}})
        try:
            gave_up = inbox.release(self.database, event, error)
        except SQLAlchemyError:
            return  # the database is away: the lease runs out and the row is claimed again
        if gave_up:
            log.error("event given up", extra={"turn": {"event": event.key, "error": error}})
            self._apologise(event)

    def _apologise(self, event: Claimed) -> None:
        """After the last try, the person hears that we could not answer, rather than nothing."""
        answerer = self.answerers.get(event.message.platform)
        if answerer is None:
            return
        key = answer_key(event.key)
        try:
            with self.database.session() as session:
                queue(session, key, answerer.post(event.message, Reply(GAVE_UP, "unknown", 0.0, {"error": "gave_up"})))
        except SQLAlchemyError:
            return
        self.send_now([key])
