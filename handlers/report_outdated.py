"""`report_outdated`: a correction to the partnership database becomes a ticket.

A report that already says what is wrong becomes a ticket at once; a vague one
("the list for Leschi is outdated") first asks what should change.
"""

from __future__ import annotations

from bot.core import Button, Message, Reply, Turn
from bot.directory.queries import organisations
from bot.directory.schools import directory
from bot.models import CorrectionRequest, School
from bot.router import registry
from bot.tickets import service
from bot.tickets.service import Actor

FLOW = "report_outdated"
SPECIFIC = ("but", "left", "no longer", "moved", "ended", "closed", "stopped", "isn't", "is not", "not at", "anymore",
            "should be", "instead", "wrong", "missing", "new", "remove", "add")
SPECIFIC_LENGTH = 10
CANCEL = ("cancel", "never mind", "nevermind", "forget it")


@registry.intent("report_outdated")
def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    match = directory.index(turn.session).find(u.text)
    school_id = match.found.id if match.found else None
    specific = len(u.tokens) > SPECIFIC_LENGTH or u.has(*SPECIFIC) or organisations.mentioned(turn.session, u.text)
    if specific:
        return record(message, turn, u.text, school_id)
    return _ask_details(turn, school_id, u.text)


def _ask_details(turn: Turn, school_id: int | None, said: str) -> Reply:
    school = turn.session.get(School, school_id) if school_id else None
    turn.state.start(FLOW, school_id=school_id, said=said)
    where = f" for *{school.name}*" if school else ""
    return Reply(f"Thanks. What is out of date{where}? Tell me what should change (for example \"Sound Mentors "
                 "left in June\") and I'll pass it to the department.",
                 "report_outdated", turn.understanding.confidence or 1.0,
                 {"ticket_id": None, "asking": "details", "school": school.name if school else None},
                 buttons=(Button("Cancel", "report_outdated.cancel", ""),))


@registry.follow_up(FLOW)
def on_details(message: Message, turn: Turn) -> Reply | None:
    u = turn.understanding
    school_id, said = turn.state.data.get("school_id"), str(turn.state.data.get("said") or "")
    turn.state.clear()
    if u.has(*CANCEL) and len(u.tokens) <= 3:
        return cancel(message, turn)
    if u.intent not in ("report_outdated", "unknown", "partners") and u.confidence >= 0.7:
        return None
    text = f"{said} — {u.text}" if said else u.text
    return record(message, turn, text, school_id)


@registry.action("report_outdated.start")
def start(message: Message, turn: Turn) -> Reply:
    kind, _, ident = (message.value or "").partition("|")
    school = turn.session.get(School, int(ident)) if kind == "school" and ident.isdigit() else None
    return _ask_details(turn, school.id if school else None, "")


@registry.action("report_outdated.cancel")
def cancel(message: Message, turn: Turn) -> Reply:
    if turn.state.flow == FLOW:
        turn.state.clear()
    return Reply("OK, nothing was sent.", "report_outdated", 1.0, {"ticket_id": None, "cancelled": True})


def record(message: Message, turn: Turn, text: str, school_id: int | None = None) -> Reply:
    match = directory.index(turn.session).find(text)
    if match.found:
        school_id = match.found.id
    org = organisations.mentioned(turn.session, text) or organisations.find(turn.session, text, cutoff=90)
    correction = CorrectionRequest(platform=message.platform, reporter=message.user, text=text,
                                   school_id=school_id, organisation_id=org[0] if org else None, created_at=turn.now)
    turn.session.add(correction)
    requester = Actor(message.platform, message.user, message.user_name or "", message.channel)
    ticket = service.create(turn.session, turn.settings, requester, "database_correction", text, school_id, turn.now)
    correction.ticket_id = ticket.id
    school = turn.session.get(School, school_id) if school_id else None
    return Reply(
        f"Thanks for flagging it. I've sent the correction to the department as *{ticket.number}*"
        + (f" (school: {school.name})" if school else "") + "; they'll update the partnership database.",
        "report_outdated", turn.understanding.confidence or 1.0,
        {"ticket_id": ticket.number, "correction_id": correction.id, "school": school.name if school else None},
        buttons=(Button("My requests", "tickets.mine", ""),),
    )
