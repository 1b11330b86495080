"""Slack glue: bolt's AsyncApp on `POST /slack/events` of the shared aiohttp server.

Listeners acknowledge at once, then do the work (bolt sends the HTTP answer as
soon as `ack()` is called). Event retries are de-duplicated on `event_id`
through the database, so a retry that reaches another process is ignored too.
Without SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET the route answers 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import not_configured
from bot.adapters.slack_render import (
    action_to_message,
    chosen,
    command_to_message,
    event_to_message,
    render,
)
from bot.core import Message
from bot.dedupe import first_time
from bot.home import summarise
from bot.text import escape_mrkdwn
from bot.tickets.service import topics

log = logging.getLogger("partnerbot.slack")
MODAL = "consult_modal"
RESOLVE_MODAL = "resolve_modal"
SHARED_POST_ACTIONS = ("ticket.", "trainings.remind", "trainings.reminders")
BOLT = web.AppKey("slack_bolt", AsyncApp)
SOCKET = web.AppKey("slack_socket_mode", object)
COMMANDS = ("/partners", "/agreement", "/trainings")


def install(app: web.Application, runtime) -> None:  # type: ignore[no-untyped-def]
    settings = runtime.settings
    if not (settings.slack_bot_token and settings.slack_signing_secret):
        not_configured(app, "/slack/events", "Slack", "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
        return
    bolt = build_bolt_app(runtime)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post("/slack/events", events)
    app[BOLT] = bolt


def build_bolt_app(runtime) -> AsyncApp:  # type: ignore[no-untyped-def]
    settings = runtime.settings
    client = AsyncWebClient(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url)
    bolt = AsyncApp(client=client, signing_secret=settings.slack_signing_secret.reveal(), process_before_response=False,
                    raise_error_for_unhandled_request=False)

    async def answer_event(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        message = event_to_message(event)
        if message is None:
            return
        event_id = body.get("event_id")
        reply = await runtime.answer_after_ack(message, f"slack:{event_id}" if event_id else None)
        if reply is None:
            return  # a retry of an event another process (or an earlier request) handled
        thread = message.session_key.split(":", 1)[1] if ":" in message.session_key else None
        await client.chat_postMessage(channel=message.channel, thread_ts=thread, **render(reply))

    @bolt.event("app_mention")
    async def on_mention(event, body, client, ack):  # type: ignore[no-untyped-def]
        await ack()
        runtime.after_ack(lambda: answer_event(event, body, client))

    @bolt.event("message")
    async def on_message(event, body, client, ack):  # type: ignore[no-untyped-def]
        await ack()
        if event.get("channel_type") == "im":
            runtime.after_ack(lambda: answer_event(event, body, client))

    for name in COMMANDS:
        @bolt.command(name)
        async def on_command(command, ack, respond):  # type: ignore[no-untyped-def]
            await ack()
            reply = await runtime.handle(command_to_message(command))
            await respond(response_type="ephemeral", **render(reply))

    @bolt.command("/consult")
    async def on_consult(command, ack, client):  # type: ignore[no-untyped-def]
        await ack()
        await client.views_open(trigger_id=command["trigger_id"],
                                view=consult_modal((command.get("text") or "").strip(), command.get("channel_id", "")))

    @bolt.shortcut("ask_department")
    async def on_shortcut(shortcut, ack, client):  # type: ignore[no-untyped-def]
        await ack()
        text = (shortcut.get("message") or {}).get("text", "")
        await client.views_open(trigger_id=shortcut["trigger_id"],
                                view=consult_modal(text, (shortcut.get("channel") or {}).get("id", "")))

    @bolt.view(MODAL)
    async def on_submit(ack, body, view, client):  # type: ignore[no-untyped-def]
        values = view["state"]["values"]
        form = {
            "topic": ((values.get("topic", {}).get("topic") or {}).get("selected_option") or {}).get("value"),
            "school": (values.get("school", {}).get("school") or {}).get("value") or "",
            "description": (values.get("description", {}).get("description") or {}).get("value") or "",
        }
        user = body["user"]["id"]
        submission = f"slack-view:{view.get('id')}:{hashlib.sha256(json.dumps(form, sort_keys=True).encode()).hexdigest()[:16]}"
        if not await runtime.run(first_time, runtime.database, submission):
            await ack()  # Slack resent a submission we already turned into a ticket
            return
        message = Message(text="consultation form", user=user, platform="slack", channel=view.get("private_metadata") or user,
                          session_key=f"modal:{user}", action="consultation.form", value=json.dumps(form),
                          user_name=body["user"].get("name"))
        reply = await runtime.handle(message)
        errors = reply.data.get("errors")
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        await client.chat_postMessage(channel=user, **render(reply))

    @bolt.action(re.compile(r"^pb:"))
    async def on_action(ack, body, client, respond):  # type: ignore[no-untyped-def]
        await ack()
        message = action_to_message(body)
        if message is None:
            return
        reply = await runtime.handle(message)
        if reply.data.get("asking") == "resolution" and body.get("trigger_id"):
            await client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(reply.data["id"], reply.data["ticket_id"]))
            return
        if (message.action or "").startswith(SHARED_POST_ACTIONS):
            # Buttons on department and announcement posts are shared by everyone in the
            # channel: answer only the person who clicked and leave the post as it is.
            await respond(response_type="ephemeral", replace_original=False, **render(reply))
            return
        original = body.get("message") or {}
        channel = message.channel
        if original.get("ts") and channel:
            await client.chat_update(channel=channel, ts=original["ts"], text=original.get("text", ""),
                                     blocks=chosen(original.get("blocks") or [], message.text, message.user))
        thread = original.get("thread_ts")
        await client.chat_postMessage(channel=channel, thread_ts=thread, **render(reply))

    @bolt.view(RESOLVE_MODAL)
    async def on_resolve_submit(ack, body, view, client):  # type: ignore[no-untyped-def]
        note = (view["state"]["values"].get("note", {}).get("note") or {}).get("value") or ""
        user = body["user"]["id"]
        if not note.strip():
            await ack(response_action="errors", errors={"note": "Write one line the requester will see."})
            return
        await ack()
        form = json.dumps({"id": view.get("private_metadata"), "note": note})
        reply = await runtime.handle(Message(text="resolve", user=user, platform="slack", channel=user,
                                             session_key=f"modal:{user}", action="ticket.resolve_note", value=form))
        await client.chat_postMessage(channel=user, **render(reply))

    @bolt.event("app_home_opened")
    async def on_home(event, client, ack):  # type: ignore[no-untyped-def]
        await ack()
        if event.get("tab") not in (None, "home"):
            return
        user = event["user"]

        def summary():  # type: ignore[no-untyped-def]
            with runtime.database.session() as session:
                return summarise(session, runtime.settings, "slack", user, dt.datetime.now(dt.timezone.utc))

        await client.views_publish(user_id=user, view=home_view(await runtime.run(summary)))

    return bolt


def consult_modal(prefill: str, channel: str) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": body["label"]}, "value": code} for code, body in topics().items()]
    return {
        "type": "modal",
        "callback_id": MODAL,
        "private_metadata": channel,
        "title": {"type": "plain_text", "text": "Ask the department"},
        "submit": {"type": "plain_text", "text": "Send request"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": "topic", "label": {"type": "plain_text", "text": "Topic"},
             "element": {"type": "static_select", "action_id": "topic", "options": options,
                         "initial_option": options[-1]}},
            {"type": "input", "block_id": "school", "optional": True, "label": {"type": "plain_text", "text": "School"},
             "element": {"type": "plain_text_input", "action_id": "school",
                         "placeholder": {"type": "plain_text", "text": "Any of its names, e.g. Rainier Beach"}}},
            {"type": "input", "block_id": "description", "label": {"type": "plain_text", "text": "What do you need?"},
             "element": {"type": "plain_text_input", "action_id": "description", "multiline": True,
                         "max_length": 3000, **({"initial_value": prefill[:3000]} if prefill else {})}},
        ],
    }


def resolve_modal(ticket_id: int, number: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": RESOLVE_MODAL,
        "private_metadata": str(ticket_id),
        "title": {"type": "plain_text", "text": f"Resolve {number}"[:24]},
        "submit": {"type": "plain_text", "text": "Resolve"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "input", "block_id": "note", "label": {"type": "plain_text", "text": "Resolution (the requester sees it)"},
                    "element": {"type": "plain_text_input", "action_id": "note", "multiline": True, "max_length": 2000}}],
    }


def home_view(summary) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from handlers.help import HELP_TEXT

    def section(title: str, lines: list[str], empty: str) -> list[dict[str, Any]]:
        body = "\n".join(f"• {escape_mrkdwn(line)}" for line in lines) if lines else empty
        return [{"type": "header", "text": {"type": "plain_text", "text": title}},
                {"type": "section", "text": {"type": "mrkdwn", "text": body}}]

    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": escape_mrkdwn(HELP_TEXT)}}]
    blocks += section("Your open requests", summary.my_requests, "None. Use /consult to ask the department.")
    blocks += section("Next trainings", summary.next_trainings, "Nothing scheduled yet.")
    if summary.unclaimed is not None:
        blocks += section("Unclaimed consultations", summary.unclaimed, "All claimed. Nice.")
    return {"type": "home", "blocks": blocks}


async def start_socket_mode(app: web.Application, runtime) -> None:  # type: ignore[no-untyped-def]
    """Connect over Socket Mode (SLACK_APP_TOKEN) for workspaces without a public URL."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    bolt = app.get(BOLT)
    if bolt is None or not runtime.settings.slack_app_token:
        log.error("Socket Mode needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_APP_TOKEN")
        return
    handler = AsyncSocketModeHandler(bolt, runtime.settings.slack_app_token.reveal())
    await handler.connect_async()
    app[SOCKET] = handler
