"""`consultation`: a short intake conversation that ends in a ticket.

Asks only for what the first message did not say: the topic (buttons), the
school (optional) and a description, then confirms and creates the ticket.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from bot.core import Button, Message, Reply, Turn
from bot.directory.schools import directory
from bot.models import School
from bot.nlu import Understanding
from bot.router import registry
from bot.text import clean, truncate
from bot.tickets import service
from bot.tickets.service import Actor, topic_label, topics

FLOW = "consultation"
REQUEST_WORDS = frozenset(
    "i need want would like to a an the consultation consult request please can could we talk speak with someone "
    "about on for help partnership partnerships department ask open new ticket get have question schedule meeting "
    "set up my our this that me some".split()
)
MIN_DESCRIPTION_WORDS = 5
STEP_ASIDE_CONFIDENCE = 0.5
"""While asking for a topic or school, a message this clearly about something else leaves the intake."""
NO_SCHOOL = ("no school", "none", "no specific", "not school specific", "n/a", "na", "district wide", "skip", "no")
YES = ("yes", "y", "create", "confirm", "ok", "okay", "sure", "submit", "go ahead", "send")
NO = ("no", "cancel", "stop", "never mind", "nevermind", "forget it")


@dataclass
class Draft:
    topic: str | None = None
    school_id: int | None = None
    school_asked: bool = False
    description: str | None = None

    @classmethod
    def load(cls, data: dict) -> "Draft":
        return cls(**{k: v for k, v in data.get("draft", {}).items() if k in cls.__dataclass_fields__})


def guess_topic(u: Understanding) -> str | None:
    best: tuple[int, str] | None = None
    for code, body in topics().items():
        hits = sum(1 for cue in body.get("cues") or () if u.has(cue))
        if hits and (best is None or hits > best[0]):
            best = (hits, code)
    return best[1] if best else None


def substantive(u: Understanding) -> bool:
    """Whether the message says more than "I need a consultation"."""
    return len([t for t in u.tokens if t not in REQUEST_WORDS]) >= MIN_DESCRIPTION_WORDS


EXPLICIT_REQUEST = ("need a consultation", "like a consultation", "want a consultation", "request a consultation",
                    "open a consultation", "book a consultation", "schedule a consultation", "request consult",
                    "open a ticket", "talk to someone", "speak to someone", "speak with someone", "talk with someone",
                    "talk it through", "walk me through", "consult with me", "meet with me", "real person",
                    "someone on your team", "member of the department", "set up a time", "someone from the department",
                    "someone from your office", "talk to a human", "talk to a person", "open a consult",
                    "submit a consultation", "talk with the department", "talk to the department")


@registry.booster
def explicit_request(u: Understanding, turn: Turn) -> dict[str, float]:
    """"I need a consultation about X" is a request, whatever X is about."""
    asking_status = u.has("status", "my consultation request", "my consult request", "any update", "been resolved")
    return {"consultation": 10.0} if u.has(*EXPLICIT_REQUEST) and not asking_status else {}


@registry.intent("consultation")
def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    draft = Draft(topic=guess_topic(u))
    match = directory.index(turn.session).find(u.text)
    if match.found:
        draft.school_id, draft.school_asked = match.found.id, True
    if substantive(u):
        draft.description = clean(message.text)
        if draft.topic is None:
            draft.topic = "other"
        if not draft.school_asked:
            draft.school_asked = True
        return _create(draft, message, turn)
    return _next_step(draft, message, turn)


@registry.action("consultation.start")
def start(message: Message, turn: Turn) -> Reply:
    draft = Draft(topic=message.value if message.value in topics() else None)
    return _next_step(draft, message, turn)


def _next_step(draft: Draft, message: Message, turn: Turn) -> Reply:
    if draft.topic is None:
        return _ask(draft, turn, "topic", "What is the consultation about?",
                    tuple(Button(body["label"], "consultation.answer", f"topic={code}") for code, body in topics().items()))
    if not draft.school_asked:
        return _ask(draft, turn, "school", "Which school is it about? Type the school's name, or press the button.",
                    (Button("No specific school", "consultation.answer", "school=none"),))
    if not draft.description:
        return _ask(draft, turn, "description", "In a sentence or two, what do you need help with?", ())
    return _confirm(draft, turn)


def _ask(draft: Draft, turn: Turn, asking: str, text: str, buttons: tuple[Button, ...]) -> Reply:
    turn.state.start(FLOW, draft=asdict(draft), asking=asking)
    return Reply(text, "consultation", turn.understanding.confidence or 1.0,
                 {"ticket_id": None, "asking": asking, "draft": asdict(draft)},
                 buttons=buttons + (Button("Cancel", "consultation.cancel", ""),))


def _school_name(turn: Turn, school_id: int | None) -> str:
    school = turn.session.get(School, school_id) if school_id else None
    return school.name if school else "no specific school"


def _confirm(draft: Draft, turn: Turn) -> Reply:
    turn.state.start(FLOW, draft=asdict(draft), asking="confirm")
    text = (
        "Shall I send this to the department?\n"
        f"Topic: {topic_label(draft.topic or 'other')}\n"
        f"School: {_school_name(turn, draft.school_id)}\n"
        f"Request: {truncate(draft.description or '', 500, '… (full text kept)')}"
    )
    return Reply(text, "consultation", turn.understanding.confidence or 1.0,
                 {"ticket_id": None, "asking": "confirm", "draft": asdict(draft)},
                 buttons=(Button("Send request", "consultation.confirm", ""), Button("Cancel", "consultation.cancel", "")))


def _create(draft: Draft, message: Message, turn: Turn) -> Reply:
    requester = Actor(message.platform, message.user, message.user_name or "", message.channel)
    ticket = service.create(turn.session, turn.settings, requester, draft.topic or "other", draft.description or "",
                            draft.school_id, turn.now)
    if turn.state.flow == FLOW:
        turn.state.clear()
    notice = ""
    if draft.description and len(draft.description) > 2000:
        notice = " Your description was long: the department sees a preview first, and the full text is kept in the ticket."
    return Reply(
        f"Thanks! I've opened *{ticket.number}* ({topic_label(ticket.topic)}) and let the department know. "
        f"You'll hear here when someone picks it up. Say \"status of {ticket.number}\" any time.{notice}",
        "consultation", 1.0,
        {"ticket_id": ticket.number, "status": ticket.status, "topic": ticket.topic,
         "school": _school_name(turn, draft.school_id) if draft.school_id else None},
        buttons=(Button("My requests", "tickets.mine", ""),),
    )


@registry.action("consultation.answer")
def on_answer(message: Message, turn: Turn) -> Reply:
    field, _, value = (message.value or "").partition("=")
    draft = Draft.load(turn.state.data) if turn.state.flow == FLOW else Draft()
    if field == "topic":
        draft.topic = value if value in topics() else "other"
    elif field == "school":
        draft.school_asked = True
        school_id = int(value) if value.isdigit() else None
        draft.school_id = school_id if school_id and turn.session.get(School, school_id) else None
    return _next_step(draft, message, turn)


@registry.action("consultation.confirm")
def on_confirm(message: Message, turn: Turn) -> Reply:
    if turn.state.flow != FLOW:
        return Reply("That request was already sent or cancelled. Say \"I need a consultation\" to start a new one.",
                     "consultation", 1.0, {"ticket_id": None})
    draft = Draft.load(turn.state.data)
    if not draft.description:
        return _next_step(draft, message, turn)
    return _create(draft, message, turn)


@registry.action("consultation.cancel")
def on_cancel(message: Message, turn: Turn) -> Reply:
    if turn.state.flow == FLOW:
        turn.state.clear()
    return Reply("OK, I didn't send anything.", "consultation", 1.0, {"ticket_id": None, "cancelled": True})


@registry.follow_up(FLOW)
def on_follow_up(message: Message, turn: Turn) -> Reply | None:
    u = turn.understanding
    draft = Draft.load(turn.state.data)
    asking = turn.state.data.get("asking")
    if u.has(*NO) and len(u.tokens) <= 3 and asking != "school":
        return on_cancel(message, turn)
    if asking == "confirm":
        if u.has(*YES):
            return _create(draft, message, turn)
        turn.state.clear()
        return None
    if asking == "topic":
        topic = guess_topic(u)
        if topic is None and u.intent not in ("consultation", "unknown") and u.confidence >= STEP_ASIDE_CONFIDENCE:
            turn.state.clear()
            return None
        draft.topic = topic or "other"
        if topic is None:
            draft.description = u.text
        return _next_step(draft, message, turn)
    if asking == "school":
        match = directory.index(turn.session).find(u.text)
        if match.found:
            draft.school_id, draft.school_asked = match.found.id, True
            return _next_step(draft, message, turn)
        if match.ambiguous:
            return _ask(draft, turn, "school", f"Which {match.span.title()} do you mean?",
                        tuple(Button(s.name, "consultation.answer", f"school={s.id}") for s in match.schools[:5])
                        + (Button("No specific school", "consultation.answer", "school=none"),))
        if u.has(*NO_SCHOOL):
            draft.school_asked = True
            return _next_step(draft, message, turn)
        if u.intent not in ("consultation", "unknown") and u.confidence >= STEP_ASIDE_CONFIDENCE:
            turn.state.clear()  # a new question, not a school name: answer it instead
            return None
        return _ask(draft, turn, "school", "I couldn't find that school. Type its name again, or press No specific school.",
                    (Button("No specific school", "consultation.answer", "school=none"),))
    if asking == "description":
        draft.description = clean(message.text)
        return _next_step(draft, message, turn)
    return None


MIN_FORM_DESCRIPTION = 10


@registry.action("consultation.form")
def on_form(message: Message, turn: Turn) -> Reply:
    """A submitted intake form (Slack modal, Teams card): validated field by field."""
    try:
        form = json.loads(message.value or "{}")
    except ValueError:
        form = {}
    if not isinstance(form, dict):
        form = {}
    errors: dict[str, str] = {}
    topic = form.get("topic") if form.get("topic") in topics() else "other"
    description = clean(str(form.get("description") or ""))
    if len(description) < MIN_FORM_DESCRIPTION:
        errors["description"] = "Please describe what you need in a sentence or two."
    school_text = clean(str(form.get("school") or ""))
    school_id = None
    if school_text:
        match = directory.index(turn.session).find(school_text)
        if match.found:
            school_id = match.found.id
        elif match.ambiguous:
            errors["school"] = "That name fits several schools: " + ", ".join(s.name for s in match.schools[:4]) + "."
        else:
            errors["school"] = "I couldn't find that school. Check the name, or leave it empty."
    if errors:
        return Reply("Please fix the highlighted fields.", "consultation", 1.0, {"ticket_id": None, "errors": errors})
    return _create(Draft(topic=topic, school_id=school_id, school_asked=True, description=description), message, turn)
