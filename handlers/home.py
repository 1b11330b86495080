"""A person's home screen (Slack's App Home): their requests, the next trainings, and for staff the queue."""

from __future__ import annotations

from bot.core import Message, Reply
from bot.turn import Turn
from bot.router import Registry
from bot.tickets import service
from bot.tickets.service import Actor
from bot.trainings.calendar import upcoming, when
from handlers.common import menu_buttons
from handlers.help import HELP_TEXT


def home(message: Message, turn: Turn) -> Reply:
    actor = Actor(message.platform, message.user)
    mine = [f"{t.number} · {service.topic_label(t.topic)} · {t.status}" for t in service.requested_by(turn.session, actor)]
    trainings = [f"{s.title}, {when(s, turn.settings.tz)}" for s in upcoming(turn.session, turn.now)[:3]]
    sections = [HELP_TEXT, _section("Your open requests", mine, "None. Say \"I need a consultation\" to ask the department."),
                _section("Next trainings", trainings, "Nothing scheduled yet.")]
    unclaimed = None
    if service.is_staff(turn.session, turn.settings, message.platform, message.user):
        unclaimed = [f"{t.number} · {service.topic_label(t.topic)} · from {t.requester_name or t.requester_id}"
                     for t in service.listing(turn.session, "unclaimed", actor, limit=10)]
        sections.append(_section("Unclaimed consultations", unclaimed, "All claimed. Nice."))
    return Reply("\n\n".join(sections), "help", 1.0,
                 {"home": {"requests": mine, "trainings": trainings, "unclaimed": unclaimed}}, buttons=menu_buttons())


def _section(title: str, lines: list[str], empty: str) -> str:
    return f"*{title}*\n" + ("\n".join(f"• {line}" for line in lines) if lines else empty)


def register(registry: Registry) -> None:
    registry.action("home")(home)
