"""`trainings`: upcoming professional-development sessions, and reminders.

A listing keeps its filters (topic, time window, audience) in the conversation's
context, so "any in the spring?" or "what about RULER?" refines the last one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.core import Button, Message, Reply
from bot.dialogue import is_question
from bot.turn import Turn
from bot.db import insert_ignore
from bot.models import Reminder, TrainingSession
from bot.router import Registry
from bot.trainings.calendar import session_data, upcoming, when
from handlers.training_filters import find_audience, find_topic, find_window
from bot.understanding import Understanding, follow_ups

PAGE = 5
CONTEXT = "trainings"
FOLLOW_UP_WORDS = 8
REMINDER_WORDS = ("my reminders", "my reminder", "list reminders", "show reminders", "cancel reminder",
                  "cancel my reminder")


def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    if u.has(*REMINDER_WORDS):
        return list_reminders(message, turn)
    return _search(u, {}, message, turn)


def refine(message: Message, turn: Turn, previous: dict[str, Any]) -> Reply | None:
    """"any in the spring?", "what about RULER?": the last listing with one filter changed."""
    u = turn.understanding
    if not follow_ups.is_follow_up(u, FOLLOW_UP_WORDS) or u.has(*REMINDER_WORDS):
        return None
    if find_topic(u) is None and find_window(u, turn.now, turn.settings.tz) is None and find_audience(u) is None:
        if not ((follow_ups.unplaced(u) or follow_ups.refers_back(u)) and is_question(u)):
            return None  # "is it online?", "how do I sign up?": the listing again says where and how to register
    return _search(u, previous, message, turn)


def _search(u: Understanding, previous: dict[str, Any], message: Message, turn: Turn) -> Reply:
    tz = turn.settings.tz
    topic = find_topic(u)
    window = find_window(u, turn.now, tz)
    audience = find_audience(u)
    if previous:  # a follow-up keeps what it doesn't change
        earlier = turn.understand(" ".join(str(previous.get(k) or "") for k in ("topic", "window", "audience")))
        topic = topic or find_topic(earlier)
        window = window or find_window(earlier, turn.now, tz)
        audience = audience or previous.get("audience")
    sessions = upcoming(turn.session, turn.now, topic_words=topic[1] if topic else (), window=window, audience=audience)
    topic_label = (sessions[0].topic or topic[0]) if topic and sessions else (topic[0] if topic else None)
    window_label = window.label if window else None
    turn.state.remember(CONTEXT, {"topic": topic[0] if topic else None, "window": window_label, "audience": audience},
                        turn.now)
    return _listing(sessions, 0, topic_label, window_label, audience, turn, message)


def _listing(sessions, offset: int, topic, window_label, audience, turn: Turn, message: Message) -> Reply:  # type: ignore[no-untyped-def]
    tz = turn.settings.tz
    page = sessions[offset : offset + PAGE]
    described = " ".join(x for x in (topic and f"{topic}", "trainings", window_label, audience and f"for {audience}") if x)
    if not sessions:
        text = f"I found no upcoming {described}."
        if topic or window_label or audience:
            text += " Ask \"what trainings are coming up?\" to see the whole calendar."
        buttons: tuple[Button, ...] = (Button("All upcoming trainings", "menu", "upcoming trainings"),)
    else:
        lines = [f"Upcoming {described} ({len(sessions)}):" if offset == 0 else f"More {described}:"]
        for row in page:
            where = f" · {row.location}" if row.location else ""
            lines.append(f"• *{row.title}* ({row.topic or 'general'}), {when(row, tz)}{where}")
            lines.append(f"  Register: {row.registration_url}" if row.registration_url
                         else f"  Register with the department: {turn.settings.department_email}")
        buttons = tuple(Button(f"Remind me: {_short(row.title)}", "trainings.remind", str(row.id)) for row in page)
        if offset + PAGE < len(sessions):
            buttons += (Button("More", "trainings.more", f"{offset + PAGE}|{topic or ''}|{window_label or ''}"),)
        text = "\n".join(lines)
    footer = "Sample calendar: these sessions are examples until the department imports its own." if any(
        s.is_sample for s in page) else None
    return Reply(
        text,
        "trainings",
        turn.understanding.confidence or 1.0,
        {"topic": topic, "window": window_label, "audience": audience,
         "sessions": [session_data(row, tz) for row in page], "total": len(sessions), "offset": offset},
        buttons=buttons,
        footer=footer,
    )


def _short(title: str) -> str:
    return title if len(title) <= 40 else title[:39] + "…"


def more(message: Message, turn: Turn) -> Reply:
    offset_text, topic, window_label = ((message.value or "0||").split("|") + ["", ""])[:3]
    turn.understanding = turn.understand(f"{topic} trainings {window_label}")
    found = find_topic(turn.understanding)
    window = find_window(turn.understanding, turn.now, turn.settings.tz)
    sessions = upcoming(turn.session, turn.now, topic_words=found[1] if found else (), window=window)
    offset = int(offset_text) if offset_text.isdigit() else 0
    return _listing(sessions, offset, topic or None, window_label or None, None, turn, message)


def remind(message: Message, turn: Turn) -> Reply:
    session_id = int(message.value) if (message.value or "").isdigit() else -1
    row = turn.session.get(TrainingSession, session_id)
    if row is None or row.cancelled:
        return Reply("That session is no longer on the calendar.", "trainings", 1.0, {"reminder": None})
    tz = turn.settings.tz
    insert_ignore(turn.session, Reminder, {"session_id": row.id, "platform": message.platform, "user_id": message.user,
                                           "channel": message.channel, "created_at": turn.now},
                  ("session_id", "platform", "user_id"))
    return Reply(
        f"Done: I'll message you the day before *{row.title}* ({when(row, tz)}). Say \"my reminders\" to see or cancel them.",
        "trainings",
        1.0,
        {"reminder": {"session_id": row.id, "title": row.title}, "sessions": [session_data(row, tz)], "topic": row.topic},
        buttons=(Button("My reminders", "trainings.reminders", ""),),
    )


def list_reminders(message: Message, turn: Turn) -> Reply:
    tz = turn.settings.tz
    rows = list(turn.session.scalars(
        select(Reminder).join(Reminder.session).where(
            Reminder.platform == message.platform, Reminder.user_id == message.user, Reminder.sent_at.is_(None),
            TrainingSession.starts_at > turn.now).order_by(TrainingSession.starts_at)))
    if not rows:
        return Reply("You have no training reminders. Press *Remind me* on a session to add one.", "trainings", 1.0,
                     {"reminders": [], "sessions": [], "topic": None},
                     buttons=(Button("Upcoming trainings", "menu", "upcoming trainings"),))
    lines = ["Your training reminders:"] + [f"• *{r.session.title}*, {when(r.session, tz)}" for r in rows]
    return Reply(
        "\n".join(lines),
        "trainings",
        1.0,
        {"reminders": [{"id": r.id, "session_id": r.session_id, "title": r.session.title} for r in rows],
         "sessions": [session_data(r.session, tz) for r in rows], "topic": None},
        buttons=tuple(Button(f"Cancel: {_short(r.session.title)}", "trainings.cancel_reminder", str(r.id)) for r in rows[:5]),
    )


def cancel_reminder(message: Message, turn: Turn) -> Reply:
    reminder_id = int(message.value) if (message.value or "").isdigit() else -1
    row = turn.session.get(Reminder, reminder_id)
    if row is None or row.user_id != message.user or row.platform != message.platform:
        return Reply("I couldn't find that reminder; it may already be cancelled.", "trainings", 1.0, {"reminder": None})
    title = row.session.title
    turn.session.delete(row)
    return Reply(f"Cancelled your reminder for *{title}*.", "trainings", 1.0, {"cancelled_reminder": reminder_id})


def register(registry: Registry) -> None:
    registry.intent("trainings")(handle)
    registry.refiner(CONTEXT)(refine)
    registry.action("trainings.more")(more)
    registry.action("trainings.remind")(remind)
    registry.action("trainings.reminders")(list_reminders)
    registry.action("trainings.cancel_reminder")(cancel_reminder)
