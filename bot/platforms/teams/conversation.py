"""What partnerbot does with a Teams activity, whichever SDK delivered it.

Message activities are de-duplicated (Teams replays), remembered (so the
department channel and the person can be reached later) and answered; when the
bot joins a conversation it says hello once. The runtimes (botbuilder_runtime,
agents_runtime) only authenticate, parse and send what this returns.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot.dedupe import first_time
from bot.platforms.base import Runtime
from bot.platforms.teams import references
from bot.platforms.teams.render import WELCOME, reply_activity, text_activity, to_message

log = logging.getLogger("partnerbot.teams")
UNVERIFIED = "unverified:"


class TeamsConversations:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def on_activity(self, activity: dict[str, Any], *, authenticated: bool) -> list[dict[str, Any]]:
        kind = activity.get("type")
        if kind == "message":
            return await self._on_message(activity, authenticated)
        if kind == "conversationUpdate":
            return await self._on_update(activity, authenticated)
        return []

    async def _on_message(self, activity: dict[str, Any], authenticated: bool) -> list[dict[str, Any]]:
        conversation = (activity.get("conversation") or {}).get("id", "")
        if activity.get("id") and not await self.runtime.run(
                first_time, self.runtime.database, f"teams:{conversation}:{activity['id']}"):
            return []  # Teams retried an activity we already handled
        message = to_message(activity)
        if not authenticated:
            # Nothing vouches for the sender's ids: a separate identity that is never staff.
            message = replace(message, user=UNVERIFIED + message.user)
        await self.runtime.run(self._remember, activity, message.user, authenticated)
        reply = await self.runtime.handle(message)
        return [reply_activity(reply)]

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
