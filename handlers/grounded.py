"""Answers from the department's knowledge for questions outside the intents, and the
"Did this answer your question?" buttons under them (bot/retrieval does the finding)."""

from __future__ import annotations

from bot.core import Button, Message, Reply
from bot.retrieval.answers import Grounded, record_feedback
from bot.retrieval.passages import Passage
from bot.router import Registry
from bot.turn import Turn
from handlers.common import consult_button, fill_links, link_defaults

FEEDBACK = "grounded.feedback"
ASK = "Did this answer your question?"


def grounded_reply(grounded: Grounded, turn: Turn, intent: str = "unknown") -> Reply:
    """The answer, where it comes from, and the feedback buttons; `intent` is what the question was
    understood as (a FAQ topic whose entries don't answer it), else "unknown"."""
    settings = turn.settings
    if not grounded.passages:  # the model found nothing in the knowledge that answers it
        text = (f"I don't know that one from the department's information. The department can help: "
                f"{settings.department_email}.")
        return Reply(_with_notice(text, grounded), "unknown", 0.0,
                     {"reason": "out_of_scope", "grounded": False, "mode": grounded.mode},
                     buttons=(consult_button(),))
    defaults = link_defaults()
    answer = fill_links(grounded.text, settings, defaults)
    if grounded.mode == "llm":
        sources = "\n".join(f"[{n}] {_cite(p)}" for n, p in enumerate(grounded.passages, start=1))
        footer = "Written by a language model from the department's information; check the sources."
    else:
        sources = "; ".join(dict.fromkeys(_cite(p) for p in grounded.passages))
        footer = None
    plural = "s" if grounded.mode == "llm" and len(grounded.passages) > 1 else ""
    text = _with_notice(f"{answer}\n\nSource{plural}: {sources}\n\n{ASK}", grounded)
    buttons = (Button("Yes, thanks", FEEDBACK, f"{grounded.record_id}|yes"),
               Button("No", FEEDBACK, f"{grounded.record_id}|no"))
    data = {"reason": "grounded", "grounded": True, "mode": grounded.mode, "answer_id": grounded.record_id,
            "sources": [{"key": p.key, "source": p.source, "title": p.title} for p in grounded.passages],
            **grounded.data}
    return Reply(text, intent, turn.understanding.confidence, data, buttons=buttons, footer=footer)


def _cite(passage: Passage) -> str:
    """"Partnership database: Board Policy 4265"; the source alone when the title repeats it."""
    return passage.source if passage.title == passage.source else f"{passage.source}: {passage.title}"


def _with_notice(text: str, grounded: Grounded) -> str:
    return f"{grounded.notice}\n\n{text}" if grounded.notice else text


def feedback(message: Message, turn: Turn) -> Reply:
    record, _, verdict = (message.value or "").partition("|")
    helpful = verdict == "yes"
    if not record.isdigit() or verdict not in ("yes", "no") or not record_feedback(
            turn.session, int(record), turn.user, helpful, turn.now):
        return Reply("That button has expired.", "help", 1.0, {"feedback": None})
    if helpful:
        return Reply("Thanks, glad it helped.", "help", 1.0, {"feedback": "yes"})
    return Reply(f"Sorry it didn't. The department can answer it: press the button below or write to "
                 f"{turn.settings.department_email}.", "help", 1.0, {"feedback": "no"},
                 buttons=(consult_button(),))


def register(registry: Registry) -> None:
    registry.action(FEEDBACK)(feedback)
