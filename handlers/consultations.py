"""`consultation`: a request to the department, collected as a form, confirmed, then a ticket.

The form always has a topic, a school (or "no specific school") and a
description, pre-filled from whatever the first message already says, and is
confirmed before the ticket exists. The same request from the same person
within a day is not a second ticket.
"""

from __future__ import annotations

import json
from typing import Any

from bot import dialogue
from bot.core import Button, FormField, FormPart, Message, Reply
from bot.turn import Turn
from bot.dialogue import Answer, Form, Prompt, Slot
from bot.models import School
from bot.router import Registry
from bot.state import ConversationState
from bot.text import clean, truncate
from bot.tickets import service
from bot.tickets.service import Actor, topic_label, topics
from bot.understanding import Understanding
from bot.understanding.tokens import STOPWORDS
from handlers import email_updates

FORM = "consultation"
ANSWER_ACTION = "consultation.answer"
REQUEST_WORDS = frozenset(
    "i need want would like to a an the consultation consult request please can could we talk speak with someone "
    "about on for help partnership partnerships department ask open new ticket get have question schedule meeting "
    "set up my our this that me some hi hello hey regarding re".split()
)
MIN_DESCRIPTION_WORDS = 3
"""A message describes the request when it has this many words beyond "I need a consultation", the topic's
own words and the school's name ("renewing ... reading partner" does; "data sharing at Franklin High" doesn't)."""
NO_SCHOOL = ("no school", "none", "no specific", "not school specific", "not specific", "n/a", "district wide",
             "districtwide", "skip", "not a school", "all schools", "several schools", "many schools", "no particular",
             "not about a school", "not one school", "central office", "doesn't matter", "does not matter")
YES = ("yes", "y", "yep", "yeah", "yup", "create", "confirm", "ok", "okay", "sure", "submit", "go ahead", "send",
       "looks good", "look good", "correct", "that's right", "thats right", "please do", "do it", "sounds good",
       "perfect", "great", "right")
NO = ("no", "nope", "don't send", "do not send", "not yet", "wait", "hold on", "hold off")
ANSWER_WORDS = frozenset(w for phrase in YES + NO for w in phrase.replace("'", "").split())
OTHER_TOPIC = ("other", "something else", "general", "none of these", "none of those", "not sure")
MIN_FORM_DESCRIPTION = 10
EXPLICIT_REQUEST = ("consultation", "consult", "meet with", "meeting with", "talk to someone", "speak to someone",
                    "speak with someone", "talk with someone", "talk it through", "walk me through", "real person",
                    "someone on your team", "member of the department", "set up a time", "someone from the department",
                    "someone from your office", "talk to a human", "talk to a person", "open a ticket",
                    "talk with the department", "talk to the department", "sit down with", "book a call",
                    "schedule a call", "hop on a call", "a call with")


REQUEST_PHRASES = ("consult request", "consultation request", "a consult", "a consultation", "put in a request",
                   "consultation about", "consultation on", "consultation regarding", "consultation for",
                   "consultation re", "consult about", "consult on", "consult with", "consultation with",
                   "talk to someone", "speak to someone", "speak with someone", "talk with someone",
                   "talk to the department", "talk with the department", "meet with the department",
                   "meet with someone", "set up a meeting", "set up a time", "open a ticket", "submit a request")
STATUS_WORDS = ("status", "update on", "any news", "still open", "been resolved", "my request", "my consultation",
                "my ticket", "where is my", "what happened to my")


def asks_for_consultation(u: Understanding) -> list[str]:
    """An explicit request to talk to the department: the classifier weighs it against the topic."""
    return ["asks_consultation"] if u.has(*EXPLICIT_REQUEST) else []


def explicit_request(u: Understanding) -> str | None:
    """"I need a consultation about our DSA" (or a message that starts "Consult: ...") is a request,
    whatever it is about: a tie-breaker."""
    leads = u.opens_with("consultation", "consult")
    return "consultation" if (leads or u.has(*REQUEST_PHRASES)) and not u.has(*STATUS_WORDS) else None


INTENT_WEIGHT = 2.0
"""How much the classifier's reading counts against topic words (a cue counts 1)."""


def guess_topic(u: Understanding) -> str | None:
    """The topic whose words the message uses, weighed with what the message reads as
    ("the PTA's coach hasn't been cleared" is a background-check question, whatever else it names)."""
    best: tuple[float, str] | None = None
    for code, body in topics().items():
        hits = sum(1 for cue in body.get("cues") or () if u.has(cue))
        if not hits:
            continue
        score = hits + INTENT_WEIGHT * u.scores.get(str(body.get("intent") or ""), 0.0)
        if best is None or score > best[0]:
            best = (score, code)
    return best[1] if best else None


def substantive(u: Understanding) -> bool:
    """Whether the message says more than "I need a consultation about data sharing at Franklin High"."""
    named = set(u.entities.school.span.split()) if u.entities.school else set()
    named |= {"high", "elementary", "middle", "school", "k", "8", "hs", "ms"} if named else set()
    cue_words = {w for body in topics().values() for cue in body.get("cues") or () for w in cue.split()}
    content = [t for t in u.tokens if t not in REQUEST_WORDS and t not in STOPWORDS and t not in ANSWER_WORDS
               and t not in named and t not in cue_words]
    return len(content) >= MIN_DESCRIPTION_WORDS


# ---- slots ---------------------------------------------------------------------------------

def _parse_topic(answer: Answer) -> str | None:
    found = guess_topic(answer.u)
    if found or not answer.pending:
        return found
    return "other" if answer.u.has(*OTHER_TOPIC) else None


def _parse_school(answer: Answer) -> Any:
    school = answer.u.entities.school
    if school is not None and school.found:
        return school.found.id
    if answer.pending:
        if school is not None and school.ambiguous:
            return {"choose": [s.id for s in school.schools[:6]], "said": school.span}
        if answer.u.has(*NO_SCHOOL) or answer.u.normalised in ("no", "nope"):
            return "none"
    return None


def _parse_description(answer: Answer) -> str | None:
    u = answer.u
    typed = clean(answer.turn.message.text) or u.text  # the whole text: understanding reads only the start
    if answer.pending and len(u.tokens) >= 2:
        return typed
    return typed if substantive(u) else None


def _parse_confirm(answer: Answer) -> str | None:
    u = answer.u
    if not answer.pending or substantive(u):
        return None  # "ok. the partner also needs..." adds to the request; it doesn't send it
    if u.has(*NO) and not u.has("no problem"):
        return "no"
    if u.has(*YES):
        return "yes"
    return None


def _ask_topic(values: dict[str, Any], turn: Turn) -> Prompt:
    return Prompt("What is the consultation about?",
                  tuple(Button(body["label"], ANSWER_ACTION, f"topic={code}") for code, body in topics().items()))


def _ask_school(values: dict[str, Any], turn: Turn) -> Prompt:
    no_school = Button("No specific school", ANSWER_ACTION, "school=none")
    choice = values.get("school")
    if isinstance(choice, dict) and choice.get("choose"):
        refs = [turn.session.get(School, sid) for sid in choice["choose"]]
        buttons = tuple(Button(s.name, ANSWER_ACTION, f"school={s.id}") for s in refs if s is not None)
        return Prompt(f"Which {str(choice.get('said') or 'school').title()} do you mean?", buttons + (no_school,))
    return Prompt("Which school is it about? Type the school's name, or press the button.", (no_school,))


def _ask_description(values: dict[str, Any], turn: Turn) -> Prompt:
    return Prompt("In a sentence or two, what do you need help with?")


def _ask_confirm(values: dict[str, Any], turn: Turn) -> Prompt:
    text = (
        "Shall I send this to the department?\n"
        f"Topic: {topic_label(values.get('topic') or 'other')}\n"
        f"School: {_school_name(turn, values.get('school'))}\n"
        f"Request: {truncate(values.get('description') or '', 500, '… (full text kept)')}"
    )
    return Prompt(text, (Button("Send request", ANSWER_ACTION, "confirm=yes"),))


def _topic_from_button(value: str, turn: Turn) -> str:
    return value if value in topics() else "other"


def _school_from_button(value: str, turn: Turn) -> Any:
    if value.isdigit() and turn.session.get(School, int(value)) is not None:
        return int(value)
    return "none"


def _school_name(turn: Turn, school: Any) -> str:
    row = turn.session.get(School, school) if isinstance(school, int) else None
    return row.name if row else "no specific school"


def _next(values: dict[str, Any], turn: Turn) -> str | None:
    for name in ("topic", "school", "description"):
        value = values.get(name)
        if value in (None, "", dialogue.UNSURE) or isinstance(value, dict):
            return name
    return None if values.get("confirm") in ("yes", "no") else "confirm"


def _apply(values: dict[str, Any], filled: dict[str, Any]) -> dict[str, Any]:
    merged = {**values, **filled}
    if "confirm" not in filled and values.get("confirm") is None:
        merged.pop("confirm", None)
    if "confirm" not in filled and any(k in filled for k in ("topic", "school", "description")):
        merged["confirm"] = None  # something changed: confirm again
    return merged


def _describe(values: dict[str, Any], turn: Turn) -> dict[str, Any]:
    draft = {k: v for k, v in values.items() if k in ("topic", "description") and v}
    if isinstance(values.get("school"), int) or values.get("school") == "none":
        draft["school"] = _school_name(turn, values["school"])
    return {"ticket_id": None, "draft": draft}


def _complete(values: dict[str, Any], message: Message, turn: Turn) -> Reply:
    if values.get("confirm") == "no":
        return Reply("OK, I didn't send anything.", "consultation", 1.0, {"ticket_id": None, "cancelled": True})
    school = values.get("school") if isinstance(values.get("school"), int) else None
    return create(message, turn, values.get("topic") or "other", values.get("description") or "", school)


def intake_form(turn: Turn, values: dict[str, Any], asked_in: str, errors: dict[str, str] | None = None,
                school_text: str = "") -> FormPart:
    """The whole request as one form (a Teams card, a Slack modal); `asked_in` is the conversation whose
    open intake the submission closes."""
    errors = errors or {}
    school = school_text or (_school_name(turn, values["school"]) if isinstance(values.get("school"), int) else "")
    return FormPart("Ask the department", (
        FormField("topic", "Topic", "choice", tuple((code, body["label"]) for code, body in topics().items()),
                  value=str(values.get("topic") or "other"), error=errors.get("topic", "")),
        FormField("school", "School", value=school, optional=True, placeholder="Any of its names, e.g. Rainier Beach",
                  error=errors.get("school", "")),
        FormField("description", "What do you need?", "multiline", value=str(values.get("description") or ""),
                  error=errors.get("description", "")),
    ), Button("Send request", "consultation.form", asked_in))


def _draw(values: dict[str, Any], slot: str, turn: Turn) -> FormPart | None:
    return intake_form(turn, values, turn.message.conversation_key) if slot == "topic" else None


INTAKE = Form(
    name=FORM,
    intent="consultation",
    title="consultation request",
    slots=(
        Slot("topic", _ask_topic, _parse_topic, _topic_from_button),
        Slot("school", _ask_school, _parse_school, _school_from_button),
        Slot("description", _ask_description, _parse_description, free_text=True),
        Slot("confirm", _ask_confirm, _parse_confirm),
    ),
    complete=_complete,
    answer_action=ANSWER_ACTION,
    next_slot=_next,
    describe=_describe,
    apply=_apply,
    cancelled="OK, I didn't send anything.",
    draw=_draw,
)


def _prefill(u: Understanding, turn: Turn) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for slot in INTAKE.slots:
        value = slot.parse(Answer(u, turn, values, pending=False))
        if value is not None:
            values[slot.name] = value
    return values


def handle(message: Message, turn: Turn) -> Reply:
    values = _prefill(turn.understanding, turn)
    if values.get("description") and not values.get("topic"):
        values["topic"] = "other"
    return dialogue.start(INTAKE, values, message, turn)


def start(message: Message, turn: Turn) -> Reply:
    """The "Ask the department" button (its value may name the topic)."""
    values = {"topic": message.value} if message.value in topics() else {}
    return dialogue.start(INTAKE, values, message, turn)


def create(message: Message, turn: Turn, topic: str, description: str, school_id: int | None) -> Reply:
    requester = Actor.of(message)
    duplicate = service.recent_duplicate(turn.session, requester, topic, description, school_id, turn.now)
    if duplicate is not None:
        return Reply(
            f"You already sent this request as *{duplicate.number}* ({duplicate.status}), so I didn't open another. "
            f"Say \"status of {duplicate.number}\" to see where it stands, or add details there.",
            "consultation", 1.0, {"ticket_id": duplicate.number, "duplicate": True, "status": duplicate.status},
            buttons=(Button("My requests", "tickets.mine", ""),))
    if service.over_hourly_limit(turn.session, requester, turn.now):
        return Reply(
            "Too many requests have come from you in the last hour, so I didn't open another one now. "
            f"Add to one of them (\"my requests\"), or try again in a while; for something urgent, "
            f"write to {turn.settings.department_email}.",
            "consultation", 1.0, {"ticket_id": None, "refused": "rate_limited"},
            buttons=(Button("My requests", "tickets.mine", ""),))
    ticket = service.create(turn.session, turn.outbox, requester, topic, description, school_id, turn.now)
    notice = ""
    if len(description) > 2000:
        notice = " Your description was long: the department sees a preview first, and the full text is kept in the ticket."
    return Reply(
        f"Thanks! I've opened *{ticket.number}* ({topic_label(ticket.topic)}) and let the department know. "
        f"You'll hear here when someone picks it up. Say \"status of {ticket.number}\" any time."
        f"{email_updates.offer(message, turn)}{notice}",
        "consultation", 1.0,
        {"ticket_id": ticket.number, "status": ticket.status, "topic": ticket.topic,
         "school": _school_name(turn, school_id) if school_id else None},
        buttons=(Button("My requests", "tickets.mine", ""),),
    )


def draft(message: Message, turn: Turn) -> Reply:
    """The intake as a form to fill in at once (Slack's /consult and message shortcut); `value` pre-fills it."""
    values = {"description": clean(message.value or "")}
    return Reply("Ask the department: tell us what you need and we'll get back to you.", "consultation", 1.0,
                 {"ticket_id": None, "asking": "form"}, form=intake_form(turn, values, ""))


def on_form(message: Message, turn: Turn) -> Reply:
    """A submitted intake form (Slack modal, Teams card): validated field by field; the chat intake
    it was opened from (its `context`) is closed."""
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
        match = turn.lookups.schools.find(school_text)
        if match.found:
            school_id = match.found.id
        elif match.ambiguous:
            errors["school"] = "That name fits several schools: " + ", ".join(s.name for s in match.schools[:4]) + "."
        else:
            errors["school"] = "I couldn't find that school. Check the name, or leave it empty."
    if errors:
        values = {"topic": topic, "description": description}
        return Reply("Please fix the highlighted fields.", "consultation", 1.0, {"ticket_id": None, "errors": errors},
                     form=intake_form(turn, values, str(form.get("context") or ""), errors, school_text))
    _close_intake(turn, str(form.get("context") or ""))
    return create(message, turn, topic, description, school_id)


def _close_intake(turn: Turn, conversation_key: str) -> None:
    """The chat intake the form came from is done: later messages there are not its answers."""
    if conversation_key == turn.message.conversation_key:
        if turn.state.form == FORM:
            turn.state.end_form()
        return
    if conversation_key:
        asked = ConversationState.load(turn.session, conversation_key)
        if asked.form == FORM:
            asked.end_form()
            asked.save(turn.session, turn.now)


def register(registry: Registry) -> None:
    registry.form(INTAKE)
    registry.reader(asks_for_consultation)
    registry.rule(explicit_request)
    registry.intent("consultation")(handle)
    registry.action("consultation.start")(start)
    registry.action("consultation.form")(on_form)
    registry.action("consultation.draft")(draft)
