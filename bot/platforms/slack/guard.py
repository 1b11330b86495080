"""What reaches bolt from `POST /slack/events`: signed, UTF-8, a JSON object (or a form whose
payload is one). Everything else is answered here, 401 for a missing or wrong signature and
400 for a signed body that is not what Slack sends, without logging the body. Bolt's own logs
are bounded and, unless LOG_TEXT=1, keep no message text.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.logs import BoundedLibraryLogs


class Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def check(verifier: SignatureVerifier, body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
    """Raises Refusal unless the request is fit for bolt; the JSON object of a JSON body (an
    Events API callback), None for a form (a command, an interaction)."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "the body is not UTF-8") from None
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= TIMESTAMP_DIGITS) or not signature \
            or not verifier.is_valid(text, timestamp, signature):
        raise Refusal(401, "invalid or missing signature")
    content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        form = urllib.parse.parse_qs(text)
        if "payload" in form:
            _interaction(_object(form["payload"][0]))
        elif "command" not in form and "ssl_check" not in form:
            raise Refusal(400, "a form without a command or payload")
        return None
    return _callback(_object(text))


def _object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refusal(400, "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise Refusal(400, "the body is not a JSON object")
    try:  # JSON may escape a lone surrogate (\\ud800): valid JSON, but no text Slack sends or a database keeps
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Refusal(400, "the body holds text that is not valid Unicode") from None
    return value


TIMESTAMP_DIGITS = 12
"""Seconds since 1970 have 10 digits until the year 2286; a longer number is no timestamp of Slack's."""
EVENT_STRINGS = ("type", "user", "text", "channel", "channel_type", "ts", "thread_ts", "subtype", "bot_id", "tab",
                 "event_ts")
INTERACTIONS = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion")


def _callback(body: dict[str, Any]) -> dict[str, Any]:
    """An Events API body whose parts have the types Slack sends (bolt and the inbox read them)."""
    _strings(body, ("type", "event_id", "token", "team_id", "api_app_id", "challenge"))
    if body.get("type") == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict):
            raise Refusal(400, "an event callback without an event object")
        _strings(event, EVENT_STRINGS)
        if not isinstance(event.get("type"), str):
            raise Refusal(400, "an event without a type")
    return body


def _interaction(body: dict[str, Any]) -> None:
    """An interaction payload (a click, a modal, a shortcut) whose parts have the types Slack sends."""
    if body.get("type") not in INTERACTIONS:
        raise Refusal(400, "an interaction of no known type")
    _strings(body, ("trigger_id", "response_url", "callback_id", "action_ts", "api_app_id", "token"))
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        raise Refusal(400, "an interaction without a user")
    _strings(user, ("id", "name", "username", "team_id"))
    for part in ("channel", "container", "message", "view", "team"):
        if body.get(part) is not None and not isinstance(body.get(part), dict):
            raise Refusal(400, f"an interaction whose {part} is not an object")
    _strings(body.get("channel") or {}, ("id", "name"))
    _strings(body.get("container") or {}, ("type", "channel_id", "message_ts", "thread_ts"))
    _strings(body.get("message") or {}, ("ts", "thread_ts", "text", "type"))
    if body.get("message") and not isinstance((body.get("message") or {}).get("blocks", []), list):
        raise Refusal(400, "a message whose blocks are not a list")
    if body["type"] == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not all(
                isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            raise Refusal(400, "a click without its actions")
        for action in actions:
            _strings(action, ("action_id", "block_id", "type", "value", "action_ts"))
            for part in ("text", "selected_option"):
                if action.get(part) is not None and not isinstance(action.get(part), dict):
                    raise Refusal(400, f"an action whose {part} is not an object")
            _strings(action.get("text") or {}, ("text", "type"))
            _strings(action.get("selected_option") or {}, ("value",))
            _strings((action.get("selected_option") or {}).get("text") or {}, ("text",))
    if body["type"] in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict):
            raise Refusal(400, "a modal without its view")
        _strings(view, ("id", "callback_id", "private_metadata", "type", "hash"))
        if not isinstance(view.get("type"), str) or not isinstance(view.get("state") or {}, dict):
            raise Refusal(400, "a modal without its type or state")
        values = (view.get("state") or {}).get("values")
        if not isinstance(values or {}, dict) or not all(
                isinstance(inputs, dict) and all(isinstance(state, dict) for state in inputs.values())
                for inputs in (values or {}).values()):
            raise Refusal(400, "a modal whose values are not objects")


def _strings(part: Any, names: tuple[str, ...]) -> None:
    if not isinstance(part, dict):
        raise Refusal(400, "a part of the body is not an object")
    for name in names:
        value = part.get(name)
        if value is not None and not isinstance(value, str):
            raise Refusal(400, f"{name} is not a string")


def bolt_logger(keep_text: bool) -> logging.Logger:
    """Bolt's logger, bounded and without message text unless LOG_TEXT=1 (also when no
    handler of ours is configured, as in tests)."""
    logger = logging.getLogger("partnerbot.slack.bolt")
    if not any(isinstance(f, BoundedLibraryLogs) for f in logger.filters):
        logger.addFilter(BoundedLibraryLogs(keep_text))
    return logger
