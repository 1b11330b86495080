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
import functools
import hashlib
import json
import logging
import re
import uuid
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from sqlalchemy.exc import SQLAlchemyError

from bot.core import Message, Reply
from bot.dedupe import record, seen
from bot.inbox import InboxEntry
from bot.platforms.base import Runtime, not_configured
from bot.platforms.slack import guard
from bot.platforms.slack.answers import VIEW_SUBMISSION
from bot.platforms.slack.render import (
    FORM_CALLBACK,
    action_to_message,
    command_to_message,
    event_to_message,
    form_values,
    home_view,
    modal,
)

log = logging.getLogger("partnerbot.slack")
BOLT = web.AppKey("slack_bolt", AsyncApp)
SOCKET = web.AppKey("slack_socket_mode", object)
ANSWER_COMMANDS = ("/partners", "/agreement", "/trainings")
FORM_COMMANDS = ("/consult",)
ANSWER_SECONDS = 2.5
"""Slack wants the HTTP answer to a modal's submission within 3 s; this leaves room for the way back."""
MODAL_SECONDS = 2.0
"""views.open must come within 3 s of the click or command that gave the trigger."""
COULD_NOT_SAVE = "I couldn't save this just now (a problem on our side). Please press the button again in a minute."
FORM_NOT_SENT = "Your form was not sent:"
FORM_UNAVAILABLE = ("I couldn't open the form just now. Try again in a minute, or tell me here what you need "
                    "(\"I need a consultation about …\").")


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
        @guarded
        async def on_command(command, ack):  # type: ignore[no-untyped-def]
            await ack()
            key = f"slack-command:{command.get('trigger_id') or uuid.uuid4().hex}"
            await answer_in_request(runtime, client, command_to_message(command), key, urgent=False)

    async def open_form(trigger_id: str, channel: str, user: str, user_name: str | None, draft: str,
                        fallback: dict[str, Any]) -> None:
        message = Message(text=draft, user=user, platform="slack", channel=channel or user, session_key=f"modal:{user}",
                          action="consultation.draft", value=draft, user_name=user_name)
        reply = await runtime.handle_urgent(message)  # views.open must come within 3 s of the trigger
        if reply.form is not None and not await open_modal(client, trigger_id, modal(reply.form, channel)):
            cannot = Reply(FORM_UNAVAILABLE, "consultation", 1.0, {"error": "modal_unavailable"})
            await post_in_request(runtime, replace(message, raw=fallback), cannot, f"slack-form:{trigger_id}")

    for name in FORM_COMMANDS:
        @bolt.command(name)
        @guarded
        async def on_form_command(command, ack):  # type: ignore[no-untyped-def]
            await ack()
            await open_form(command["trigger_id"], command.get("channel_id", ""), command.get("user_id", ""),
                            command.get("user_name"), (command.get("text") or "").strip(),
                            {"command": command.get("command"), "response_url": command.get("response_url")})

    @bolt.shortcut("ask_department")
    @guarded
    async def on_shortcut(shortcut, ack):  # type: ignore[no-untyped-def]
        await ack()
        user = shortcut.get("user") or {}
        await open_form(shortcut["trigger_id"], (shortcut.get("channel") or {}).get("id", ""), user.get("id", ""),
                        user.get("name"), (shortcut.get("message") or {}).get("text", ""), {"type": "shortcut"})

    @bolt.view(FORM_CALLBACK)
    @guarded
    async def on_form(ack, body, view):  # type: ignore[no-untyped-def]
        await submit_form(runtime, ack, body, view)

    @bolt.action(re.compile(r"^pbs?:"))
    @guarded
    async def on_action(ack, body):  # type: ignore[no-untyped-def]
        await ack()
        parsed = action_to_message(body)
        if parsed is None:
            return
        message, _ = parsed
        key = f"slack-click:{body.get('trigger_id') or (body.get('actions') or [{}])[0].get('action_ts', '')}"
        await answer_in_request(runtime, client, message, key)

    @bolt.event("app_home_opened")
    @guarded
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


def guarded(listener):  # type: ignore[no-untyped-def]
    """A listener that never raises. Bolt takes back an acknowledgement when a listener fails
    just after `ack()` (its asyncio runner resets the ack), and Slack then gets a 404 after 3 s;
    what failed is logged instead. Bolt reads the listener's argument names through the wrapper."""

    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        try:
            await listener(**kwargs)
        except Exception:
            log.exception("a Slack listener failed")

    return run


async def answer_in_request(runtime: Runtime, client: AsyncWebClient, message: Message, key: str,
                            urgent: bool = True) -> None:
    """Answer a click or a command in its request (after its ack), through the outbox: the turn and
    its answer's posts commit together, then the posts go out at once (retried by the outbox if Slack
    fails). An answer that is a form opens as a modal while the trigger lasts (3 s), or comes as a
    post if that fails. With the database away the message goes to the durable inbox (the spool, if
    need be) and is answered from there once it is back. `urgent`: a click, whose answer may be a
    modal, takes threads of its own, never queued behind ordinary turns."""
    processor = runtime.processor
    try:
        reply, queued = await (runtime.run_urgent if urgent else runtime.turn)(processor.take_turn, message, key)
    except SQLAlchemyError as exc:
        log.warning("answering in the request failed; the inbox will answer it",
                    extra={"turn": {"error": exc.__class__.__name__}})
        await runtime.accept(InboxEntry(key, without_trigger(message)))
        return
    trigger = (message.raw or {}).get("trigger_id") if isinstance(message.raw, dict) else None
    if reply is not None and reply.form is not None and trigger:
        if not await open_modal(client, trigger, modal(reply.form, message.channel)):
            await post_in_request(runtime, without_trigger(message), reply, f"{key}:text")
    await runtime.run(processor.send, queued)


async def post_in_request(runtime: Runtime, message: Message, reply: Reply, key: str) -> None:
    """Post a reply already known (a modal that could not be opened), through the outbox."""
    try:
        await runtime.run(runtime.processor.post, message, reply, key)
    except SQLAlchemyError as exc:
        log.warning("a reply could not be queued", extra={"turn": {"error": exc.__class__.__name__}})


def without_trigger(message: Message) -> Message:
    """The message as answered later: its trigger will have expired, so its form comes as a post."""
    raw = message.raw if isinstance(message.raw, dict) else {}
    return replace(message, raw={k: v for k, v in raw.items() if k != "trigger_id"})


async def open_modal(client: AsyncWebClient, trigger_id: str, view: dict[str, Any]) -> bool:
    """views.open, within what is left of the trigger's 3 s; False when Slack refused or was too slow."""
    try:
        await asyncio.wait_for(client.views_open(trigger_id=trigger_id, view=view), MODAL_SECONDS)
        return True
    except (SlackApiError, SlackRequestError, OSError, asyncio.TimeoutError) as exc:
        log.warning("opening a modal failed", extra={"turn": {"error": exc.__class__.__name__}})
        return False


async def submit_form(runtime: Runtime, ack, body: dict[str, Any], view: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """A submitted modal: the turn runs before the acknowledgement, which carries the form's errors
    (the modal stays open) or closes it; the confirmation follows as a direct message, through the
    outbox. Slack's 3 s are kept whatever the database or the Web API do: past ANSWER_SECONDS the
    modal is closed and the answer follows when the turn is done; with the database away the modal
    stays open and says so, so nothing typed is lost."""
    values, meta = form_values(view)
    user = body["user"]["id"]
    digest = hashlib.sha256(json.dumps([values, meta], sort_keys=True).encode()).hexdigest()[:16]
    key = f"slack-view:{view.get('id')}:{digest}"
    message = Message(text="form", user=user, platform="slack", channel=meta.get("channel") or user,
                      session_key=f"modal:{user}", action=str(meta.get("action") or ""),
                      value=json.dumps({**values, "context": meta.get("value", "")}),
                      raw={"type": VIEW_SUBMISSION})
    work = asyncio.ensure_future(runtime.run_urgent(_submit, runtime.processor, runtime.database, message, key))
    try:
        outcome = await asyncio.wait_for(asyncio.shield(work), ANSWER_SECONDS)
    except asyncio.TimeoutError:
        await ack()  # closes the modal; the answer follows
        outcome = None
    except Exception as exc:
        log.warning("a modal could not be handled", extra={"turn": {"error": exc.__class__.__name__}})
        first = next(iter(values), None)
        await (ack(response_action="errors", errors={first: COULD_NOT_SAVE}) if first else ack())
        return
    if outcome is not None:
        reply, _ = outcome
        if reply is not None and reply.form is not None and reply.form.errors:
            await ack(response_action="errors", errors=reply.form.errors)
            return
        await ack()
    else:
        outcome = await work
        reply, _ = outcome
        if reply is not None and reply.form is not None and reply.form.errors:
            errors = "; ".join(reply.form.errors.values())
            late = Reply(f"{FORM_NOT_SENT} {errors}", reply.intent, reply.confidence, reply.data)
            await post_in_request(runtime, message, late, f"{key}:late")
    await runtime.run(runtime.processor.send, outcome[1])


def _submit(processor, database, message: Message, key: str):  # type: ignore[no-untyped-def]
    """(reply, queued posts), or (None, []) for a submission already handled (Slack resends
    one whose answer was slow). The submission is recorded in the turn's own transaction."""
    if seen(database, key):
        return None, []
    return processor.take_turn(message, key, settle=lambda session, reply: record(session, key))


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
