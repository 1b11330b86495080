"""Teams' part in answering the durable inbox (bot/answering.py).

The activity is stored with the event, so the answer goes back to exactly where
the question was asked (the 1:1 chat, or the channel thread, as a reply to the
message) through the runtime's proactive send, from whichever process claims
it. Remembering how to reach the conversation later (for ticket updates) happens
here too, off the request path, so a database away at ack time only delays it.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core import Message, Reply
from bot.db import Database
from bot.notify import Post
from bot.platforms.teams import references
from bot.platforms.teams.render import UNVERIFIED, reply_activity

log = logging.getLogger("partnerbot.teams")


def is_verified(message: Message) -> bool:
    return not message.user.startswith(UNVERIFIED)


class TeamsAnswerer:
    def __init__(self, database: Database) -> None:
        self.database = database

    def prepare(self, message: Message) -> Message:
        activity = _activity(message)
        if activity:
            with self.database.session() as session:
                references.remember(session, activity, message.user, may_move=is_verified(message))
        return message

    def posts(self, message: Message, reply: Reply) -> list[Post]:
        activity = _activity(message)  # a chart goes inside the card, drawn when it is sent (notifier.py)
        return [Post("answer", "teams", message.session_key or message.channel, reply.text,
                     body={"activity": reply_activity(reply, draw_chart=False),
                           "reference": references.reference_of(activity)},
                     thread=activity.get("id"), chart=reply.chart.to_dict() if reply.chart else None)]


def _activity(message: Message) -> dict[str, Any]:
    return message.raw if isinstance(message.raw, dict) else {}
