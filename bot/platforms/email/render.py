"""An outbox post drawn as an e-mail: plain text, a subject by kind, and the link to stop them."""

from __future__ import annotations

import hashlib
import re
from email.message import EmailMessage
from email.utils import formatdate

from bot.email_updates import CONFIRM_KIND
from bot.notify import Post

SUBJECTS = {
    CONFIRM_KIND: "Confirm your e-mail address for updates",
    "ticket.requester": "An update on your request to the partnerships department",
    "trainings.reminder": "A reminder about a training",
    "trainings.dm": "Trainings you may want to know about",
}
DEFAULT_SUBJECT = "A message from the partnerships department"
_EMPHASIS = re.compile(r"(?<![\w*])[*_]([^*_\n]+)[*_](?![\w*])")
"""Chat emphasis (*C-1001*, _note_), which a plain-text e-mail would show as stray marks."""


def message_id(post: Post, sender: str) -> str:
    """The same for every attempt at one post: a reader's mail program can tell a repeat from a new message."""
    domain = sender.rpartition("@")[2] or "partnerbot.invalid"
    return f"<{hashlib.sha256(post.key.encode()).hexdigest()[:32]}@{domain}>"


def render(post: Post, sender: str, manage_link: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = post.target
    message["Subject"] = SUBJECTS.get(post.kind, DEFAULT_SUBJECT)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(post, sender)
    message["Auto-Submitted"] = "auto-generated"
    body = _EMPHASIS.sub(r"\1", post.text).strip()
    if manage_link:
        message["List-Unsubscribe"] = f"<{manage_link}>"
        body += ("\n\n--\nYou get these e-mails because you asked for updates in the partnerships chat. "
                 f"To stop them, or to change who may see your address: {manage_link}")
    message.set_content(body + "\n")
    return message
