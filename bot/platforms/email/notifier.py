"""Posts of the "email" platform sent through the district's SMTP relay with aiosmtplib.

One e-mail per post: the relay's acceptance of the message (its answer to the end of DATA) is what
counts. A failure before it is retried as an ordinary failed send (nothing was accepted); a relay that
accepts and then hangs or drops the line is a send that went out; a relay whose answer to the end of
DATA never comes leaves the outcome unknown, and the next attempt may repeat the e-mail (counted, and
with the same Message-ID, so mail programs can hide the copy). The answer to the end of DATA is waited
for longer than other answers (RFC 5321 asks for minutes), but well inside the outbox's lease.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy.orm import sessionmaker

from bot import email_updates
from bot.notify import Delivery, DeliveryError, Post
from bot.platforms.email.render import render

log = logging.getLogger("partnerbot.email")
DATA_WAIT = 90.0
"""Seconds to wait for the relay's acceptance of a message (under the outbox's two-minute lease)."""


@dataclass(frozen=True)
class Relay:
    hostname: str
    port: int
    tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> "Relay":
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        return cls(parts.hostname or "", parts.port or (465 if tls else 587), tls,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)


class EmailNotifier:
    def __init__(self, relay: Relay, sender: str, sessions: sessionmaker, base_url: str, *,  # type: ignore[type-arg]
                 timeout: float = 30.0, data_wait: float = DATA_WAIT) -> None:
        self.relay = relay
        self.sender = sender
        self.sessions = sessions
        self.base_url = base_url
        self.timeout = timeout
        self.data_wait = data_wait

    def send(self, post: Post, previous_ref: str | None) -> Delivery:
        manage = None
        if post.kind != email_updates.CONFIRM_KIND:
            with self.sessions() as session:
                row = email_updates.for_audience(session, post.audience, post.target)
                token = row.token if row is not None else None
            if token is None:  # stopped or forgotten since the notice was queued: not theirs to receive
                log.info("e-mail not sent: the address no longer takes updates", extra={"turn": {"kind": post.kind}})
                return Delivery()
            manage = email_updates.link(self.base_url, token)
        message = render(post, self.sender, manage)
        asyncio.run(self._deliver(message))
        return Delivery(external_ref=str(message["Message-ID"]), may_repeat=post.uncertain)

    async def _deliver(self, message) -> None:  # type: ignore[no-untyped-def]
        relay = self.relay
        client = aiosmtplib.SMTP(hostname=relay.hostname, port=relay.port, use_tls=relay.tls,
                                 username=relay.username, password=relay.password, timeout=self.timeout)
        try:
            await client.connect()
            await client.mail(self.sender)
            await client.rcpt(str(message["To"]))
        except aiosmtplib.SMTPResponseException as exc:
            await _quit(client)
            raise DeliveryError(f"the relay refused: {exc.code} {exc.message}"[:300],
                                permanent=500 <= exc.code < 600) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            await _quit(client)
            raise DeliveryError(f"the relay could not be reached: {exc.__class__.__name__}") from None
        try:
            await client.data(message.as_bytes(), timeout=self.data_wait)
        except aiosmtplib.SMTPResponseException as exc:  # refused: nothing was accepted
            await _quit(client)
            raise DeliveryError(f"the relay refused the message: {exc.code} {exc.message}"[:300],
                                permanent=500 <= exc.code < 600) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise DeliveryError(f"no answer from the relay to the message: {exc.__class__.__name__}",
                                uncertain=True) from None
        await _quit(client)  # accepted: how the line ends changes nothing


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        if client.is_connected:
            await client.quit(timeout=5)
    except (aiosmtplib.SMTPException, OSError):
        client.close()
