"""Teams side of the outbox: department pings, announcements and DMs, through a Teams runtime.

A post to a channel starts a new conversation in that channel (not a reply in
whatever thread the bot last saw there); a post to a person continues their 1:1
chat, or starts one from what we know of them (met in a channel). Updates edit
the first post. Throttling (429) and server errors are retried after the time
the connector asks for; a conversation the bot was removed from is given up.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any, Protocol

from bot.config import Settings
from bot.core import Chart, Reply
from bot.db import Database
from bot.notify import Delivery, DeliveryError, Post
from bot.platforms.teams import references
from bot.platforms.teams.render import base_channel, reply_activity, with_chart

log = logging.getLogger("partnerbot.teams")
DEFAULT_RETRY = 30.0


class _Failed(Exception):
    """An SDK call failed; `where` is the stored conversation it was for (deactivated if the bot was removed)."""

    def __init__(self, where: str, error: Exception) -> None:
        super().__init__(str(error))
        self.where, self.error = where, error


async def _call(where: str, call):  # type: ignore[no-untyped-def]
    try:
        return await call
    except Exception as exc:
        raise _Failed(where, exc) from exc


class TeamsSdk(Protocol):
    async def send(self, reference: dict[str, Any], activity: dict[str, Any], reply_to: str | None = None) -> str | None: ...

    async def update(self, reference: dict[str, Any], activity_id: str, activity: dict[str, Any]) -> None: ...

    async def create(self, service_url: str, parameters: dict[str, Any]) -> tuple[str, str | None]: ...

    async def members(self, service_url: str, team_id: str) -> list[dict[str, Any]]:
        """A team's roster (every page): each member's `id`, `aadObjectId`, `email`, `userPrincipalName`."""


def is_channel(target: str) -> bool:
    return target.startswith("19:") and "@thread" in target


class TeamsNotifier:
    def __init__(self, settings: Settings, database: Database, sdk: TeamsSdk) -> None:
        self.settings = settings
        self.database = database
        self.sdk = sdk

    def send(self, post: Post, previous_ref: str | None) -> Delivery:
        """Teams cannot be searched for an earlier post: a new post whose last attempt's outcome
        is unknown (and whose receipt, bot/receipts.py, was not kept) is sent again, and may
        repeat it; an update is harmless to repeat."""
        try:
            delivery = asyncio.run(self._send(post, previous_ref))
        except _Failed as failed:  # the SDKs raise their own error types; read the HTTP status from them
            raise self._failure(failed.where, failed.error) from failed.error
        return replace(delivery, may_repeat=not post.replaces)

    async def _send(self, post: Post, previous_ref: str | None) -> Delivery:
        if post.body is not None and post.body.get("reference"):
            return await self._answer(post)
        activity = reply_activity(Reply(post.text, post.kind, 1.0, post.data, post.buttons))
        if post.replaces:
            if not previous_ref:
                raise DeliveryError("the original post is not sent yet", retry_after=10)
            conversation_id, _, activity_id = previous_ref.partition("|")
            reference = self._reference(conversation_id, post.target)
            await _call(conversation_id, self.sdk.update(reference, activity_id, activity))
            return Delivery(previous_ref)
        if is_channel(post.target):
            service_url, tenant = self._where(post.target)
            conversation, activity_id = await _call(post.target, self.sdk.create(service_url, {
                "isGroup": True, "channelData": {"channel": {"id": post.target}, "tenant": {"id": tenant}},
                "tenantId": tenant, "bot": {"id": self._bot_id()}, "activity": activity}))
            return Delivery(f"{conversation}|{activity_id}")
        return await self._direct(post.target, activity)

    async def _answer(self, post: Post) -> Delivery:
        """A direct answer: a reply to the message, in the conversation it came from (the stored activity's)."""
        assert post.body is not None
        reference = dict(post.body["reference"])
        conversation = str((reference.get("conversation") or {}).get("id") or post.target)
        activity = post.body["activity"]
        if post.chart is not None:
            activity = with_chart(activity, Chart.from_dict(post.chart))  # this send's own loop: nothing else waits
        sent = await _call(conversation, self.sdk.send(reference, activity, reply_to=post.thread))
        return Delivery(f"{conversation}|{sent}")

    async def _direct(self, user: str, activity: dict[str, Any]) -> Delivery:
        with self.database.session() as session:
            chat = references.personal_chat(session, user)
            met = references.find(session, references.USER_PREFIX + user)
            chat_ref, met_ref = (chat.reference if chat else None), (met.reference if met else None)
        if chat_ref is not None:
            conversation = str(chat_ref["conversation"]["id"])
            sent = await _call(conversation, self.sdk.send(chat_ref, activity))
            return Delivery(f"{conversation}|{sent}")
        if met_ref is None:
            raise DeliveryError(f"no way to reach Teams user {user}: they have not talked to the bot", permanent=True)
        member = met_ref.get("user") or {}
        conversation, activity_id = await _call(references.USER_PREFIX + user, self.sdk.create(
            str(met_ref.get("serviceUrl")), {
                "isGroup": False, "members": [{"id": member.get("id"), "aadObjectId": member.get("aadObjectId")}],
                "tenantId": met_ref.get("tenantId"), "channelData": {"tenant": {"id": met_ref.get("tenantId")}},
                "bot": met_ref.get("bot") or {"id": self._bot_id()}, "activity": activity}))
        chat_reference = {**met_ref, "conversation": {"id": conversation, "conversationType": "personal",
                                                      "tenantId": met_ref.get("tenantId")}}
        with self.database.session() as session:
            references.remember(session, references.activity_of(chat_reference), user, may_move=True)
        return Delivery(f"{conversation}|{activity_id}")

    def _reference(self, conversation_id: str, target: str) -> dict[str, Any]:
        """How to reach a conversation we posted in before (a channel post's thread, a 1:1 chat)."""
        with self.database.session() as session:
            stored = references.find(session, conversation_id) or references.find(
                session, base_channel(conversation_id)) or references.personal_chat(session, target)
            reference = dict(stored.reference) if stored else None
        if reference is None:
            service_url, tenant = self._where(conversation_id)
            reference = {"serviceUrl": service_url, "channelId": "msteams", "bot": {"id": self._bot_id()},
                         "tenantId": tenant}
        reference["conversation"] = {**(reference.get("conversation") or {}), "id": conversation_id}
        return reference

    def _where(self, channel: str) -> tuple[str, str | None]:
        """The service URL and tenant to post in a channel: from that channel, any conversation, or settings."""
        with self.database.session() as session:
            row = references.find(session, base_channel(channel)) or references.any_reference(session)
            known = dict(row.reference) if row else {}
        service_url = known.get("serviceUrl") or self.settings.teams_service_url
        return str(service_url), known.get("tenantId") or self.settings.microsoft_app_tenant_id or None

    def _bot_id(self) -> str:
        return self.settings.microsoft_app_id or "partnerbot"

    def _failure(self, where: str, exc: Exception) -> DeliveryError:
        status, retry_after = _status(exc)
        if status in (403, 404):
            with self.database.session() as session:
                references.deactivate(session, where)
            return DeliveryError(f"the bot was removed from {where} ({status})", permanent=True)
        if status == 429:
            return DeliveryError(f"Teams throttled the post (429); retry after {retry_after or DEFAULT_RETRY:g}s",
                                 retry_after=retry_after or DEFAULT_RETRY)
        # No HTTP status: a timeout or a dropped connection, after which the post may exist all the same.
        return DeliveryError(f"Teams connector error {status or ''}: {exc.__class__.__name__}".strip(),
                             retry_after=retry_after, uncertain=status is None)


def _status(exc: BaseException) -> tuple[int | None, float | None]:
    """(HTTP status, Retry-After seconds) from a botbuilder or Agents SDK error, or (None, None)."""
    for error in (exc, exc.__cause__, exc.__context__):
        if error is None:
            continue
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None) or getattr(response, "status", None) or getattr(error, "status", None)
        headers = getattr(response, "headers", None) or getattr(error, "headers", None) or {}
        if isinstance(status, int):
            retry = headers.get("Retry-After") if hasattr(headers, "get") else None
            try:
                return status, float(retry) if retry else None
            except ValueError:
                return status, None
    return None, None


