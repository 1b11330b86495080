"""The learning loop in chat: department staff see what the bot couldn't answer and teach it.

"unanswered questions" (staff only) lists this month's unanswered or unsure
questions with a Teach button each; Teach offers the intents; the choice is
stored as a taught example, and the running bots retrain within a minute.
"""

from __future__ import annotations

import datetime as dt

from bot.core import Button, Message, Reply
from bot.turn import Turn
from bot.insights import build_report, month_window
from bot.router import Registry
from bot.tickets.service import is_staff
from bot.understanding import Understanding
from bot.understanding.learning import teach, teachable_intents
from knowledge import intent_summaries

REPORT_PHRASES = ("unanswered question", "unanswered questions", "questions you couldn't answer",
                  "what couldn't you answer", "what could you not answer", "teach report", "questions to teach")
SHOWN = 5


def _staff(message: Message, turn: Turn) -> bool:
    return is_staff(turn.session, turn.settings, message.platform, message.user)


def asks_for_report(u: Understanding, turn: Turn) -> bool:
    return len(u.tokens) <= 8 and u.has(*REPORT_PHRASES) and _staff(turn.message, turn)


def unanswered(message: Message, turn: Turn) -> Reply:
    start, end = month_window(turn.now.astimezone(turn.settings.tz))
    report = build_report(turn.session, start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc))
    items = report.unanswered[:SHOWN]
    if not items:
        return Reply("Nothing unanswered this month.", "help", 1.0, {"unanswered": []})
    lines = ["Questions I couldn't answer (or wasn't sure about) this month:"]
    lines += [f"• {item['count']}× \"{item['text']}\" (best guess: {item['best_guess'] or '-'})" for item in items]
    lines.append("Press Teach to file one under the right topic; I'll learn it within a minute.")
    buttons = tuple(Button(f"Teach: {str(item['text'])[:40]}", "teach.pick", str(item["text"])) for item in items)
    return Reply("\n".join(lines), "help", 1.0, {"unanswered": items}, buttons=buttons)


def pick(message: Message, turn: Turn) -> Reply:
    if not _staff(message, turn):
        return _refused()
    text = message.value or ""
    summaries = intent_summaries()
    buttons = tuple(Button(summaries.get(name, name)[:60], "teach.file", f"{name}|{text}") for name in teachable_intents())
    return Reply(f"Which topic is \"{text}\" about?", "help", 1.0, {"teaching": text}, buttons=buttons)


def file(message: Message, turn: Turn) -> Reply:
    if not _staff(message, turn):
        return _refused()
    intent, _, text = (message.value or "").partition("|")
    if intent not in teachable_intents() or not text.strip():
        return Reply("That button has expired; ask for the unanswered questions again.", "help", 1.0, {"taught": None})
    added = teach(turn.session, text.strip(), intent, f"{message.platform}:{message.user}", turn.now)
    lead = "Thanks, filed" if added else "Already filed"
    return Reply(f"{lead}: \"{text.strip()}\" is a {intent.replace('_', ' ')} question. I'll use it within a minute.",
                 "help", 1.0, {"taught": {"text": text.strip(), "intent": intent, "new": added}})


def _refused() -> Reply:
    return Reply("Sorry, only the partnerships department staff can teach me.", "help", 1.0, {"refused": "teach"})


def register(registry: Registry) -> None:
    registry.command(asks_for_report)(unanswered)
    registry.action("teach.pick")(pick)
    registry.action("teach.file")(file)
