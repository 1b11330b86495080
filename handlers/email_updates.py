"""`email_updates`: a person types their e-mail address to get updates on their requests there too.

Offered where the person's own chat cannot reach them later (the web chat shows updates only while it is
open). The address is used once its owner confirms it through the link e-mailed to it (bot/email_updates.py).
"""

from __future__ import annotations

import re

from bot import email_updates
from bot.core import Message, Reply
from bot.router import Registry
from bot.turn import Turn
from bot.understanding import Understanding

INTENT = "email_updates"
ABOUT_UPDATES = frozenset("update updates news email e-mail mail notify notification notifications reach contact "
                          "write hear know tell address".split())
"""Words of a message that gives an address for updates ("send any news on my request to …"); a message
with an address and none of them ("email the checklist to …" has "email") is some other request."""
ABOUT_ME = frozenset("me my i i'm updates notify notifications".split())
"""While a form or a report waits for more text, only an address given as the writer's own is for updates."""
OTHER_ERRANDS = frozenset("checklist template form forms document documents file files copy invoice contract".split())
MAX_OTHER_WORDS = 4
"""Beyond the address, a message of this few words gives it ("it's dana@school.org"); longer ones must ask."""
_CANDIDATE = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


def address_in(message: Message) -> str | None:
    """The one e-mail address the message gives, if it gives exactly one."""
    found = {a for a in (email_updates.valid_address(c) for c in _CANDIDATE.findall(message.text)) if a}
    return found.pop() if len(found) == 1 else None


def gives_address(u: Understanding, turn: Turn) -> bool:
    address = address_in(turn.message)
    if address is None or address.lower() == turn.settings.department_email.lower():
        return False
    words = {w.strip(".,;:!?\"'()").lower() for w in _CANDIDATE.sub(" ", turn.message.text).split()}
    words = {w for w in words if any(c.isalnum() for c in w)}
    if turn.waiting_for_text and words:
        # "their new contact is reading@… now", typed as what changed, is the report's; "my email is …" is mine
        return bool(words & ABOUT_ME)
    if len(words) <= MAX_OTHER_WORDS and not turn.message.text.rstrip().endswith("?"):
        return True  # "dana@school.org", "it's dana@school.org"
    return bool(words & ABOUT_UPDATES) and not words & OTHER_ERRANDS and not _asks_about(turn.message.text)


def _asks_about(text: str) -> bool:
    """"is partnerships@district.example the right address for the MOU?" asks about an address."""
    return text.rstrip().endswith("?") and not any(w in text.lower() for w in ("can you", "could you", "will you",
                                                                               "would you", "please"))


def offer(message: Message, turn: Turn) -> str:
    """A line for a reply to someone whose chat cannot reach them later, when e-mail can ("" otherwise)."""
    if message.reached_later or message.anonymous or not turn.settings.smtp_url:
        return ""
    if email_updates.confirmed(turn.session, message.platform, message.user) is not None:
        return " Updates also go to the e-mail address you confirmed."
    return (" This page shows updates only while it is open: to get them by e-mail too, type your e-mail address "
            "(the department sees it only if you agree).")


def give(message: Message, turn: Turn) -> Reply:
    address = address_in(message) or ""
    if not turn.settings.smtp_url:
        return Reply("E-mail updates aren't set up here, so I can't send anything to an address: updates on your "
                     "requests show in this chat.", INTENT, 1.0, {"email": "not_configured"})
    if message.anonymous:
        return Reply("Your browser didn't keep this chat's cookie, so I can't tie an address to your requests. "
                     "Allow cookies for this page and try again.", INTENT, 1.0, {"email": "anonymous"})
    given = email_updates.give(turn.session, message.platform, message.user, address,
                               email_updates.links_base(turn.settings), turn.now)
    if given.outcome == "confirmed":
        return Reply(f"Updates on your requests already go to {address}.", INTENT, 1.0, {"email": "confirmed"})
    if given.outcome == "too_many":
        return Reply(f"I've sent as many confirmation links to {address}, or for you, as I can for now. Check that "
                     "inbox (and its junk folder), or try again tomorrow.", INTENT, 1.0, {"email": "too_many"})
    return Reply(f"I've sent a link to {address}. Open it to confirm, and updates on your requests will go there "
                 "too. The department sees the address only if you agree on that page.", INTENT, 1.0,
                 {"email": "confirmation_sent"})


def register(registry: Registry) -> None:
    registry.command(gives_address)(give)
