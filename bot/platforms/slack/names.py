"""Slack display names for people the bot talks to (users.info, blocking: called on answering
threads and in the worker), cached, so department posts
say "Pat Lee" rather than U024BE7LH. A lookup that fails leaves the name empty, never the reply."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk import WebClient

from bot.core import Message

log = logging.getLogger("partnerbot.slack")
TTL_SECONDS = 3600.0
MAX_NAMES = 5000


class SlackNames:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._cache: dict[str, tuple[float, str | None]] = {}

    def name(self, user_id: str) -> str | None:
        if not user_id:
            return None
        cached = self._cache.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < TTL_SECONDS:
            return cached[1]
        try:
            response = self.client.users_info(user=user_id)
            user = response.get("user") or {}
            profile = user.get("profile") or {}
            found = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        except SlackApiError as exc:  # a name is a nicety: the reply goes out without it
            error = exc.response.get("error") if hasattr(exc.response, "get") else exc.response
            log.warning("users.info failed", extra={"turn": {"error": str(error)[:200]}})
            found = None
        except OSError as exc:  # Slack unreachable or slow: the same
            log.warning("users.info failed", extra={"turn": {"error": exc.__class__.__name__}})
            found = None
        if len(self._cache) >= MAX_NAMES:
            self._cache.clear()
        self._cache[user_id] = (time.monotonic(), found or None)
        return found or None

    def with_name(self, message: Message) -> Message:
        return replace(message, user_name=message.user_name or self.name(message.user))


def email_lookup(client: WebClient):  # type: ignore[no-untyped-def]
    """`users.lookupByEmail` for the contacts import: the user id, None if no user has it; any
    other failure (no scope, Slack down) raises `LookupFailed` so the row is reported."""
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    from bot.directory.contacts import LookupFailed

    # users.lookupByEmail is a Tier 3 method (about 50 a minute): a large file meets its limit,
    # and waiting out Retry-After is all it takes
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))

    def lookup(email: str) -> str | None:
        try:
            response = client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            error = exc.response.get("error") if hasattr(exc.response, "get") else str(exc.response)
            if error == "users_not_found":
                return None
            raise LookupFailed(str(error)) from exc
        except OSError as exc:
            raise LookupFailed(exc.__class__.__name__) from exc
        return str((response.get("user") or {}).get("id") or "") or None

    return lookup
