"""Slack inbound: bolt's AsyncApp on `POST /slack/events` of the shared aiohttp server.

Messages and mentions are stored in the durable inbox (keyed by `event_id`, so a
retry that reaches any process is the same row) and then acknowledged; they are
answered from the inbox by a worker (bot/answering.py), through the outbox.
Commands, buttons and modals acknowledge at once and answer in the request's
task (bolt sends the HTTP answer as soon as `ack()` is called).

Where an answer goes follows where the question came from: a thread reply in
the thread; an answer to a button on an ephemeral message (a slash command's
reply) through that message's `response_url`, since the bot may not be in the
channel; a click on a post the whole channel sees (a department ping) only to
the person who clicked; a reply with a form opens it as a modal when Slack gave
a trigger. Without SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET the route answers 404.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Chart, Message, Reply
from bot.dedupe import first_time
from bot.inbox import InboxEntry
from bot.platforms.base import Runtime, not_configured
from bot.platforms.slack import guard
from bot.platforms.slack.names import SlackNames
from bot.platforms.slack.render import (
    FORM_CALLBACK,
    action_to_message,
    chart_upload,
    chosen,
    command_to_message,
    event_to_message,
    form_values,
    home_view,
    modal,
    render,
)

log = logging.getLogger("partnerbot.slack")
BOLT = web.AppKey("slack_bolt", AsyncApp)
SOCKET = web.AppKey("slack_socket_mode", object)
ANSWER_COMMANDS = ("/partners", "/agreement", "/trainings")
FORM_COMMANDS = ("/consult",)


def install(app: web.Application, runtime: Runtime) -> None:
    settings = runtime.settings
    if not (settings.slack_bot_token and settings.slack_signing_secret):
        not_configured(app, "/slack/events", "Slack", "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
        return
    bolt = build_bolt_app(runtime)
    verifier = SignatureVerifier(settings.slack_signing_secret.reveal())

    async def events(request: web.Request) -> web.Response:
        try:
            payload = guard.check(verifier, await request.read(), dict(request.headers))
        except guard.Refusal as refusal:
            log.warning("slack request refused", extra={"turn": {"status": refusal.status, "reason": str(refusal)}})
            return web.json_response({"error": str(refusal)}, status=refusal.status)
        if payload is not None and acks_without_bolt(payload):
            # The bulk of the traffic, and all bolt would do with it is what `store` does and an
            # empty 200, after authorizing it with auth.test: its dispatch (about 0.26 ms of CPU an
            # event, measured) and a dependence on that call are skipped.
            await store(runtime, payload, bot_user_id=None)
            return web.Response(status=200)
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post("/slack/events", events)
    app[BOLT] = bolt


def build_bolt_app(runtime: Runtime) -> AsyncApp:
    settings = runtime.settings
    client = AsyncWebClient(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url)
    names = SlackNames(WebClient(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url, timeout=5))
    bolt = AsyncApp(client=client, signing_secret=settings.slack_signing_secret.reveal(), process_before_response=False,
                    raise_error_for_unhandled_request=False, logger=guard.bolt_logger(settings.log_text),
                    request_verification_enabled=False)  # guard.check verified it before bolt saw it

    @bolt.middleware
    async def store_before_ack(body, context, next):  # type: ignore[no-untyped-def]
        """Bolt acknowledges Events API requests by itself as soon as a listener starts, so the
        event is stored here, after the signature check and before any listener runs (Socket
        Mode, and the HTTP events `acks_without_bolt` leaves to bolt)."""
        await store(runtime, body, context.get("bot_user_id"))
        return await next()

    @bolt.event("app_mention")
    async def on_mention(ack):  # type: ignore[no-untyped-def]
        await ack()  # stored by store_before_ack; answered from the inbox

    @bolt.event("message")
    async def on_message(ack):  # type: ignore[no-untyped-def]
        await ack()

    for name in ANSWER_COMMANDS:
        @bolt.command(name)
        async def on_command(command, ack, respond):  # type: ignore[no-untyped-def]
            await ack()
            reply = await runtime.handle(command_to_message(command))
            await respond(response_type="ephemeral", **render(reply))

    async def open_form(trigger_id: str, channel: str, user: str, user_name: str | None, draft: str) -> None:
        message = Message(text=draft, user=user, platform="slack", channel=channel or user, session_key=f"modal:{user}",
                          action="consultation.draft", value=draft, user_name=user_name)
        reply = await runtime.handle_urgent(message)  # views.open must come within 3 s of the trigger
        if reply.form is not None:
            await client.views_open(trigger_id=trigger_id, view=modal(reply.form, channel))

    for name in FORM_COMMANDS:
        @bolt.command(name)
        async def on_form_command(command, ack):  # type: ignore[no-untyped-def]
            await ack()
            await open_form(command["trigger_id"], command.get("channel_id", ""), command.get("user_id", ""),
                            command.get("user_name"), (command.get("text") or "").strip())

    @bolt.shortcut("ask_department")
    async def on_shortcut(shortcut, ack):  # type: ignore[no-untyped-def]
        await ack()
        user = shortcut.get("user") or {}
        await open_form(shortcut["trigger_id"], (shortcut.get("channel") or {}).get("id", ""), user.get("id", ""),
                        user.get("name"), (shortcut.get("message") or {}).get("text", ""))

    @bolt.view(FORM_CALLBACK)
    async def on_form(ack, body, view, client):  # type: ignore[no-untyped-def]
        values, meta = form_values(view)
        user = body["user"]["id"]
        digest = hashlib.sha256(json.dumps([values, meta], sort_keys=True).encode()).hexdigest()[:16]
        if not await runtime.run(first_time, runtime.database, f"slack-view:{view.get('id')}:{digest}"):
            await ack()  # Slack resent a submission we already handled
            return
        user_name = await runtime.run(names.name, user)
        message = Message(text="form", user=user, platform="slack", channel=meta.get("channel") or user,
                          session_key=f"modal:{user}", action=str(meta.get("action") or ""),
                          value=json.dumps({**values, "context": meta.get("value", "")}), user_name=user_name)
        reply = await runtime.handle_urgent(message)
        if reply.form is not None and reply.form.errors:
            await ack(response_action="errors", errors=reply.form.errors)
            return
        await ack()
        await client.chat_postMessage(channel=user, **render(reply))

    @bolt.action(re.compile(r"^pbs?:"))
    async def on_action(ack, body, client, respond):  # type: ignore[no-untyped-def]
        await ack()
        parsed = action_to_message(body)
        if parsed is None:
            return
        message, shared = parsed
        reply = await runtime.handle_urgent(message)  # may open a modal: the trigger lasts 3 s
        await _answer_click(client, respond, body, message, reply, shared)

    @bolt.event("app_home_opened")
    async def on_home(event, client, ack):  # type: ignore[no-untyped-def]
        await ack()
        if event.get("tab") not in (None, "home"):
            return
        user = event["user"]
        reply = await runtime.handle(Message(text="home", user=user, platform="slack", channel=user,
                                             session_key=f"home:{user}", action="home"))
        await client.views_publish(user_id=user, view=home_view(reply))

    return bolt


def _callback_event(body: dict[str, Any]) -> dict[str, Any] | None:
    event = body.get("event") if body.get("type") == "event_callback" else None
    return event if isinstance(event, dict) else None


def _addressed(event: dict[str, Any]) -> bool:
    """A mention, or a direct message: always meant for the bot."""
    return event.get("type") == "app_mention" or event.get("channel_type") == "im"


def inbox_event(body: dict[str, Any], bot_user_id: str | None) -> tuple[dict[str, Any], bool] | None:
    """The event of an Events API callback that goes to the inbox, and whether it was addressed
    to the bot: a mention or a direct message is; a reply typed in a thread without mentioning
    the bot is not (answered only if the bot is waiting for this person there: an open form).
    Mentions in threads arrive as app_mention too, so a thread message naming the bot is left out."""
    event = _callback_event(body)
    if event is None:
        return None
    if _addressed(event):
        return event, True
    if event.get("type") == "message" and event.get("thread_ts") and \
            f"<@{bot_user_id or ''}>" not in (event.get("text") or ""):
        return event, False
    return None


def acks_without_bolt(body: dict[str, Any]) -> bool:
    """A mention or message event whose fate does not depend on the bot's own user id: bolt's
    listeners for these only acknowledge. A channel's thread message still goes to bolt, which
    knows the bot's id (does the text mention it?)."""
    event = _callback_event(body)
    if event is None or event.get("type") not in ("app_mention", "message"):
        return False
    return _addressed(event) or not event.get("thread_ts")


async def store(runtime: Runtime, body: dict[str, Any], bot_user_id: str | None) -> None:
    """Store an inbox event in the durable inbox; it is answered from there (bot/answering.py)."""
    found = inbox_event(body, bot_user_id)
    if found is None:
        return
    event, addressed = found
    message = event_to_message(event)
    if message is None:
        return
    key = body.get("event_id") or f"{message.channel}:{event.get('ts')}"
    await runtime.accept(InboxEntry(f"slack:{key}", replace(message, addressed=addressed)))


async def _answer_click(client: AsyncWebClient, respond, body: dict[str, Any], message: Message,  # type: ignore[no-untyped-def]
                        reply: Reply, shared: bool) -> None:
    trigger = body.get("trigger_id")
    if reply.form is not None and trigger:
        await client.views_open(trigger_id=trigger, view=modal(reply.form, message.channel))
        return
    container = body.get("container") or {}
    if shared or container.get("is_ephemeral") or not message.channel:
        # A post the channel shares answers only the clicker; an ephemeral message (a slash
        # command's reply) can only be answered through its response_url: the bot may not
        # be a member of that channel.
        await respond(response_type="ephemeral", replace_original=False, **render(reply))
        return
    original = body.get("message") or {}
    if original.get("ts"):
        await client.chat_update(channel=message.channel, ts=original["ts"], text=original.get("text", ""),
                                 blocks=chosen(original.get("blocks") or [], message.text, message.user))
    await client.chat_postMessage(channel=message.channel, thread_ts=original.get("thread_ts"), **render(reply))
    if reply.chart is not None:
        await _share_chart(client, message.channel, original.get("thread_ts"), reply.chart)


async def _share_chart(client: AsyncWebClient, channel: str, thread: str | None, chart: Chart) -> None:
    """A button's answer with a chart: the picture follows as an uploaded image (an ephemeral
    answer cannot carry a file; its table says the same)."""
    try:
        upload = await asyncio.to_thread(chart_upload, chart, channel, thread, "partnerbot-chart.png")
        await client.files_upload_v2(**upload)
    except (SlackApiError, SlackRequestError, OSError) as exc:
        log.warning("sharing a chart failed", extra={"turn": {"error": exc.__class__.__name__}})


async def start_socket_mode(app: web.Application, runtime: Runtime) -> None:
    """Connect over Socket Mode (SLACK_APP_TOKEN) for workspaces without a public URL."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    bolt = app.get(BOLT)
    if bolt is None or not runtime.settings.slack_app_token:
        log.error("Socket Mode needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_APP_TOKEN")
        return
    handler = AsyncSocketModeHandler(bolt, runtime.settings.slack_app_token.reveal())
    await handler.connect_async()
    app[SOCKET] = handler

    async def close(_: web.Application) -> None:
        await handler.close_async()  # no "Unclosed client session" at shutdown

    app.on_cleanup.append(close)
