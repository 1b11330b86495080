"""Replies for empty input, out-of-scope questions and low-confidence guesses."""

from __future__ import annotations

import re

from bot.core import Button, Message, Reply, Turn
from bot.router import registry
from handlers.common import menu_buttons

WHAT_I_DO = (
    "I can help with partnership agreements, which partners serve a school, upcoming trainings for "
    "partners, consultations with the department, and questions on data sharing, background checks, "
    "the training module and partnership tools."
)


def empty(message: Message, turn: Turn) -> Reply:
    return Reply(
        "I didn't catch a question there. " + WHAT_I_DO,
        "unknown",
        0.0,
        {"reason": "empty"},
        buttons=menu_buttons(),
    )


NON_ENGLISH = re.compile(r"[¿¡ñáéíóúüçàèìòùâêîôûäöß]|[\u0400-\u04ff\u0590-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", re.I)


def unknown(message: Message, turn: Turn) -> Reply:
    english_only = " I only understand English for now." if NON_ENGLISH.search(message.text or "") else ""
    return Reply(
        "Sorry, that's outside what I can help with." + english_only + " " + WHAT_I_DO
        + f" For anything else, the department is at {turn.settings.department_email}.",
        "unknown",
        turn.understanding.confidence,
        {"reason": "out_of_scope"},
        buttons=menu_buttons(),
    )


def unsure(message: Message, turn: Turn) -> Reply:
    """Offer the likeliest readings as buttons instead of guessing."""
    from bot.nlu import default_classifier

    classifier = default_classifier()
    choices = [name for name, score in turn.understanding.ranked() if score > 0 and name != "unknown"][:3]
    buttons = tuple(Button(classifier.summary(name), "route", f"{name}|{turn.understanding.text}") for name in choices)
    return Reply(
        "I'm not sure I understood. Did you mean one of these?",
        "unknown",
        turn.understanding.confidence,
        {"reason": "low_confidence", "candidates": choices},
        buttons=buttons + (Button("Something else", "menu", "help"),),
    )


@registry.action("route")
def route_choice(message: Message, turn: Turn) -> Reply:
    """The user picked one reading of an unclear question: answer it that way."""
    intent, _, text = (message.value or "").partition("|")
    handler = registry.intents.get(intent)
    if handler is None:
        return unknown(message, turn)
    from bot.nlu import default_classifier

    understanding = default_classifier().understand(text)
    turn.understanding = type(understanding)(
        understanding.text,
        understanding.tokens,
        understanding.stems,
        intent,
        1.0,
        understanding.scores,
        understanding.ticket_numbers,
        understanding.amounts,
    )
    return handler(
        Message(text, message.user, message.platform, message.channel, message.session_key, user_name=message.user_name),
        turn,
    )


@registry.action("menu")
def menu_choice(message: Message, turn: Turn) -> Reply:
    """A menu button: answer as if the user had typed its text."""
    from bot.nlu import default_classifier

    text = message.value or "help"
    turn.understanding = default_classifier().understand(text)
    handler = registry.intents.get(turn.understanding.intent) or registry.intents["help"]
    return handler(
        Message(text, message.user, message.platform, message.channel, message.session_key, user_name=message.user_name),
        turn,
    )
