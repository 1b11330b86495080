"""`help`: what the bot can do, with a button for each main job."""

from __future__ import annotations

from bot.core import Message, Reply, Turn
from bot.router import registry
from handlers.common import menu_buttons

HELP_TEXT = """Here's what I can do:
• *Which agreement applies?* Tell me about the partnership (who pays, whose funding, a lease, a PTSA) and I'll name the agreement and what it needs.
• *Partners at a school*: "who works with Rainier Beach?", "tutoring partners at Aki Kurose", "which schools have no mentoring partner?"
• *Trainings*: "upcoming trauma-informed trainings", "RULER sessions next month"; press Remind me for a reminder.
• *Consultations*: "I need a consultation" opens a request with the department; "status of my requests" shows where it stands.
• *FAQ*: data sharing (FERPA), background checks, the training module, partnership tools.
• *Report outdated info*: "the partner list for Leschi is outdated"."""


@registry.intent("help")
def handle(message: Message, turn: Turn) -> Reply:
    return Reply(HELP_TEXT, "help", turn.understanding.confidence or 1.0, {}, buttons=menu_buttons())
