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
from typing import Callable, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import inbox
from bot.core import Message, Reply
from bot.db import Database
from bot.inbox import Claimed
from bot.logs import describe
from bot.notify import LogNotifier, Notifier, Post, deliver_pending, queue, send_leased
from bot.receipts import Receipts
from bot.router import Bot

log = logging.getLogger("partnerbot.answering")
BATCH = 4
"""Events claimed at once (one statement) when several wait: fewer round trips under a backlog; a
process killed mid-batch leaves at most this many rows waiting for their lease to run out."""
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


class NoAnswerer(LookupError):
    """No platform of this process answers messages of that platform."""


def queue_answer(session: Session, key: str, posts: list[Post], lease: dt.timedelta) -> list[tuple[int, Post]]:
    """Queue an answer's posts in the caller's transaction, leased to the caller (who sends them
    right after the commit); returns (row id, post) for each one added now."""
    queued = []
    for part, post in enumerate(posts):
        post_key = answer_key(key, part)
        row_id = queue(session, post_key, post, leased_for=lease)
        if row_id is not None:
            queued.append((row_id, replace(post, key=post_key)))
    return queued


@dataclass
class InboxProcessor:
    bot: Bot
    database: Database
    answerers: dict[str, Answerer]
    notifiers: dict[str, Notifier]
    lease: dt.timedelta = inbox.LEASE
    receipts: Receipts | None = None

    def process_due(self, limit: int = BATCH) -> int:
        """Answer up to `limit` due events; returns how many were claimed (0: nothing to do)."""
        claimed = inbox.claim(self.database, limit, lease=self.lease)
        for event in claimed:
            self.process(event)
        return len(claimed)

    def process(self, event: Claimed) -> None:
        try:
            _, queued = self.take_turn(event.message, event.key, settle=lambda session, reply: inbox.settle(
                session, event, "ignored" if reply is None else "answered"))
        except SQLAlchemyError as exc:
            self._failed(event, describe(exc))
            return
        except NoAnswerer:
            log.error("no answerer for platform", extra={"turn": {"platform": event.message.platform}})
            self._failed(event, "no answerer for this platform")
            return
        self.send(queued)
        if self.bot.metrics is not None and event.received_at is not None and queued:
            self.bot.metrics.answer_seconds.labels(platform=event.message.platform).observe(
                max(0.0, (inbox.utcnow() - event.received_at).total_seconds()))

    def take_turn(self, message: Message, key: str, settle: Callable[[Session, Reply | None], None] | None = None,
                  ) -> tuple[Reply | None, list[tuple[int, Post]]]:
        """Take the turn and, in its transaction, queue its answer as outbox posts keyed by `key`
        (and `settle`, e.g. the inbox row). The caller sends the queued posts (`send`) after the
        commit; whatever fails to go out stays in the outbox for its retries. A database error is
        raised: nothing was recorded, so the caller can hand the message to the inbox instead."""
        answerer = self.answerers.get(message.platform)
        if answerer is None:
            raise NoAnswerer(message.platform)
        try:
            message = answerer.prepare(message)
        except Exception as exc:  # a nicety (a display name) never blocks the answer
            log.warning("preparing a message failed", extra={"turn": {"error": describe(exc)}})
        queued: list[tuple[int, Post]] = []

        def record(session: Session, reply: Reply | None) -> None:
            queued.clear()  # a turn retried after a busy database records again: the last one counts
            if reply is not None:
                queued.extend(queue_answer(session, key, answerer.posts(message, reply), self.lease))
            if settle is not None:
                settle(session, reply)

        reply = self.bot.handle_durably(message, record)
        return reply, queued

    def post(self, message: Message, reply: Reply, key: str) -> None:
        """Queue and send a reply known without a turn (a form that could not open as a modal)."""
        answerer = self.answerers.get(message.platform)
        if answerer is None:
            raise NoAnswerer(message.platform)
        with self.database.session() as session:
            queued = queue_answer(session, key, answerer.posts(message, reply), self.lease)
        self.send(queued)

    def send(self, queued: list[tuple[int, Post]]) -> None:
        """Send posts this process holds the lease of, in order; the rest of an answer (a chart)
        waits for its lease to run out when one part fails, so it never comes before the message."""
        for row_id, post in queued:
            if not self._send(row_id, post):
                break

    def _send(self, row_id: int, post: Post) -> bool:
        notifier = self.notifiers.get(post.platform) or LogNotifier()
        try:
            return send_leased(self.database.sessions, notifier, row_id, post, None, inbox.utcnow, self.receipts) == 1
        except SQLAlchemyError as exc:  # the outcome could not be recorded: the lease runs out, the look-up follows
            log.warning("recording an answer's delivery failed", extra={"turn": {"error": describe(exc)}})
            return False

    def send_now(self, keys: list[str]) -> int:
        """Post queued answers at once; a failure stays in the outbox for its retries."""
        try:
            return deliver_pending(self.database.sessions, self.notifiers, keys=keys, fallback=LogNotifier(),
                                   lease=self.lease, receipts=self.receipts)
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
