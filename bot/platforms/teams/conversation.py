"""What partnerbot does with a Teams activity, whichever SDK delivered it.

A message activity is stored in the durable inbox (keyed by conversation and
activity id, which also drops Teams' replays) and acknowledged; the answer is
sent by whichever process claims it (bot/answering.py, answers.py), as a reply
to the message. When the bot joins a conversation it says hello once, in the
request. The runtimes (botbuilder_runtime, agents_runtime) only authenticate,
parse and send what this returns.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any

from bot.dedupe import first_time
from bot.inbox import InboxEntry
from bot.platforms.base import Runtime
from bot.platforms.teams import references
from bot.platforms.teams.render import UNVERIFIED, WELCOME, text_activity, to_message

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
        key = f"teams-welcome:{(activity.get('conversation') or {}).get('id')}"
        if not await self.runtime.run(first_time, self.runtime.database, key):
            return []
        return [text_activity(WELCOME)]
