"""The Teams runtime on the Bot Framework SDK (botbuilder), the default.

Every `botbuilder` import lives here: the SDK is archived upstream, and its
successor (the Microsoft 365 Agents SDK) is the other runtime beside this one
(agents_runtime.py). Both offer the same things: the inbound route, proactive
`send`/`update`/`create` for the notifier, and a team's roster (`members`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ConversationParameters, ConversationReference

from bot.config import Settings
from bot.platforms.teams.conversation import TeamsConversations
from bot.platforms.teams.roster import ROSTER_PAGE

log = logging.getLogger("partnerbot.teams")


@dataclass
class _Config:
    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def _adapter(settings: Settings) -> CloudAdapter:
    config = _Config(settings.microsoft_app_id, settings.microsoft_app_password.reveal(),
                     settings.microsoft_app_type, settings.microsoft_app_tenant_id)
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(config))


class _Bot:
    """What the adapter calls for each inbound activity."""

    def __init__(self, conversations: TeamsConversations, authenticated: bool) -> None:
        self.conversations = conversations
        self.authenticated = authenticated

    async def on_turn(self, context: TurnContext) -> None:
        replies = await self.conversations.on_activity(context.activity.serialize(), authenticated=self.authenticated)
        for reply in replies:
            await context.send_activity(Activity().deserialize(reply))


class BotbuilderRuntime:
    name = "botbuilder"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app_id = settings.microsoft_app_id or None

    def handler(self, app: web.Application, conversations: TeamsConversations):  # type: ignore[no-untyped-def]
        adapter = _adapter(self.settings)

        async def on_error(context: TurnContext, error: Exception) -> None:
            log.error("teams turn failed", extra={"turn": {"error": f"{error.__class__.__name__}: {error}"[:300]}})
            await context.send_activity("Sorry, something went wrong on my side. Please try again.")

        adapter.on_turn_error = on_error
        bot = _Bot(conversations, authenticated=bool(self.app_id))

        async def process(request: web.Request) -> web.StreamResponse | None:
            return await adapter.process(request, bot)

        return process

    # ---- proactive (a fresh adapter with no error handler, so failures reach the notifier) ----
    async def send(self, reference: dict[str, Any], activity: dict[str, Any], reply_to: str | None = None) -> str | None:
        result: dict[str, str | None] = {}

        async def callback(context: TurnContext) -> None:
            if reply_to:  # what is sent replies to the turn's activity: here a made-up continuation event
                context.activity.id = reply_to
            sent = await context.send_activity(Activity().deserialize(activity))
            result["id"] = sent.id if sent else None

        await _adapter(self.settings).continue_conversation(_reference(reference), callback, self.app_id)
        return result.get("id")

    async def update(self, reference: dict[str, Any], activity_id: str, activity: dict[str, Any]) -> None:
        async def callback(context: TurnContext) -> None:
            update = Activity().deserialize(activity)
            update.id = activity_id
            await context.update_activity(update)

        await _adapter(self.settings).continue_conversation(_reference(reference), callback, self.app_id)

    async def create(self, service_url: str, parameters: dict[str, Any]) -> tuple[str, str | None]:
        """Start a conversation (a new post in a channel, or a 1:1 chat): (conversation id, first activity id)."""
        result: dict[str, str | None] = {}

        async def callback(context: TurnContext) -> None:
            result["conversation"] = context.activity.conversation.id
            result["activity"] = context.activity.id

        await _adapter(self.settings).create_conversation(
            self.app_id, callback, ConversationParameters().deserialize(parameters), "msteams", service_url)
        return str(result["conversation"]), result.get("activity")


    async def members(self, service_url: str, team_id: str) -> list[dict[str, Any]]:
        """A team's roster, every page (TeamsInfo over the connector's pagedmembers)."""
        found: list[dict[str, Any]] = []

        async def callback(context: TurnContext) -> None:
            token: str | None = None
            while True:
                page = await TeamsInfo.get_paged_team_members(context, team_id, token, ROSTER_PAGE)
                found.extend(member.serialize() for member in page.members or [])
                token = page.continuation_token
                if not token:
                    return

        reference = {"serviceUrl": service_url, "channelId": "msteams", "conversation": {"id": team_id},
                     "bot": {"id": self.app_id or ""}}
        await _adapter(self.settings).continue_conversation(_reference(reference), callback, self.app_id)
        return found


def _reference(data: dict[str, Any]) -> ConversationReference:
    return ConversationReference().deserialize({**data, "activityId": None})
