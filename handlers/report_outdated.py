"""`report_outdated`: a correction to the partnership database becomes a ticket.

A report that already says what is wrong becomes a ticket at once; a vague one
("the list for Leschi is outdated") is a small form that asks what changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot import dialogue
from bot.core import Button, Message, Reply
from bot.turn import Turn
from bot.dialogue import Answer, Form, Prompt, Slot
from bot.models import CorrectionRequest, School
from bot.router import Registry
from handlers.common import school_in_context
from bot.text import clean
from bot.tickets import service
from bot.tickets.service import Actor
from bot.understanding import Understanding, follow_ups

FORM = "report_outdated"
CONTEXT = "report"
SPECIFIC = ("left", "no longer", "moved", "ended", "closed", "stopped", "isn't at", "is not at", "not at",
            "should be", "instead of", "replaced", "remove", "gone", "shut down", "dissolved", "folded",
            "not there", "not working with", "doesn't work with", "does not work with", "doesn't serve",
            "does not serve", "never worked", "wasn't renewed", "not renewed", "pulled out", "dropped",
            "hasn't been", "has not been", "haven't been", "have not been", "since before", "new contact",
            "renamed", "now called", "changed its name", "changed their name", "new name", "phone number",
            "email is", "contact is", "doesn't exist", "does not exist", "went out of business", "merged")
"""Words that say what changed ("X left in June"); "wrong" or "outdated" alone don't."""
VAGUE = ("stale", "outdated", "out of date", "wrong", "inaccurate", "incorrect", "not current", "not accurate",
         "not up to date", "old info", "some of", "who to tell", "who do i tell", "who should i tell",
         "where do i report", "how do i report", "who do i contact")
"""A report that only says something is off: the bot asks what changed."""
SOMETHING_OFF = SPECIFIC + VAGUE + (
    "update", "correct", "correction", "fix", "error", "mistake", "report", "flag", "change", "missing", "add",
    "delete", "duplicate", "twice", "not right", "isn't in", "not in the", "never had", "lost",
    "old", "still shows", "still lists", "still list", "doesn't show", "does not show", "not showing",
    "isn't listed", "not listed", "says", "database lists", "but they", "but we", "but it", "but the",
    "but there", "but that", "now not", "still", "any more", "is now", "are now", "finished", "doesn't come",
    "don't come", "off", "messed up", "bogus", "behind", "isn't current", "isn't accurate", "isn't right",
    "isn't correct", "out of whack")
"""What a correction says, one way or another: that something is off. A message read as a report that
says none of it and asks ("is Heron Arts listed at Lafayette?", "could you pull up the partners listed
for Roxhill?"), or is short and names no organisation ("partner list for Roxhill"), asks for the list."""
LIST_REQUEST_WORDS = 8
"""Longer than this, a statement read as a report is taken as one: reports tell a story."""
SPECIFIC_LENGTH = 14
"""A long report without those words is taken as detailed."""


def _parse_details(answer: Answer) -> str | None:
    """What changed, in the person's words; a school's name alone ("Leschi", answering "what is out of date, and
    at which school?") says where, not what: the school slot takes it and the question is asked again."""
    if not answer.pending or not answer.u.tokens:
        return None
    school = answer.u.entities.school
    if school is not None and school.found and len(answer.u.tokens) - (school.end - school.start) <= 1:
        return None
    return clean(answer.u.text)


def _ask_where(values: dict[str, Any], turn: Turn) -> Prompt:
    return Prompt("Thanks. The department corrects the partnership database from reports like yours: which school "
                  "is it about (or which organisation), so they can find the entry?")


def _parse_where(answer: Answer) -> Any:
    """A school's name (any of its names), or whatever the person says the place is (kept as text)."""
    school = answer.u.entities.school
    if school is not None and school.found:
        return school.found.id
    return clean(answer.u.text) if answer.pending and answer.u.tokens else None


def _next(values: dict[str, Any], turn: Turn) -> str | None:
    if values.get("specific"):  # what changed is said; where is asked once
        return "school" if values.get("school") is None else None
    return "details" if not values.get("details") else None


def _ask_details(values: dict[str, Any], turn: Turn) -> Prompt:
    school = turn.session.get(School, values["school"]) if isinstance(values.get("school"), int) else None
    where = f" for *{school.name}*" if school else ", and at which school"
    return Prompt(f"Thanks. What is out of date{where}? Tell me what should change (for example \"Sound Mentors "
                  "left in June\") and I'll pass it to the department.")


def _complete(values: dict[str, Any], message: Message, turn: Turn) -> Reply:
    said = str(values.get("said") or "")
    where = values.get("school")
    details = str(values.get("details") or (where if isinstance(where, str) else ""))
    text = f"{said} — {details}" if said and details else said or details
    school = where if isinstance(where, int) else None
    return record(message, turn, text, school)


def _describe(values: dict[str, Any], turn: Turn) -> dict[str, Any]:
    school = turn.session.get(School, values["school"]) if isinstance(values.get("school"), int) else None
    return {"ticket_id": None, "school": school.name if school else None}


REPORT = Form(
    name=FORM,
    intent="report_outdated",
    title="report",
    slots=(Slot("school", _ask_where, _parse_where), Slot("details", _ask_details, _parse_details, free_text=True)),
    complete=_complete,
    answer_action="report_outdated.answer",
    next_slot=_next,
    describe=_describe,
    cancelled="OK, nothing was sent.",
)


def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    school = u.entities.school.found.id if u.entities.school and u.entities.school.found else school_in_context(turn)
    specific = u.has(*SPECIFIC) or u.entities.organisation is not None or (
        len(u.tokens) > SPECIFIC_LENGTH and not u.has(*VAGUE))
    if specific and (school is not None or _organisation(u.text, turn) is not None):
        return record(message, turn, u.text, school)
    # A report that doesn't say where ("our building", "that list") would reach the department unfindable.
    return dialogue.start(REPORT, {"school": school, "said": u.text, "specific": specific}, message, turn)


def _organisation(text: str, turn: Turn) -> tuple[int, str] | None:
    return turn.lookups.organisation_in(text) or turn.lookups.organisation_like(text, cutoff=90)


def start(message: Message, turn: Turn) -> Reply:
    """The "Report outdated info" button under a school's partner list."""
    kind, _, ident = (message.value or "").partition("|")
    school = turn.session.get(School, int(ident)) if kind == "school" and ident.isdigit() else None
    return dialogue.start(REPORT, {"school": school.id if school else None, "said": ""}, message, turn)


def record(message: Message, turn: Turn, text: str, school_id: int | None = None) -> Reply:
    match = turn.lookups.schools.find(text)
    if match.found:
        school_id = match.found.id
    org = _organisation(text, turn)
    correction = CorrectionRequest(platform=message.platform, reporter=message.user, text=text,
                                   school_id=school_id, organisation_id=org[0] if org else None, created_at=turn.now)
    turn.session.add(correction)
    requester = Actor.of(message)
    ticket = service.create(turn.session, turn.outbox, requester, "database_correction", text, school_id, turn.now)
    correction.ticket_id = ticket.id
    school = turn.session.get(School, school_id) if school_id else None
    turn.state.remember(CONTEXT, {"ticket": ticket.id}, turn.now)  # what they say next about it joins it
    return Reply(
        f"Thanks for flagging it. I've sent the correction to the department as *{ticket.number}*"
        + (f" (school: {school.name})" if school else "") + "; they'll update the partnership database.",
        "report_outdated", turn.understanding.confidence or 1.0,
        {"ticket_id": ticket.number, "correction_id": correction.id, "school": school.name if school else None},
        buttons=(Button("My requests", "tickets.mine", ""),),
    )


def add_detail(message: Message, turn: Turn, previous: dict[str, Any]) -> Reply | None:
    """Right after a report, a statement that says more about it ("Open Court stopped coming in October", "they
    signed in November, that's the only change") joins that ticket rather than starting something new; a
    question, thanks, or a message plainly about something else does not."""
    u = turn.understanding
    ticket_id = previous.get("ticket")
    if not isinstance(ticket_id, int) or not u.tokens or dialogue.is_question(u) or u.intent == "smalltalk":
        return None
    if not (u.intent in ("report_outdated", "unknown") or u.has(*SPECIFIC) or follow_ups.points_back(u)):
        return None
    try:
        ticket = service.add_from_requester(turn.session, turn.outbox, ticket_id, Actor.of(message), clean(u.text),
                                            turn.now)
    except service.TicketError:
        return None
    correction = turn.session.scalar(select(CorrectionRequest).where(CorrectionRequest.ticket_id == ticket_id))
    if correction is not None:
        correction.text = f"{correction.text}\n{clean(u.text)}"
    return Reply(f"Added to *{ticket.number}*: the department will see it with your report.", "report_outdated",
                 u.confidence or 1.0, {"ticket_id": ticket.number, "added": True},
                 buttons=(Button("My requests", "tickets.mine", ""),))


def states_something_off(u: Understanding) -> str | None:
    """A tie-breaker: a statement (not a question) that a school's or partner's listing is stale, wrong or out of
    date ("Hamilton's partner entries are stale") reports it, however much it reads like a lookup."""
    return "report_outdated" if u.intent == "partners" and u.has(*VAGUE) and not dialogue.is_question(u) else None


def a_list_unless_something_is_off(u: Understanding) -> str | None:
    """A tie-breaker: what reads as a correction but says nothing is off is a request for the list."""
    asks_for_list = u.intent == "report_outdated" and not u.has(*SOMETHING_OFF) and (
        dialogue.is_question(u) or (len(u.tokens) <= LIST_REQUEST_WORDS and not u.entities.organisation))
    return "partners" if asks_for_list else None


def register(registry: Registry) -> None:
    registry.rule(a_list_unless_something_is_off)
    registry.rule(states_something_off)
    registry.refiner(CONTEXT, takes_text=True)(add_detail)
    registry.form(REPORT)
    registry.intent("report_outdated")(handle)
    registry.action("report_outdated.start")(start)
