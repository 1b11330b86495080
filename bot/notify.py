"""Platform-neutral notifications with a transactional outbox.

Handlers and jobs queue a `Notice` for an *audience* ("department",
"announcements", or "user:<platform>:<id>") through the `Outbox`, in the same
transaction as the change it reports (a new ticket, a claim), so a notice exists
exactly when the change does. The outbox asks its `Audiences` (the platforms
layer) where that audience is, and queues one row per platform and target:
domain code never names a platform. `deliver_pending()` (run by web and clock
processes) sends what is due through the platform's `Notifier`, retries failures
with back-off, and never sends one row twice: each row is leased first.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol, Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.core import Button
from bot.db import insert_ignore_returning, is_busy
from bot.models import OutboxMessage
from bot.receipts import Receipts

log = logging.getLogger("partnerbot.notify")

MAX_ATTEMPTS = 8
LOCAL_PLATFORMS = ("log", "cli")
"""Platforms with no push channel: their notices are logged. Web-chat notices wait
until the browser collects them (`collect`); Slack and Teams notices wait until a
process with that platform configured sends them."""
LEASE = dt.timedelta(minutes=2)
"""Counted from the moment a row is taken: one send is bounded by the platform client's
timeout (10 s, at most three calls), well inside it."""
UNKNOWN_OUTCOME = "outcome unknown"
IN_FLIGHT = f"{UNKNOWN_OUTCOME}: a send was under way"
"""Written when a row is leased: a sender killed mid-send leaves it, so whoever takes the
row next looks for the post before posting again."""


DEPARTMENT, ANNOUNCEMENTS = "department", "announcements"


def user_audience(platform: str, user_id: str) -> str:
    """The audience of one person, where they talk to the bot."""
    return f"user:{platform}:{user_id}"


def person_of(audience: str) -> tuple[str, str] | None:
    """(platform, user id) of a person's audience (`user_audience`'s inverse); None for a channel audience."""
    if not audience.startswith("user:"):
        return None
    _, platform, user = audience.split(":", 2)
    return platform, user


@dataclass(frozen=True)
class Notice:
    """Something to post to an audience: a channel message, a DM, or an update of an earlier post."""

    kind: str
    audience: str
    text: str
    buttons: tuple[Button, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    update_of: str | None = None  # key of an earlier notice (same audience) whose post this replaces


@dataclass(frozen=True)
class Delivery:
    """What a notifier reports: the platform's id for the post (to update it later), and whether
    the post may repeat one made by an earlier attempt whose outcome was unknown: True where the
    platform cannot be searched for that attempt's post (Teams, a Slack response URL)."""

    external_ref: str | None = None
    may_repeat: bool = False


@dataclass(frozen=True)
class Post:
    """One row of the outbox: a notice on one platform, to one target (channel, user).

    A direct answer to a message also travels as a post: `body` is then the reply
    already drawn for its platform and `thread` where it belongs. `edits` names a post
    the platform already has (its reference, e.g. Slack's "channel|ts") that this one
    replaces, where `update_of` names one of ours by its outbox key."""

    kind: str
    platform: str
    target: str
    text: str
    buttons: tuple[Button, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    update_of: str | None = None  # outbox key of the post this replaces
    body: dict[str, Any] | None = None
    thread: str | None = None
    key: str = ""  # the outbox key, set when read back from a row
    uncertain: bool = False  # an earlier attempt may have posted it (a timeout): look before posting again
    chart: dict[str, Any] | None = None  # a chart to post as an image (`Chart.to_dict()`), on platforms that upload
    edits: str | None = None
    audience: str = ""
    """Whom the notice was for ("user:web:v-1"): on a channel of another platform (their e-mail), what ties
    the post to the person."""

    @property
    def replaces(self) -> bool:
        """An update of an earlier post rather than a new one."""
        return bool(self.update_of or self.edits)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "buttons": [b.to_dict() for b in self.buttons], "data": self.data,
                               "update_of": self.update_of}
        if self.body is not None:
            out["body"] = self.body
        if self.thread:
            out["thread"] = self.thread
        if self.chart:
            out["chart"] = self.chart
        if self.edits:
            out["edits"] = self.edits
        if self.audience:
            out["audience"] = self.audience
        return out

    @classmethod
    def from_row(cls, row: OutboxMessage) -> "Post":
        p = row.payload
        return cls(row.kind, row.platform, row.target, p.get("text", ""),
                   tuple(Button(b["label"], b["action"], b.get("value", "")) for b in p.get("buttons", [])),
                   p.get("data", {}), p.get("update_of"), p.get("body"), p.get("thread"), row.dedupe_key,
                   (row.last_error or "").startswith(UNKNOWN_OUTCOME), p.get("chart"), p.get("edits"),
                   p.get("audience", ""))


class Audiences(Protocol):
    """Where an audience is: (platform, target) pairs. The platforms layer implements it."""

    def targets(self, session: Session, audience: str) -> list[tuple[str, str]]: ...


class UserAudiences:
    """The least an outbox needs: a user audience is that user on that platform; any other audience is logged."""

    def targets(self, session: Session, audience: str) -> list[tuple[str, str]]:
        person = person_of(audience)
        return [person] if person is not None else [("log", audience)]


@dataclass
class Outbox:
    """Queues notices for audiences, one outbox row per platform target, in the caller's transaction."""

    audiences: Audiences

    def queue(self, session: Session, key: str, notice: Notice, *,
              now: dt.datetime | None = None) -> list[tuple[str, str]]:
        """Queue `notice` under `key` for every target of its audience; returns the (platform, target)
        pairs added now (none if it was queued before)."""
        added = []
        for platform, target in self.audiences.targets(session, notice.audience):
            post = Post(notice.kind, platform, target, notice.text, notice.buttons, notice.data,
                        post_key(notice.update_of, platform, target) if notice.update_of else None,
                        audience=notice.audience if notice.audience.startswith("user:") else "")
            if queue(session, post_key(key, platform, target), post, now=now):
                added.append((platform, target))
        return added


def post_key(key: str, platform: str, target: str) -> str:
    """The outbox key of one notice on one platform target."""
    return f"{key}:{platform}:{target}"[:300]


class DeliveryError(Exception):
    """A send failed. `retry_after` (seconds) when the platform asked us to wait;
    `permanent` when retrying cannot help (the bot was removed from the channel)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False,
                 uncertain: bool = False) -> None:
        super().__init__(f"{UNKNOWN_OUTCOME}: {message}" if uncertain else message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.uncertain = uncertain


class Notifier(Protocol):
    def send(self, post: Post, previous_ref: str | None) -> Delivery: ...


class LogNotifier:
    """Used where no chat platform is configured (the embedded default)."""

    def send(self, post: Post, previous_ref: str | None) -> Delivery:
        log.info("notice", extra={"turn": {"kind": post.kind, "platform": post.platform, "target": post.target}})
        return Delivery(external_ref=None)


def queue(session: Session, dedupe_key: str, post: Post, *, now: dt.datetime | None = None,
          leased_for: dt.timedelta | None = None) -> int | None:
    """Add a post to the outbox unless one with this key exists: the new row's id, or None.

    `leased_for`: the caller will send it right away (an answer), so the row starts out
    leased to it, as if `deliver_pending` had taken it."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return insert_ignore_returning(session, OutboxMessage, {
        "dedupe_key": dedupe_key, "kind": post.kind, "platform": post.platform, "target": post.target,
        "payload": post.payload(), "created_at": now, "attempts": 0, "gave_up": False,
        "next_attempt_at": now + leased_for if leased_for else now,
        "last_error": IN_FLIGHT if leased_for else None,
    }, ("dedupe_key",), "id")  # type: ignore[return-value]


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 15 * (2 ** max(0, attempts - 1))))


def deliver_pending(
    sessions,  # sessionmaker
    notifiers: dict[str, Notifier],
    now: dt.datetime | None = None,
    limit: int = 50,
    fallback: Notifier | None = None,
    keys: Sequence[str] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    lease: dt.timedelta = LEASE,
    receipts: Receipts | None = None,
) -> int:
    """Send due notices on the platforms this process can post to; returns how many were sent.

    Rows for other platforms wait for a process that can (Slack configured elsewhere), or for
    their reader (the web chat collects its own). `keys` limits the run to those rows (an
    answer sent at once). Safe to run in many processes. `receipts`: where deliveries the
    database could not record wait (bot/receipts.py); they are recorded first."""
    if receipts is not None:
        receipts.apply(sessions)
    if clock is None:
        clock = (lambda: now) if now is not None else (lambda: dt.datetime.now(dt.timezone.utc))
    sent = 0
    platforms = list(notifiers) + (list(LOCAL_PLATFORMS) if fallback is not None else [])
    with sessions() as session:
        query = select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up.is_(False),
            OutboxMessage.next_attempt_at <= clock(), OutboxMessage.platform.in_(platforms))
        if keys is not None:
            query = query.where(OutboxMessage.dedupe_key.in_(list(keys)))
        due = list(session.scalars(query.order_by(OutboxMessage.id).limit(limit)))
    for row_id in due:
        now = clock()
        leased = _lease(sessions, row_id, now, lease)
        if leased is None:
            continue
        post, previous = leased
        notifier = notifiers.get(post.platform) or fallback
        assert notifier is not None
        sent += send_leased(sessions, notifier, row_id, post, previous, clock, receipts)
    return sent


def send_leased(sessions, notifier: Notifier, row_id: int, post: Post, previous: str | None,  # type: ignore[no-untyped-def]
                clock: Callable[[], dt.datetime], receipts: Receipts | None = None) -> int:
    """Send one row this process holds the lease of, and record the outcome; 1 if it went out.

    A row whose last send's outcome is unknown is first looked up among the receipts kept on
    disk (a send the database could not record): found, it is recorded, not sent again. When
    the outcome of this send cannot be recorded, its receipt is kept on disk."""
    kept = receipts.find(post.key) if receipts is not None and post.uncertain and post.key else None
    error: DeliveryError | None = None
    delivery = Delivery(kept["ref"]) if kept else Delivery()
    if kept is None:
        try:  # no database transaction is open while we talk to a platform
            delivery = notifier.send(post, previous or post.edits)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a notifier bug must not lose the notice
            log.exception("notifier crashed")
            error = DeliveryError(f"{exc.__class__.__name__}: {exc}")
    now = clock()
    try:
        _record_outcome(sessions, row_id, delivery, error, now)
    except SQLAlchemyError:
        if error is None and receipts is not None and post.key:
            receipts.keep(post.key, delivery.external_ref, now)
        raise
    return 1 if error is None else 0


def _record_outcome(sessions, row_id: int, delivery: Delivery, error: DeliveryError | None,  # type: ignore[no-untyped-def]
                    now: dt.datetime) -> None:
    with sessions() as session:
        if error is None:  # the common case in one statement: it is on every answer's path
            values: dict[str, Any] = {"sent_at": now, "external_ref": delivery.external_ref, "last_error": None,
                                      "attempts": OutboxMessage.attempts + 1}
            if not delivery.may_repeat:
                values["repeats"] = 0  # looked up (or an update): no attempt left a copy behind
            repeats = session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
                                      .returning(OutboxMessage.repeats)).scalar()
            if repeats:
                log.warning("a post was sent again after an attempt whose outcome was unknown; it may show twice",
                            extra={"turn": {"repeats": repeats}})
        else:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            _failed(row, error, now)
        session.commit()


def _lease(sessions, row_id: int, now: dt.datetime, lease: dt.timedelta) -> tuple[Post, str | None] | None:  # type: ignore[no-untyped-def]
    """Take a due row for LEASE from `now`, the moment it is taken (a conditional update, so
    only one process sends it). A lease counted from when a batch started would already be
    over for rows reached late in a slow batch, and another process would send them again."""
    with sessions() as session:
        before = session.get(OutboxMessage, row_id)
        if before is None:
            return None
        uncertain = (before.last_error or "").startswith(UNKNOWN_OUTCOME)
        leased = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up.is_(False),
                   OutboxMessage.next_attempt_at <= now)
            # An attempt whose outcome is unknown may have posted: counted now, before this one is
            # made (a kill during it must not lose the count); a look-up that settles it resets it.
            .values(next_attempt_at=now + lease, last_error=IN_FLIGHT,
                    repeats=OutboxMessage.repeats + (1 if uncertain else 0))
        ).rowcount
        if not leased:
            session.commit()
            return None
        post = replace(Post.from_row(before), uncertain=uncertain)
        previous = None
        if post.update_of:
            previous = session.scalar(select(OutboxMessage.external_ref).where(
                OutboxMessage.dedupe_key == post.update_of))
        session.commit()
        return post, previous


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
        self.sent: list[tuple[Post, str | None]] = []
        self.fail_next = 0
        self._counter = 0

    def send(self, post: Post, previous_ref: str | None) -> Delivery:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise DeliveryError("simulated failure")
        self.sent.append((post, previous_ref))
        self._counter += 1
        return Delivery(external_ref=previous_ref or f"post-{self._counter}")


def collect(sessions, platform: str, target: str, now: dt.datetime | None = None) -> list[Post]:  # type: ignore[no-untyped-def]
    """Hand over (once) the notices waiting for a pull-based client such as the web chat.

    A lost write race just means "nothing this time": the client asks again.
    """
    try:
        return _collect(sessions, platform, target, now or dt.datetime.now(dt.timezone.utc))
    except OperationalError as exc:
        if is_busy(exc):
            return []
        raise


def _collect(sessions, platform: str, target: str, now: dt.datetime) -> list[Post]:  # type: ignore[no-untyped-def]
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
                taken.append(Post.from_row(row))
        session.commit()
    return taken
