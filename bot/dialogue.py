"""Forms: every multi-turn flow as data, run by one engine.

A `Form` is its slots (each with a question and a parser for answers typed in
words), what to do when it is complete, and how to describe it. The engine, not
each handler, decides what a message means while a form is open:

1. "cancel" leaves the form; "start over" begins it again;
2. the message fills every slot it can: the pending question is read first, as
   an answer ("no", "just a few evenings", "Franklin"), the others only from
   what the message states outright;
3. a message that fills nothing and clearly asks something else is answered
   by the dispatcher, which then resumes the form with one line ("Back to your
   consultation request: which school?");
4. otherwise the question is asked again.

"Not sure" is a value (`UNSURE`): a form's question reacts to it (offering the
department's help); it is never turned into a fact.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import Any, Callable

from bot.core import Button, FormPart, Message, Reply
from bot.turn import Turn
from bot.understanding import Understanding
from bot.understanding.facts import asks_the_bot

UNSURE = "unsure"
CANCEL_PHRASES = ("cancel", "never mind", "nevermind", "forget it", "forget about it", "stop", "quit", "abort",
                  "drop it", "no thanks", "not now", "cancel that", "cancel it")
RESTART_PHRASES = ("start over", "start again", "restart", "from the top", "begin again", "reset", "start from scratch")
UNSURE_PHRASES = ("not sure", "don't know", "dont know", "do not know", "no idea", "unsure", "idk", "no clue",
                  "not certain", "haven't decided", "have not decided", "not decided", "undecided", "can't say",
                  "hard to say", "not yet decided", "still figuring", "tbd", "to be determined", "unclear",
                  "dunno", "who knows", "not known yet", "haven't figured", "have not figured", "not figured out",
                  "figuring out", "still working on", "still working out", "working it out", "up in the air",
                  "no funding yet", "don't have funding yet")
COMMAND_WORDS = 4
"""Cancel and restart count in short messages ("cancel that") or at the start ("forget it, I'll email")."""
SIDE_CONFIDENCE = 0.55
ASIDE_CONFIDENCE = 0.35
"""Enough for a side question the user marks as one ("wait, ...?"): their words already say it's not an answer."""
FREE_TEXT_SIDE_WORDS = 6
SIDE_QUESTION_WORDS = 12
"""While waiting for free text (a description), a side question is short, or a short question."""
CANCEL_ACTION = "form.cancel"
MAX_MISSES = 2
QUESTION_START = frozenset("what what's whats which who where when why how is are do does can could should would will "
                           "any".split())


@dataclass(frozen=True)
class Prompt:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Answer:
    """A message read against one slot; `pending` when that slot is the question just asked."""

    u: Understanding
    turn: Turn
    values: dict[str, Any]
    pending: bool


@dataclass(frozen=True)
class Slot:
    name: str
    ask: Callable[[dict[str, Any], Turn], Prompt]
    parse: Callable[[Answer], Any]
    from_button: Callable[[str, Turn], Any] = lambda value, turn: value
    free_text: bool = False


@dataclass(frozen=True)
class Form:
    name: str
    intent: str
    title: str  # "your consultation request": used in "Back to your consultation request: ..."
    slots: tuple[Slot, ...]
    complete: Callable[[dict[str, Any], Message, Turn], Reply]
    answer_action: str
    next_slot: Callable[[dict[str, Any], Turn], str | None] | None = None
    describe: Callable[[dict[str, Any], Turn], dict[str, Any]] = lambda values, turn: {}
    read: Callable[[Understanding, dict[str, Any], str | None, Turn], dict[str, Any]] | None = None
    apply: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    cancelled: str = "OK, I've dropped that."
    why_asked: Callable[[], str] = field(default=lambda: "")
    """Said before the question again when the writer asks to skip it ("just pick one", "don't ask me questions")."""
    extra_buttons: Callable[[dict[str, Any], str, Turn], tuple[Button, ...]] = field(
        default=lambda values, slot, turn: ())
    draw: Callable[[dict[str, Any], str, Turn], FormPart | None] = field(default=lambda values, slot, turn: None)
    """The whole form as fields, for platforms that show forms (a Teams card, a Slack modal)."""

    def slot(self, name: str) -> Slot:
        for slot in self.slots:
            if slot.name == name:
                return slot
        raise KeyError(f"form {self.name} has no slot {name}")

    def following(self, values: dict[str, Any], turn: Turn) -> str | None:
        if self.next_slot is not None:
            return self.next_slot(values, turn)
        for slot in self.slots:
            if values.get(slot.name) in (None, "", UNSURE):
                return slot.name
        return None

    def merged(self, values: dict[str, Any], filled: dict[str, Any]) -> dict[str, Any]:
        return self.apply(values, filled) if self.apply else {**values, **filled}


class SideQuestion(Exception):
    """Raised by `continue_form`: the message asks something else; answer it, then `resume_line`."""


def said(u: Understanding, phrases: tuple[str, ...]) -> bool:
    return u.has(*phrases)


def is_unsure(u: Understanding) -> bool:
    return u.has(*UNSURE_PHRASES)


ASIDE_START = ("wait", "hold on", "hang on", "quick q", "quick question", "btw", "by the way", "sorry", "oh",
               "one more thing", "before that", "real quick", "side question", "also")
ASIDE_WORDS = 4
NOT_ASIDE = ("what if", "what about", "how about")


def is_aside(u: Understanding) -> bool:
    """"wait, what's an MOU?", "quick q - when is the next RULER session?": a question set beside the form,
    even if it mentions words a slot would take. "what if the PTA pays?" is an answer, not an aside."""
    if u.has(*NOT_ASIDE) or len(u.tokens) < ASIDE_WORDS:
        return False
    if u.opens_with(*ASIDE_START):  # "wait whats an mou", "hold on do partners need background checks"
        return is_question(u) or u.text.rstrip().endswith("?") or _opens_a_question(_ASIDE_OPENER.sub("", u.text))
    return _opens_a_question(_after_an_opener(u.text)) and u.text.rstrip().endswith("?")


_ASIDE_OPENER = re.compile(r"^\W*(?:" + "|".join(ASIDE_START) + r")\b[\s,.:;!-]*", re.I)


def _opens_a_question(text: str) -> bool:
    said = text.split()
    return bool(said) and said[0].lower().strip(",.") in QUESTION_START


OPENER_WORDS = 3
_SET_OFF = re.compile(r"^\s*(?:[\w']+\s*){1,%d}(?:--+|—|–|-\s|,|:|!|\.{2,})\s*" % OPENER_WORDS)


def _after_an_opener(text: str) -> str:
    """The message after a few words set off by a dash or comma ("hold up -- can partners see ...?"): an
    opener of any wording, then the question itself."""
    return _SET_OFF.sub("", text, count=1)


def is_question(u: Understanding) -> bool:
    return u.text.rstrip().endswith("?") or (bool(u.tokens) and u.tokens[0] in QUESTION_START)


def start(form: Form, values: dict[str, Any], message: Message, turn: Turn) -> Reply:
    """Open the form with what is already known, and ask the first missing slot."""
    turn.state.begin_form(form.name, {"values": values, "pending": None, "misses": 0})
    return _advance(form, values, message, turn)


def waiting_for_text(form: Form, turn: Turn) -> bool:
    """Whether the open form's pending question takes free text."""
    pending = turn.state.form_data.get("pending")
    return bool(pending) and pending in {s.name for s in form.slots} and form.slot(pending).free_text


def continue_form(form: Form, message: Message, turn: Turn) -> Reply:
    """The next typed message while `form` is open (raises SideQuestion to let it be answered)."""
    stored = turn.state.form_data
    values: dict[str, Any] = dict(stored.get("values") or {})
    pending = stored.get("pending")
    u = turn.understanding
    if _command(u, RESTART_PHRASES):
        return start(form, {}, message, turn)
    if _command(u, CANCEL_PHRASES):
        return cancel(form, values, turn)
    waiting_for_text = bool(pending) and form.slot(pending).free_text
    if waiting_for_text and _asks_something_else(form, pending, u):
        raise SideQuestion()  # "my requests" is not a description
    filled = _read(form, u, values, pending, turn)
    unanswered = not filled or (form.read is None and pending not in filled and is_question(u)) or is_aside(u)
    if unanswered and _asks_something_else(form, pending, u):
        raise SideQuestion()  # a question that only mentions a slot's words ("how much is a WATCH check?")
    if not filled:
        misses = int(stored.get("misses", 0)) + 1
        lead = "Sorry, I didn't catch that. " if misses <= MAX_MISSES else (
            "I still couldn't tell. You can press a button, say \"cancel\", or ask the department. ")
        if asks_the_bot(u.text) and form.why_asked():
            lead = form.why_asked() + " "
        turn.state.begin_form(form.name, {**stored, "misses": misses}, new=False)
        return _ask(form, pending or form.following(values, turn) or form.slots[0].name, values, turn, lead)
    return _advance(form, form.merged(values, filled), message, turn)


def press(form: Form, message: Message, turn: Turn) -> Reply:
    """A button of this form: `slot=value` fills that slot (a fresh form if none is open)."""
    slot_name, _, raw = (message.value or "").partition("=")
    values = dict((turn.state.form_data.get("values") or {})) if turn.state.form == form.name else {}
    try:
        slot = form.slot(slot_name)
    except KeyError:
        return _ask(form, form.following(values, turn) or form.slots[0].name, values, turn)
    if turn.state.form != form.name:
        turn.state.begin_form(form.name, {"values": values, "pending": None, "misses": 0})
    value = slot.from_button(raw, turn)
    return _advance(form, form.merged(values, {slot.name: value}), message, turn)


def cancel(form: Form, values: dict[str, Any], turn: Turn) -> Reply:
    turn.state.end_form()
    return Reply(form.cancelled, form.intent, 1.0, {**form.describe(values, turn), "asking": None, "cancelled": True})


def resume_line(form: Form, turn: Turn) -> tuple[str, tuple[Button, ...]]:
    """"Back to your consultation request: Which school is it about?" with that question's buttons."""
    stored = turn.state.form_data
    values = dict(stored.get("values") or {})
    pending = stored.get("pending") or form.following(values, turn) or form.slots[0].name
    prompt = form.slot(pending).ask(values, turn)
    return f"Back to your {form.title}: {prompt.text}", prompt.buttons + _cancel_button(form)


def _advance(form: Form, values: dict[str, Any], message: Message, turn: Turn) -> Reply:
    following = form.following(values, turn)
    if following is None:
        turn.state.end_form()
        return form.complete(values, message, turn)
    turn.state.begin_form(form.name, {"values": values, "pending": following, "misses": 0}, new=False)
    return _ask(form, following, values, turn)


def _ask(form: Form, slot: str, values: dict[str, Any], turn: Turn, lead: str = "") -> Reply:
    prompt = form.slot(slot).ask(values, turn)
    buttons = prompt.buttons + form.extra_buttons(values, slot, turn) + _cancel_button(form)
    return Reply(lead + prompt.text, form.intent, turn.understanding.confidence or 1.0,
                 {**form.describe(values, turn), "asking": slot}, buttons=buttons, form=form.draw(values, slot, turn))


def _cancel_button(form: Form) -> tuple[Button, ...]:
    return (Button("Cancel", CANCEL_ACTION, form.name),)


def _read(form: Form, u: Understanding, values: dict[str, Any], pending: str | None, turn: Turn) -> dict[str, Any]:
    if form.read is not None:
        return form.read(u, values, pending, turn)
    filled: dict[str, Any] = {}
    ordered = sorted(form.slots, key=lambda s: s.name != pending)
    for slot in ordered:
        value = slot.parse(Answer(u, turn, values, slot.name == pending))
        if value is not None:
            filled[slot.name] = value
        if slot.name == pending and value is not None and slot.free_text:
            break  # text typed for a free-text slot answers only it: a school named in it moves nothing
    return filled


def _command(u: Understanding, phrases: tuple[str, ...]) -> bool:
    if len(u.tokens) <= COMMAND_WORDS:
        return said(u, phrases)
    return u.opens_with(*phrases)


FREE_TEXT_REQUESTS = ("ticket_status", "help")
"""Short messages of these intents ask for something the bot keeps, even while it waits for free text."""
SMALL_TALK_CONFIDENCE = 0.95
"""Small talk mid-form ("thanks!") only when certain: an unreadable word is not a greeting."""


def _asks_something_else(form: Form, pending: str | None, u: Understanding) -> bool:
    explicit = is_aside(u)  # "wait, ...?", "oh also, ...?": the user says it's a side question
    if asks_the_bot(u.text) and u.entities.school is None and u.entities.organisation is None:
        return False  # "just tell me which one": about the question asked, however a model would lean
    if u.intent == "unknown" or u.confidence < (ASIDE_CONFIDENCE if explicit else SIDE_CONFIDENCE):
        return False
    if u.intent == "smalltalk" and u.confidence < SMALL_TALK_CONFIDENCE:
        return False
    slot = form.slot(pending) if pending else None
    if slot is not None and slot.free_text:
        # A free-text slot takes the text ("personal services contract", "Rainier Beach High School" typed as
        # the description) unless it is plainly another question, or a short request for something the
        # bot keeps ("my requests", "help").
        if u.intent == form.intent:
            return False
        return explicit or (is_question(u) and len(u.tokens) <= SIDE_QUESTION_WORDS) or (
            len(u.tokens) <= FREE_TEXT_SIDE_WORDS and u.intent in FREE_TEXT_REQUESTS)
    if u.intent != form.intent:
        return True
    return is_question(u)
