"""What partnerbot does with a Teams activity, whichever SDK delivered it.

A message activity is stored in the durable inbox (keyed by conversation and
activity id, which also drops Teams' replays) and acknowledged; the answer is
sent by whichever process claims it (bot/answering.py, answers.py), as a reply
to the message. When the bot joins a conversation it says hello once, through
the outbox. The runtimes (botbuilder_runtime, agents_runtime) only authenticate,
parse and send what this returns.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any

from bot.core import Message, Reply
from bot.inbox import InboxEntry
from bot.platforms.base import Runtime
from bot.platforms.teams import references
from bot.platforms.teams.render import UNVERIFIED, WELCOME, to_message

log = logging.getLogger("partnerbot.teams")


def inbox_key(activity: dict[str, Any]) -> str:
    conversation = (activity.get("conversation") or {}).get("id", "")
    return f"teams:{conversation}:{activity.get('id') or ''}"


class TeamsConversations:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def on_activity(self, activity: dict[str, Any], *, authenticated: bool) -> list[dict[str, Any]]:
        kind = activity.get("type")
        if kind == "message":
            await self._on_message(activity, authenticated)
            return []
        if kind == "conversationUpdate":
            return await self._on_update(activity, authenticated)
        return []

    async def _on_message(self, activity: dict[str, Any], authenticated: bool) -> None:
        if not activity.get("id"):
            activity = {**activity, "id": f"local-{uuid.uuid4().hex}"}  # nothing to de-duplicate on (not Teams)
        message = to_message(activity)
        if not authenticated:
            # Nothing vouches for the sender's ids: a separate identity that is never staff.
            message = replace(message, user=UNVERIFIED + message.user)
        await self.runtime.accept(InboxEntry(inbox_key(activity), message))

    def _remember(self, activity: dict[str, Any], user: str, authenticated: bool) -> None:
        with self.runtime.database.session() as session:
            references.remember(session, activity, user, may_move=authenticated)

    async def _on_update(self, activity: dict[str, Any], authenticated: bool) -> list[dict[str, Any]]:
        added = [m.get("id") for m in activity.get("membersAdded") or []]
        recipient = (activity.get("recipient") or {}).get("id")
        if recipient not in added:
            return []
        await self.runtime.run(self._remember, activity, "", authenticated)  # the bot joined: keep the way in
        conversation = str((activity.get("conversation") or {}).get("id") or "")
        # Like every post, through the outbox: once per conversation across processes, retried if
        # Teams fails. Posted into the conversation, not as a reply to the membership update.
        greeting = Message(text="", user=str((activity.get("from") or {}).get("id") or ""), platform="teams",
                           channel=conversation, session_key=conversation, raw={**activity, "id": None})
        await self.runtime.run(self.runtime.processor.post, greeting, Reply(WELCOME, "help", 1.0, {"welcome": True}),
                               f"teams-welcome:{conversation}")
        return []
