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

    def posts(self, message: Message, reply: Reply) -> list[Post]:
        """The answer as outbox posts, in the order they go out: where and how it is drawn
        (Slack adds the reply's chart as an uploaded image after the message)."""


def answer_key(event_key: str, part: int = 0) -> str:
    """The outbox key of an answer's `part`th post (0: the message itself)."""
    return f"answer:{event_key}" + (f":{part}" if part else "")


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
        queued: list[tuple[int, Post]] = []

        def settle(session: Session, reply: Reply | None) -> None:
            queued.clear()  # a turn retried after a busy database settles again: the last one counts
            if reply is None:
                inbox.settle(session, event, "ignored")
                return
            for part, post in enumerate(answerer.posts(message, reply)):
                key = answer_key(event.key, part)
                if queue(session, key, post, leased_for=self.lease):  # ours to send, right after the commit
                    row_id = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))
                    queued.append((row_id, replace(post, key=key)))
            inbox.settle(session, event, "answered")

        try:
            self.bot.handle_durably(message, settle)
        except SQLAlchemyError as exc:
            self._failed(event, describe(exc))
            return
        for row_id, post in queued:
            if not self._send(row_id, post):
                break  # the rest (a chart) waits for its lease to run out, after the message's retry

    def _send(self, row_id: int, post: Post) -> bool:
        notifier = self.notifiers.get(post.platform) or LogNotifier()
        try:
            return send_leased(self.database.sessions, notifier, row_id, post, None, inbox.utcnow) == 1
        except SQLAlchemyError as exc:  # the outcome could not be recorded: the lease runs out, the metadata check follows
            log.warning("recording an answer's delivery failed", extra={"turn": {"error": describe(exc)}})
            return False

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
                apology = answerer.posts(event.message, Reply(GAVE_UP, "unknown", 0.0, {"error": "gave_up"}))[0]
                queue(session, key, apology)
        except SQLAlchemyError:
            return
        self.send_now([key])
