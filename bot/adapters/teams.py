"""Microsoft Teams: `POST /api/messages` via botbuilder's CloudAdapter, and proactive posts.

Every `botbuilder` import lives in this module: the Bot Framework SDK is archived
upstream (its successor is the Microsoft 365 Agents SDK), so a port touches one
file. With no MICROSOFT_APP_ID the endpoint accepts unauthenticated local traffic
(the Bot Framework Emulator) and replies to the activity's serviceUrl; with an
app id, requests without a valid token get 401.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ConversationReference

from bot import channels
from bot.adapters import not_configured
from bot.config import Settings
from bot.core import Button, Message, Reply
from bot.db import Database
from bot.dedupe import first_time
from bot.notify import Delivery, DeliveryError, Notice
from bot.tickets.service import is_staff, topics

log = logging.getLogger("partnerbot.teams")
MAX_ACTIONS = 6
CARD_VERSION = "1.4"
WELCOME = ("Hi! I'm partnerbot, the School and Community Partnerships assistant. Ask me which agreement applies, "
           "which partners serve a school, about upcoming trainings, or say \"I need a consultation\".")
AT_TAG = re.compile(r"</?at[^>]*>", re.I)


BOLD = re.compile(r"(?<!\*)\*([^*\n]+)\*(?!\*)")


def escape(text: str) -> str:
    """User text in Teams markdown/cards: no `<at>` tags, no HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown(text: str) -> str:
    """Our replies mark bold as *x* (Slack style); Teams markdown wants **x**."""
    return BOLD.sub(r"**\1**", escape(text))


@dataclass
class _Config:
    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def make_adapter(settings: Settings) -> CloudAdapter:
    config = _Config(settings.microsoft_app_id, settings.microsoft_app_password.reveal(),
                     settings.microsoft_app_type, settings.microsoft_app_tenant_id)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("teams turn failed", extra={"turn": {"error": error.__class__.__name__}})
        await context.send_activity("Sorry, something went wrong on my side. Please try again.")

    adapter.on_turn_error = on_error
    return adapter


# ---- pure translations -------------------------------------------------------

def to_message(activity: Activity) -> Message:
    """A message activity (typed text or a card submit) as a core `Message`."""
    conversation = activity.conversation
    user = activity.from_property
    value = activity.value if isinstance(activity.value, dict) else None
    text = TurnContext.remove_recipient_mention(activity) if activity.text else ""
    text = " ".join(AT_TAG.sub(" ", text or "").split())
    action = value.get("action") if value else None
    if action == "consultation.form":
        form = {k: value.get(k, "") for k in ("topic", "school", "description")}
        action_value: str | None = json.dumps(form)
    elif action == "ticket.resolve_note":
        action_value = json.dumps({"id": value.get("id"), "note": value.get("note", "")})
    else:
        action_value = None if value is None else str(value.get("value", ""))
    return Message(
        text=text or (str(value.get("label", "")) if value else ""),
        user=(user.aad_object_id or user.id) if user else "",
        platform="teams",
        channel=conversation.id if conversation else "",
        session_key=conversation.id if conversation else "",
        action=str(action) if action else None,
        value=action_value,
        user_name=user.name if user else None,
        raw=activity,
    )


def _submit(button: Button) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": button.label[:80],
            "data": {"action": button.action, "value": button.value, "label": button.label}}


def card_actions(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    """At most six actions; beyond that, a "More" card holds the rest."""
    if len(buttons) <= MAX_ACTIONS:
        return [_submit(b) for b in buttons]
    shown, rest = buttons[: MAX_ACTIONS - 1], buttons[MAX_ACTIONS - 1 :]
    more = {"type": "Action.ShowCard", "title": "More",
            "card": {"type": "AdaptiveCard", "body": [], "actions": [_submit(b) for b in rest]}}
    return [_submit(b) for b in shown] + [more]


def render_card(reply: Reply) -> dict[str, Any]:
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": markdown(reply.text), "wrap": True}]
    if reply.fields:
        body.append({"type": "FactSet", "facts": [{"title": escape(f.label), "value": escape(f.value)} for f in reply.fields]})
    if reply.footer:
        body.append({"type": "TextBlock", "text": escape(reply.footer), "wrap": True, "isSubtle": True, "size": "Small"})
    card = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "fallbackText": escape(reply.text), "body": body}
    if reply.buttons:
        card["actions"] = card_actions(reply.buttons)
    return card


def consultation_form(errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> dict[str, Any]:
    values, errors = values or {}, errors or {}
    choices = [{"title": body["label"], "value": code} for code, body in topics().items()]
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": "Ask the department", "weight": "Bolder", "size": "Medium"}]
    if errors:
        body.append({"type": "TextBlock", "text": "Please fix the fields marked below.", "color": "Attention", "wrap": True})

    def field(key: str, element: dict[str, Any], label: str) -> None:
        body.append({"type": "TextBlock", "text": label, "wrap": True})
        body.append(element)
        if key in errors:
            body.append({"type": "TextBlock", "text": escape(errors[key]), "color": "Attention", "wrap": True, "size": "Small"})

    field("topic", {"type": "Input.ChoiceSet", "id": "topic", "choices": choices, "value": values.get("topic", "other")}, "Topic")
    field("school", {"type": "Input.Text", "id": "school", "placeholder": "Any of its names (optional)",
                     "value": values.get("school", "")}, "School")
    field("description", {"type": "Input.Text", "id": "description", "isMultiline": True, "maxLength": 3000,
                          "value": values.get("description", ""), "placeholder": "What do you need?"}, "What do you need?")
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "fallbackText": "Ask the department: reply with what you need.", "body": body,
            "actions": [{"type": "Action.Submit", "title": "Send request", "data": {"action": "consultation.form"}}]}


def resolution_form(reply: Reply) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "fallbackText": escape(reply.text),
            "body": [{"type": "TextBlock", "text": markdown(reply.text), "wrap": True},
                     {"type": "Input.Text", "id": "note", "isMultiline": True, "maxLength": 2000,
                      "placeholder": "One line the requester will see"}],
            "actions": [{"type": "Action.Submit", "title": "Resolve",
                         "data": {"action": "ticket.resolve_note", "id": reply.data.get("id")}}]}


def reply_activity(reply: Reply, message: Message | None = None) -> Activity:
    """The activity to send: a form card for intake, else an Adaptive Card (text if plain)."""
    if reply.data.get("asking") == "resolution":
        card = resolution_form(reply)
    elif reply.intent == "consultation" and (reply.data.get("asking") == "topic" or reply.data.get("errors")):
        values = json.loads(message.value) if message and message.action == "consultation.form" and message.value else {}
        card = consultation_form(reply.data.get("errors"), values)
    elif not reply.buttons and not reply.fields and not reply.footer:
        return MessageFactory.text(markdown(reply.text))
    else:
        card = render_card(reply)
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


# ---- the bot ---------------------------------------------------------------------

class PartnerBot(ActivityHandler):
    def __init__(self, runtime) -> None:  # type: ignore[no-untyped-def]
        self.runtime = runtime

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.id and activity.type == ActivityTypes.message:
            key = f"teams:{activity.conversation.id}:{activity.id}"
            if not await self.runtime.run(first_time, self.runtime.database, key):
                return  # Teams retried an activity we already handled
        await self.runtime.run(self._remember, activity)
        await super().on_turn(turn_context)

    def _remember(self, activity: Activity) -> None:
        reference = TurnContext.get_conversation_reference(activity)
        kind = (activity.conversation.conversation_type or "personal") if activity.conversation else "personal"
        user = activity.from_property
        with self.runtime.database.session() as session:
            channels.remember(session, activity.conversation.id, kind,
                              (user.aad_object_id or user.id) if user and kind == "personal" else None,
                              reference.serialize())

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        message = to_message(turn_context.activity)
        special = await self._channel_command(message)
        if special is not None:
            await turn_context.send_activity(MessageFactory.text(special))
            return
        reply = await self.runtime.handle(message)
        await turn_context.send_activity(reply_activity(reply, message))

    async def _channel_command(self, message: Message) -> str | None:
        """Staff can say "use this channel for consultations" (or "... for announcements")."""
        text = message.text.lower()
        if not text.startswith("use this channel for"):
            return None

        def apply() -> str:
            with self.runtime.database.session() as session:
                if not is_staff(session, self.runtime.settings, "teams", message.user):
                    return "Sorry, only the partnerships department staff can do that."
                if "consult" in text:
                    channels.mark(session, message.channel, department=True)
                    return "Done: new consultation requests will be posted here."
                if "announce" in text or "training" in text:
                    channels.mark(session, message.channel, announcements=True)
                    return "Done: training announcements will be posted here."
                return "Say \"use this channel for consultations\" or \"use this channel for announcements\"."

        return await self.runtime.run(apply)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        added = [m.id for m in activity.members_added or []]
        if activity.recipient and activity.recipient.id in added:
            key = f"teams-welcome:{activity.conversation.id}"
            if await self.runtime.run(first_time, self.runtime.database, key):
                await turn_context.send_activity(MessageFactory.text(WELCOME))


def install(app: web.Application, runtime) -> None:  # type: ignore[no-untyped-def]
    settings = runtime.settings
    if not settings.microsoft_app_id and not (settings.is_sqlite or settings.teams_allow_unauthenticated):
        # Without an app id nothing is authenticated: fine for the Emulator on a laptop,
        # not for a production server (forged senders and serviceUrls).
        not_configured(app, "/api/messages", "Teams", "MICROSOFT_APP_ID")
        return
    adapter = make_adapter(settings)
    bot = PartnerBot(runtime)

    async def messages(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            response = await adapter.process(request, bot)
        except web.HTTPException:
            raise
        except Exception as exc:  # a malformed or forged token fails inside the SDK's JWT parsing
            if runtime.settings.microsoft_app_id:
                log.warning("teams request rejected", extra={"turn": {"error": exc.__class__.__name__}})
                return web.json_response({"error": "unauthorized"}, status=401)
            log.warning("bad teams request", extra={"turn": {"error": exc.__class__.__name__}})
            return web.json_response({"error": "bad request"}, status=400)
        return response or web.Response(status=201)

    app.router.add_post("/api/messages", messages)


# ---- proactive notifications -------------------------------------------------------

class TeamsNotifier:
    """Sends outbox notices to stored Teams conversations (department, requesters, announcements)."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database

    def send(self, notice: Notice, previous_ref: str | None) -> Delivery:
        with self.database.session() as session:
            row = channels.find_for_target(session, notice.target)
            if row is None or not row.active:
                raise DeliveryError(f"no active Teams conversation for {notice.target}", permanent=True)
            conversation_id, reference = row.conversation_id, row.reference
        try:
            return asyncio.run(self._send(reference, notice, previous_ref))
        except DeliveryError:
            raise
        except Exception as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None) or getattr(exc, "status", None)
            if status in (403, 404):
                with self.database.session() as session:
                    channels.deactivate(session, conversation_id)
                raise DeliveryError(f"the bot was removed from {conversation_id} ({status})", permanent=True) from exc
            raise DeliveryError(f"Teams connector error: {exc.__class__.__name__}") from exc

    async def _send(self, reference_data: dict[str, Any], notice: Notice, previous_ref: str | None) -> Delivery:
        adapter = make_adapter(self.settings)
        reference = ConversationReference().deserialize(reference_data)
        activity = reply_activity(Reply(notice.text, notice.kind, 1.0, notice.data, notice.buttons))
        result: dict[str, str | None] = {}

        async def callback(context: TurnContext) -> None:
            if notice.update_of and previous_ref:
                activity.id = previous_ref
                await context.update_activity(activity)
                result["id"] = previous_ref
            else:
                sent = await context.send_activity(activity)
                result["id"] = sent.id if sent else None

        if notice.update_of and not previous_ref:
            raise DeliveryError("the original post is not sent yet", retry_after=10)
        await adapter.continue_conversation(reference, callback, self.settings.microsoft_app_id or None)
        return Delivery(result.get("id"))
