"""`report_outdated`: a correction to the partnership database becomes a ticket."""

from __future__ import annotations

from bot.core import Button, Message, Reply, Turn
from bot.directory.queries import organisations
from bot.directory.schools import directory
from bot.models import CorrectionRequest, School
from bot.router import registry
from bot.tickets import service
from bot.tickets.service import Actor

FLOW = "report_outdated"


@registry.intent("report_outdated")
def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    if len(u.tokens) <= 4 and not directory.index(turn.session).find(u.text).found:
        turn.state.start(FLOW)
        return Reply("What is out of date? Tell me the school and what should change "
                     "(for example \"the database says Sound Mentors is at Lowell but they left\").",
                     "report_outdated", u.confidence, {"ticket_id": None, "asking": "details"})
    return record(message, turn, u.text)


@registry.follow_up(FLOW)
def on_details(message: Message, turn: Turn) -> Reply | None:
    turn.state.clear()
    if turn.understanding.intent not in ("report_outdated", "unknown", "partners") and turn.understanding.confidence >= 0.7:
        return None
    return record(message, turn, turn.understanding.text)


@registry.action("report_outdated.start")
def start(message: Message, turn: Turn) -> Reply:
    kind, _, ident = (message.value or "").partition("|")
    school = turn.session.get(School, int(ident)) if kind == "school" and ident.isdigit() else None
    turn.state.start(FLOW)
    where = f" for *{school.name}*" if school else ""
    return Reply(f"What is out of date{where}? Tell me what should change and I'll pass it to the department.",
                 "report_outdated", 1.0, {"ticket_id": None, "asking": "details",
                                          "school": school.name if school else None})


def record(message: Message, turn: Turn, text: str) -> Reply:
    match = directory.index(turn.session).find(text)
    school_id = match.found.id if match.found else None
    org = None
    for chunk in (text,):
        org = organisations.find(turn.session, chunk, cutoff=90)
    correction = CorrectionRequest(platform=message.platform, reporter=message.user, text=text,
                                   school_id=school_id, organisation_id=org[0] if org else None, created_at=turn.now)
    turn.session.add(correction)
    ticket = service.create(turn.session, turn.settings, Actor(message.platform, message.user, message.user_name or "",
                                                                 message.channel),
                            "database_correction", text, school_id, turn.now)
    correction.ticket_id = ticket.id
    school = match.found.name if match.found else None
    return Reply(
        f"Thanks for flagging it. I've sent the correction to the department as *{ticket.number}*"
        + (f" (school: {school})" if school else "") + "; they'll update the partnership database.",
        "report_outdated", turn.understanding.confidence or 1.0,
        {"ticket_id": ticket.number, "correction_id": correction.id, "school": school},
        buttons=(Button("My requests", "tickets.mine", ""),),
    )
