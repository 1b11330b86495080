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
    if not timestamp.isdigit() or not signature or not verifier.is_valid(text, timestamp, signature):
        raise Refusal(401, "invalid or missing signature")
    content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        form = urllib.parse.parse_qs(text)
        if "payload" in form:
            _object(form["payload"][0])
        elif "command" not in form and "ssl_check" not in form:
            raise Refusal(400, "a form without a command or payload")
        return None
    return _object(text)


def _object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refusal(400, "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise Refusal(400, "the body is not a JSON object")
    return value


def bolt_logger(keep_text: bool) -> logging.Logger:
    """Bolt's logger, bounded and without message text unless LOG_TEXT=1 (also when no
    handler of ours is configured, as in tests)."""
    logger = logging.getLogger("partnerbot.slack.bolt")
    if not any(isinstance(f, BoundedLibraryLogs) for f in logger.filters):
        logger.addFilter(BoundedLibraryLogs(keep_text))
    return logger
