"""Pure translations between Slack payloads and the core types (no network).

`to_message` reads an event, slash command or block action; `render` turns a
`Reply` into Block Kit. Everything a user typed is escaped (&, <, >) before it
is put into mrkdwn, so `<!channel>` or `<@U123>` in a description pings no one.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core import Button, Message, Reply
from bot.text import escape_mrkdwn

SECTION_LIMIT = 2900
BUTTONS_PER_BLOCK = 5
ACTION_PREFIX = "pb"
LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>")


def strip_mentions(text: str) -> str:
    """Drop the leading `@partnerbot` mention; mentions inside the text are kept as typed."""
    return " ".join(LEADING_MENTION.sub(" ", text).split())


def unescape(text: str) -> str:
    """Slack sends &amp; &lt; &gt; escaped; the bot understands plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def session_key(channel: str, thread_ts: str | None) -> str:
    return f"{channel}:{thread_ts}" if thread_ts else channel


def event_to_message(event: dict[str, Any]) -> Message | None:
    """A message or app_mention event, or None if the bot must ignore it."""
    if event.get("bot_id") or event.get("subtype") or event.get("user") is None:
        return None  # bot messages, edits, joins, deletions never trigger the bot
    text = unescape(strip_mentions(event.get("text") or ""))
    channel = event.get("channel", "")
    thread = event.get("thread_ts") if event.get("type") == "app_mention" or event.get("thread_ts") else None
    if event.get("type") == "app_mention":
        thread = event.get("thread_ts") or event.get("ts")
    return Message(text=text, user=event["user"], platform="slack", channel=channel,
                   session_key=session_key(channel, thread), raw=event)


COMMAND_TEXT = {
    "/partners": ("which partners serve {text}", "which partners serve my school?"),
    "/agreement": ("{text}", "which agreement applies?"),
    "/trainings": ("upcoming {text} trainings", "upcoming trainings"),
    "/consult": ("I need a consultation: {text}", "I need a consultation"),
}


def command_to_message(command: dict[str, Any]) -> Message:
    name = command.get("command", "")
    template, empty = COMMAND_TEXT.get(name, ("{text}", "help"))
    body = unescape(command.get("text") or "").strip()
    text = template.format(text=body) if body else empty
    channel = command.get("channel_id", "")
    return Message(text=text, user=command.get("user_id", ""), platform="slack", channel=channel,
                   session_key=channel, user_name=command.get("user_name"), raw=command)


def parse_action_id(action_id: str) -> str:
    """`pb:3:agreement.answer` -> `agreement.answer`."""
    parts = action_id.split(":", 2)
    return parts[2] if len(parts) == 3 and parts[0] == ACTION_PREFIX else action_id


def action_to_message(body: dict[str, Any]) -> Message | None:
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    if action.get("type") == "overflow":
        selected = action.get("selected_option") or {}
        action_id, _, value = str(selected.get("value", "")).partition("|")
        label = (selected.get("text") or {}).get("text", "")
    else:
        action_id, value = parse_action_id(action.get("action_id", "")), action.get("value", "")
        label = (action.get("text") or {}).get("text", "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    message = body.get("message") or {}
    thread = message.get("thread_ts")
    return Message(text=label, user=(body.get("user") or {}).get("id", ""), platform="slack", channel=channel,
                   session_key=session_key(channel, thread), action=action_id, value=value, raw=body)


def _text_blocks(text: str) -> list[dict[str, Any]]:
    safe = escape_mrkdwn(text)
    chunks = [safe[i : i + SECTION_LIMIT] for i in range(0, len(safe), SECTION_LIMIT)] or [" "]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def _button(index: int, button: Button) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": button.label[:75], "emoji": True},
        "action_id": f"{ACTION_PREFIX}:{index}:{button.action}"[:255],
        "value": button.value[:2000],
    }


def action_blocks(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    """At most 5 elements per actions block; beyond 5, the rest go in a "more" overflow."""
    if not buttons:
        return []
    if len(buttons) <= BUTTONS_PER_BLOCK:
        return [{"type": "actions", "elements": [_button(i, b) for i, b in enumerate(buttons)]}]
    shown, rest = buttons[: BUTTONS_PER_BLOCK - 1], buttons[BUTTONS_PER_BLOCK - 1 : BUTTONS_PER_BLOCK - 1 + 5]
    overflow = {
        "type": "overflow",
        "action_id": f"{ACTION_PREFIX}:more:overflow",
        "options": [{"text": {"type": "plain_text", "text": b.label[:75]}, "value": f"{b.action}|{b.value}"[:150]}
                    for b in rest],
    }
    return [{"type": "actions", "elements": [_button(i, b) for i, b in enumerate(shown)] + [overflow]}]


def render(reply: Reply) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` for chat.postMessage / respond."""
    blocks = _text_blocks(reply.text)
    if reply.fields:
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{escape_mrkdwn(f.label)}*\n{escape_mrkdwn(f.value)}"} for f in reply.fields[:10]]})
    if reply.footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape_mrkdwn(reply.footer)}]})
    blocks += action_blocks(reply.buttons)
    return {"text": escape_mrkdwn(reply.text)[:3000], "blocks": blocks}


SLACK_ID = re.compile(r"^[A-Z0-9]{2,30}$")


def chosen(blocks: list[dict[str, Any]], label: str, user: str) -> list[dict[str, Any]]:
    """The original message with its buttons removed (stale) and the choice recorded."""
    kept = [b for b in blocks if b.get("type") != "actions"]
    who = f"<@{user}>" if SLACK_ID.match(user) else "Someone"
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"{who} chose: *{escape_mrkdwn(label)}*"}]})
    return kept
