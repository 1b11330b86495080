"""The Teams runtime on the Microsoft 365 Agents SDK (`TEAMS_RUNTIME=agents`).

Every `microsoft_agents` import lives here. The Agents SDK is the successor of
the archived Bot Framework SDK; it offers the same three things the other
runtime does (botbuilder_runtime.py): the inbound route, proactive
`send`/`update`/`create` for the notifier, and a team's roster (`members`), so
switching is one setting.

Inbound requests pass the SDK's own JWT check (`jwt_authorization_decorator`):
with an app id a request needs a valid Bot Framework token; without one
(the Emulator on a laptop) anonymous requests are allowed and replies go out
without a token, as the Emulator expects.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from aiohttp import web
from microsoft_agents.activity import Activity, ConversationParameters, ConversationReference
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    AuthenticationConstants,
    AuthTypes,
    ClaimsIdentity,
    ConnectionManager,
    ConnectorClientBase,
    RestChannelServiceClientFactory,
    TurnContext,
)

from bot.config import Settings
from bot.platforms.teams.conversation import TeamsConversations
from bot.platforms.teams.roster import ROSTER_PAGE

log = logging.getLogger("partnerbot.teams")
SERVICE_CONNECTION = "SERVICE_CONNECTION"  # the SDK's name for the bot's own credentials
AUTH_TYPES = {"userassignedmsi": AuthTypes.user_managed_identity}
MULTI_TENANT_AUTHORITY_TENANT = "botframework.com"


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The SDK's view of MICROSOFT_APP_* (the same variables the botbuilder runtime reads)."""
    if not settings.microsoft_app_id:
        return AgentAuthConfiguration(anonymous_allowed=True)
    single_tenant = settings.microsoft_app_type.lower() != "multitenant"
    return AgentAuthConfiguration(
        auth_type=AUTH_TYPES.get(settings.microsoft_app_type.lower(), AuthTypes.client_secret),
        client_id=settings.microsoft_app_id,
        client_secret=settings.microsoft_app_password.reveal() or None,
        tenant_id=(settings.microsoft_app_tenant_id if single_tenant else None) or MULTI_TENANT_AUTHORITY_TENANT,
        anonymous_allowed=False,
    )


def _connections(settings: Settings, config: AgentAuthConfiguration) -> ConnectionManager:
    if settings.microsoft_app_id:
        return MsalConnectionManager(connections_configurations={SERVICE_CONNECTION: config})
    return ConnectionManager(lambda _config: AnonymousTokenProvider(),
                             connections_configurations={SERVICE_CONNECTION: config})


class _Agent:
    """What the adapter calls for each inbound activity."""

    def __init__(self, conversations: TeamsConversations, authenticated: bool) -> None:
        self.conversations = conversations
        self.authenticated = authenticated

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity.model_dump(by_alias=True, exclude_none=True, mode="json")
        for reply in await self.conversations.on_activity(activity, authenticated=self.authenticated):
            await context.send_activity(Activity.model_validate(reply))


class AgentsRuntime:
    name = "agents"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app_id = settings.microsoft_app_id
        self.config = auth_configuration(settings)
        self.connections = _connections(settings, self.config)  # holds MSAL's token cache: one per process
        self._adapter: CloudAdapter | None = None

    def adapter(self) -> CloudAdapter:
        if self._adapter is None:
            self._adapter = CloudAdapter(connection_manager=self.connections)

            async def on_error(context: TurnContext, error: Exception) -> None:
                # The SDK's default handler echoes the exception text to the user; never do that.
                log.error("teams turn failed", extra={"turn": {"error": f"{error.__class__.__name__}: {error}"[:300]}})
                await context.send_activity("Sorry, something went wrong on my side. Please try again.")

            self._adapter.on_turn_error = on_error
        return self._adapter

    def handler(self, app: web.Application, conversations: TeamsConversations):  # type: ignore[no-untyped-def]
        with warnings.catch_warnings():  # the SDK's middleware reads this string key from the app
            warnings.simplefilter("ignore")
            app["agent_configuration"] = self.config
        agent = _Agent(conversations, authenticated=bool(self.app_id))
        adapter = self.adapter()

        @jwt_authorization_decorator
        async def process(request: web.Request) -> web.StreamResponse:
            return await adapter.process(request, agent)

        return process

    # ---- proactive: straight to the connector (no turn pipeline, so failures reach the notifier) ----
    async def send(self, reference: dict[str, Any], activity: dict[str, Any], reply_to: str | None = None) -> str | None:
        outgoing = Activity.model_validate(activity).apply_conversation_reference(_reference(reference))
        async with self._connector(outgoing.service_url) as connector:
            if reply_to:
                outgoing.reply_to_id = reply_to
                sent = await connector.conversations.reply_to_activity(outgoing.conversation.id, reply_to, outgoing)
            else:
                sent = await connector.conversations.send_to_conversation(outgoing.conversation.id, outgoing)
        return sent.id if sent else None

    async def update(self, reference: dict[str, Any], activity_id: str, activity: dict[str, Any]) -> None:
        outgoing = Activity.model_validate({**activity, "id": activity_id}).apply_conversation_reference(
            _reference(reference))
        async with self._connector(outgoing.service_url) as connector:
            await connector.conversations.update_activity(outgoing.conversation.id, activity_id, outgoing)

    async def create(self, service_url: str, parameters: dict[str, Any]) -> tuple[str, str | None]:
        """Start a conversation (a new post in a channel, or a 1:1 chat): (conversation id, first activity id)."""
        async with self._connector(service_url) as connector:
            created = await connector.conversations.create_conversation(ConversationParameters.model_validate(parameters))
        return str(created.id), created.activity_id

    async def members(self, service_url: str, team_id: str) -> list[dict[str, Any]]:
        """A team's roster, every page (the connector's pagedmembers)."""
        found: list[dict[str, Any]] = []
        async with self._connector(service_url) as connector:
            token: str | None = None
            while True:
                page = await connector.conversations.get_conversation_paged_members(team_id, ROSTER_PAGE, token)
                found.extend(member.model_dump(by_alias=True, exclude_none=True) for member in page.members or [])
                token = page.continuation_token
                if not token:
                    return found

    @asynccontextmanager
    async def _connector(self, service_url: str | None) -> AsyncIterator[ConnectorClientBase]:
        """A connector client with the bot's token (none without an app id: the Emulator takes anonymous calls)."""
        factory = RestChannelServiceClientFactory(self.connections)
        identity = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: self.app_id,
                                   AuthenticationConstants.APP_ID_CLAIM: self.app_id}) if self.app_id else ClaimsIdentity({})
        client = await factory.create_connector_client(None, identity, str(service_url or ""),
                                                       AuthenticationConstants.AGENTS_SDK_SCOPE,
                                                       use_anonymous=not self.app_id)
        try:
            yield client
        finally:
            await client.close()


def _reference(data: dict[str, Any]) -> ConversationReference:
    reference = {key: value for key, value in data.items() if value}
    reference.pop("activityId", None)
    return ConversationReference.model_validate(reference)
