"""Department staff choose where notices go: "use this channel for consultations" (or announcements)."""

from __future__ import annotations

from bot import channels
from bot.core import Message, Reply
from bot.turn import Turn
from bot.router import Registry
from bot.tickets.service import is_staff
from bot.understanding import Understanding

ASK = ("use this channel for", "post consultations here", "post consultation requests here",
       "post announcements here", "post training announcements here", "send consultations here")
ROLES = (("consultation", "department"), ("consult", "department"), ("request", "department"),
         ("department", "department"), ("ping", "department"), ("announcement", "announcements"),
         ("announce", "announcements"), ("training", "announcements"))
DONE = {"department": "Done: new consultation requests will be posted here.",
        "announcements": "Done: training announcements will be posted here."}


def asks_to_use_channel(u: Understanding, turn: Turn) -> bool:
    return len(u.tokens) <= 10 and u.has(*ASK)


def use_channel(message: Message, turn: Turn) -> Reply:
    if not is_staff(turn.session, turn.settings, message.platform, message.user):
        return Reply("Sorry, only the partnerships department staff can choose where notices go.", "help", 1.0,
                     {"refused": "use_channel"})
    role = next((r for word, r in ROLES if turn.understanding.has(word)), None)
    if role is None or not message.channel or message.channel == message.user:
        return Reply("Say \"use this channel for consultations\" or \"use this channel for announcements\" in the "
                     "channel you want.", "help", 1.0, {"channel_role": None})
    channels.assign(turn.session, message.platform, message.channel, role, f"{message.platform}:{message.user}", turn.now)
    return Reply(DONE[role], "help", 1.0, {"channel_role": {"platform": message.platform, "channel": message.channel,
                                                            "role": role}})


def register(registry: Registry) -> None:
    registry.command(asks_to_use_channel)(use_channel)
