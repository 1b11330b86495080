"""Pure translations between Slack payloads and the core types (no network).

`event_to_message` / `command_to_message` / `action_to_message` read what Slack
sends; `render` draws a `Reply` as Block Kit, `modal` draws a `FormPart` as a
modal view and `form_values` reads its submission. Everything a user typed is
escaped (&, <, >) before it is put into mrkdwn, so `<!channel>` or `<@U123>` in
a description pings no one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot import charts
from bot.core import Button, Chart, FormPart, Message, Reply
from bot.text import escape_mrkdwn, truncate

SECTION_LIMIT = 2900
BUTTONS_PER_BLOCK = 5
OVERFLOW_OPTIONS = 5
ACTION_PREFIX = "pb"
SHARED_PREFIX = "pbs"
"""Buttons on posts a whole channel sees (department pings, announcements): a click answers only the clicker."""
FORM_CALLBACK = "pb_form"
LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>")
MODAL_TITLE = 24
BUTTON_TEXT = 75
OPTION_TEXT = 75
OPTION_VALUE = 150


def strip_mentions(text: str) -> str:
    """Drop the leading `@partnerbot` mention; mentions inside the text are kept as typed."""
    return " ".join(LEADING_MENTION.sub(" ", text).split())


def unescape(text: str) -> str:
    """Slack sends &amp; &lt; &gt; escaped; the bot understands plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def session_key(channel: str, thread_ts: str | None) -> str:
    return f"{channel}:{thread_ts}" if thread_ts else channel


def thread_of(message: Message) -> str | None:
    """The thread a message was in (its session key says), for an answer in the same place."""
    return message.session_key.split(":", 1)[1] if ":" in message.session_key else None


def event_to_message(event: dict[str, Any]) -> Message | None:
    """A message or app_mention event, or None if the bot must ignore it."""
    if event.get("bot_id") or event.get("subtype") or event.get("user") is None:
        return None  # bot messages, edits, joins, deletions never trigger the bot
    text = unescape(strip_mentions(event.get("text") or ""))
    channel = event.get("channel", "")
    thread = event.get("thread_ts")
    if event.get("type") == "app_mention":
        thread = thread or event.get("ts")
    return Message(text=text, user=event["user"], platform="slack", channel=channel,
                   session_key=session_key(channel, thread), raw=event)


COMMAND_TEXT = {
    "/partners": ("which partners serve {text}", "which partners serve my school?"),
    "/agreement": ("{text}", "which agreement applies?"),
    "/trainings": ("upcoming {text} trainings", "upcoming trainings"),
}


def command_to_message(command: dict[str, Any]) -> Message:
    name = command.get("command", "")
    template, empty = COMMAND_TEXT.get(name, ("{text}", "help"))
    body = unescape(command.get("text") or "").strip()
    text = template.format(text=body) if body else empty
    channel = command.get("channel_id", "")
    return Message(text=text, user=command.get("user_id", ""), platform="slack", channel=channel,
                   session_key=channel, user_name=command.get("user_name"), raw=command)


def parse_action_id(action_id: str) -> tuple[str, bool]:
    """`pb:3:agreement.answer` -> ("agreement.answer", False); `pbs:0:ticket.claim` -> (..., True)."""
    parts = action_id.split(":", 2)
    if len(parts) == 3 and parts[0] in (ACTION_PREFIX, SHARED_PREFIX):
        return parts[2], parts[0] == SHARED_PREFIX
    return action_id, False


def action_to_message(body: dict[str, Any]) -> tuple[Message, bool] | None:
    """A button press (or overflow choice) as a `Message`, and whether it was on a shared post."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    if action.get("type") == "overflow":
        selected = action.get("selected_option") or {}
        action_id, _, value = str(selected.get("value", "")).partition("|")
        _, shared = parse_action_id(action.get("action_id", ""))
        label = (selected.get("text") or {}).get("text")
    else:
        (action_id, shared), value = parse_action_id(action.get("action_id", "")), action.get("value")
        label = (action.get("text") or {}).get("text")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    message = body.get("message") or {}
    thread = message.get("thread_ts")
    user = body.get("user") or {}
    return Message(text=label or "", user=user.get("id", ""), platform="slack", channel=channel,
                   session_key=session_key(channel, thread), action=action_id, value=value or "",
                   user_name=user.get("name"), raw=body), shared


def _text_blocks(text: str) -> list[dict[str, Any]]:
    safe = escape_mrkdwn(text)
    chunks = [safe[i : i + SECTION_LIMIT] for i in range(0, len(safe), SECTION_LIMIT)] or [" "]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def _button(prefix: str, index: int, button: Button) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(button.label, BUTTON_TEXT), "emoji": True},
        "action_id": f"{prefix}:{index}:{button.action}"[:255],
        "value": button.value[:2000],
    }


def action_blocks(buttons: tuple[Button, ...], shared: bool = False) -> list[dict[str, Any]]:
    """At most 5 elements per actions block; beyond 5, the rest go in a "more" overflow."""
    if not buttons:
        return []
    prefix = SHARED_PREFIX if shared else ACTION_PREFIX
    if len(buttons) <= BUTTONS_PER_BLOCK:
        return [{"type": "actions", "elements": [_button(prefix, i, b) for i, b in enumerate(buttons)]}]
    shown, rest = buttons[: BUTTONS_PER_BLOCK - 1], buttons[BUTTONS_PER_BLOCK - 1 : BUTTONS_PER_BLOCK - 1 + OVERFLOW_OPTIONS]
    overflow = {
        "type": "overflow",
        "action_id": f"{prefix}:more:overflow",
        "options": [{"text": {"type": "plain_text", "text": truncate(b.label, OPTION_TEXT)},
                     "value": f"{b.action}|{b.value}"[:OPTION_VALUE]} for b in rest],
    }
    return [{"type": "actions", "elements": [_button(prefix, i, b) for i, b in enumerate(shown)] + [overflow]}]


def content_blocks(reply: Reply, shared: bool = False) -> list[dict[str, Any]]:
    blocks = _text_blocks(reply.text)
    if reply.table:
        table = escape_mrkdwn(reply.table.as_text())
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"```{truncate(table, SECTION_LIMIT - 6)}```"}})
    if reply.fields:
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": truncate(f"*{escape_mrkdwn(f.label)}*\n{escape_mrkdwn(f.value)}", 2000)}
            for f in reply.fields[:10]]})
    if reply.footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape_mrkdwn(reply.footer)}]})
    return blocks + action_blocks(reply.buttons, shared)


def render(reply: Reply, shared: bool = False) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` for chat.postMessage / respond / chat.update."""
    return {"text": truncate(escape_mrkdwn(reply.text), 3000), "blocks": content_blocks(reply, shared)}


def home_view(reply: Reply) -> dict[str, Any]:
    return {"type": "home", "blocks": content_blocks(reply)}


SLACK_ID = re.compile(r"^[A-Z0-9]{2,30}$")


def chosen(blocks: list[dict[str, Any]], label: str, user: str) -> list[dict[str, Any]]:
    """The original message with its buttons removed (stale) and the choice recorded."""
    kept = [b for b in blocks if isinstance(b, dict) and b.get("type") != "actions"]
    who = f"<@{user}>" if SLACK_ID.match(user) else "Someone"
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"{who} chose: *{escape_mrkdwn(label)}*"}]})
    return kept


# ---- forms as modals --------------------------------------------------------------------------

def modal(form: FormPart, channel: str) -> dict[str, Any]:
    """A `FormPart` as a modal; the submit button's action and value travel in private_metadata."""
    meta = json.dumps({"action": form.submit.action, "value": form.submit.value, "channel": channel})
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": meta[:3000],
        "title": {"type": "plain_text", "text": truncate(form.title, MODAL_TITLE)},
        "submit": {"type": "plain_text", "text": truncate(form.submit.label, MODAL_TITLE)},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [_input(field) for field in form.fields],
    }


def _input(field) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    element: dict[str, Any]
    if field.kind == "choice":
        options = [{"text": {"type": "plain_text", "text": truncate(label, OPTION_TEXT)}, "value": value[:OPTION_VALUE]}
                   for value, label in field.options[:100]]
        element = {"type": "static_select", "action_id": field.name, "options": options}
        initial = next((o for o in options if o["value"] == field.value), None)
        if initial:
            element["initial_option"] = initial
    else:
        element = {"type": "plain_text_input", "action_id": field.name, "multiline": field.kind == "multiline",
                   "max_length": field.max_length}
        if field.value:
            element["initial_value"] = field.value[: field.max_length]
        if field.placeholder:
            element["placeholder"] = {"type": "plain_text", "text": truncate(field.placeholder, 150)}
    return {"type": "input", "block_id": field.name, "optional": field.optional,
            "label": {"type": "plain_text", "text": truncate(field.label, 2000)}, "element": element}


def form_values(view: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """A submitted modal: (field values by name, the private metadata)."""
    values: dict[str, str] = {}
    for block_id, inputs in ((view.get("state") or {}).get("values") or {}).items():
        for state in inputs.values():
            if state.get("type") == "static_select":
                value = (state.get("selected_option") or {}).get("value")
            else:
                value = state.get("value")
            values[block_id] = value if isinstance(value, str) else ""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    return values, meta if isinstance(meta, dict) else {}


def chart_upload(chart: Chart, channel: str, thread: str | None, filename: str) -> dict[str, Any]:
    """`files_upload_v2`'s arguments for a chart shared where an answer went (the notifier's
    client and the button path's async one both take them); drawing it takes a tenth of a second."""
    return {"channel": channel, "thread_ts": thread, "file": charts.png(chart), "filename": filename,
            "title": chart.title, "alt_txt": chart.description, "request_file_info": False}
