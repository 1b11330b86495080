"""Replies for empty input, out-of-scope questions and low-confidence guesses.

Before saying "outside what I can help with" or offering readings to choose from,
the department's knowledge is searched (handlers/grounded.py, bot/retrieval): a
passage that answers the question well is better than a menu."""

from __future__ import annotations

import re

from bot.core import Button, Message, Reply
from bot.turn import Turn
from bot.router import Registry
from bot.understanding import follow_ups
from handlers.common import menu_buttons
from handlers.grounded import grounded_reply
from knowledge import intent_summaries

WHAT_I_DO = (
    "I can help with partnership agreements, which partners serve a school, upcoming trainings for "
    "partners, consultations with the department, and questions on data sharing, background checks, "
    "the training module and partnership tools."
)
NOT_OFFERED = follow_ups.WEAK_INTENTS
"""Readings that name no topic, so they are never offered as a guess."""
AGREEMENT = "agreement"
NON_ENGLISH = re.compile(r"[¿¡ñáéíóúüçàèìòùâêîôûäöß]|[\u0400-\u04ff\u0590-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", re.I)


def empty(message: Message, turn: Turn) -> Reply:
    return Reply("I didn't catch a question there. " + WHAT_I_DO, "unknown", 0.0, {"reason": "empty"},
                 buttons=menu_buttons())


def unknown(message: Message, turn: Turn) -> Reply:
    found = turn.grounded(turn.understanding.text or message.text)
    if found is not None:
        return grounded_reply(found, turn)
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
    """Offer the two or three likeliest readings as buttons instead of guessing."""
    summaries = intent_summaries()
    ranked = [name for name, score in turn.understanding.ranked() if name not in NOT_OFFERED and score >= 0.1]
    agreement_first = ranked[:1] == [AGREEMENT]
    # Which agreement applies is for the rules, through the buttons: when that is the likeliest reading,
    # only a passage that is not about an agreement answers (and never a model).
    found = turn.grounded(turn.understanding.text or message.text, generate=not agreement_first)
    if found is not None and found.passages and not (
            agreement_first and any(p.key.startswith(AGREEMENT) for p in found.passages)):
        return grounded_reply(found, turn)
    choices = ranked[:3] or [name for name, _ in turn.understanding.ranked() if name not in NOT_OFFERED][:2]
    text = turn.understanding.text
    buttons = tuple(Button(summaries.get(name, name), "route", f"{name}|{text}") for name in choices)
    return Reply(
        "I'm not sure I understood. Did you mean one of these?",
        "unknown",
        turn.understanding.confidence,
        {"reason": "low_confidence", "candidates": choices},
        buttons=buttons + (Button("Something else", "menu", "help"),),
    )


def register(registry: Registry) -> None:
    registry.fallback("empty")(empty)
    registry.fallback("unknown")(unknown)
    registry.fallback("unsure")(unsure)
