"""`help`: what the bot can do; small talk ("hi", "thanks") gets a short, friendly line."""

from __future__ import annotations

from bot.core import Message, Reply
from bot.turn import Turn
from bot.dialogue import RESTART_PHRASES
from bot.router import Registry
from bot.understanding import Understanding
from handlers.common import menu_buttons

HELP_TEXT = """Here's what I can do:
• *Which agreement applies?* Tell me about the partnership (who pays, whose funding, a lease, a PTSA) and I'll name the agreement and what it needs.
• *Partners at a school*: "who works with Rainier Beach?", "tutoring partners at Aki Kurose", "which schools have no mentoring partner?"
• *Trainings*: "upcoming trauma-informed trainings", "RULER sessions next month"; press Remind me for a reminder.
• *Consultations*: "I need a consultation" opens a request with the department; "status of my requests" shows where it stands.
• *FAQ*: data sharing (FERPA), background checks, the training module, partnership tools.
• *Report outdated info*: "the partner list for Leschi is outdated"."""
GREETING = "Hi! I'm partnerbot. Ask me which agreement applies, which partners serve a school, or about trainings."
THANKS = ("thank", "thanks", "thx", "ty", "appreciate", "cheers", "great", "perfect", "awesome", "helpful")
FAREWELL = ("bye", "goodbye", "see you", "later", "have a good", "good night")
FRESH_START = ("clear", "clear chat", "clear it", "new conversation", "start fresh", "new topic", "reset")
RESET_WORDS = RESTART_PHRASES + FRESH_START
FILLER = frozenset(("please", "ok", "okay", "lets", "let", "us", "can", "we", "just", "the", "conversation", "chat"))


def handle(message: Message, turn: Turn) -> Reply:
    return Reply(HELP_TEXT, "help", turn.understanding.confidence or 1.0, {}, buttons=menu_buttons())


def small_talk(message: Message, turn: Turn) -> Reply:
    """A greeting or thanks is not a question: one line, no menu dump."""
    u = turn.understanding
    if u.has(*FAREWELL):
        text, kind = "Bye for now! I'm here whenever you need me.", "farewell"
    elif u.has(*THANKS):
        text, kind = "You're welcome! Anything else, just ask.", "thanks"
    else:
        return Reply(GREETING, "help", u.confidence, {"small_talk": "greeting"}, buttons=menu_buttons())
    return Reply(text, "help", u.confidence, {"small_talk": kind})


def is_reset(u: Understanding, turn: Turn) -> bool:
    """"start over" / "clear" (and nothing else) with no form open: forget the conversation's context.

    "reset my password" is not a reset of the conversation."""
    if len(u.tokens) > 5:
        return False
    rest = tuple(t for t in u.tokens if t not in FILLER)
    phrases = RESET_WORDS if turn.state.form is None else FRESH_START  # in a form, "start over" restarts the form
    return any(rest == tuple(phrase.split()) for phrase in phrases)


def reset(message: Message, turn: Turn) -> Reply:
    turn.state.forget()
    return Reply("OK, a fresh start. What can I help you with?", "help", 1.0, {"reset": True}, buttons=menu_buttons())


def register(registry: Registry) -> None:
    registry.intent("help")(handle)
    registry.intent("smalltalk")(small_talk)
    registry.command(is_reset)(reset)
