"""The dispatcher: one database session and one `Turn` per message.

Capabilities register what they answer on a `Registry` (handlers/__init__.py
`register(registry)`), and the `Bot` is built with that registry and its
classifier passed in. For each typed message the bot:

1. understands it (`Classifier.understand`: tokens, entities, intent);
2. runs a deterministic command if one matches (staff ticket commands);
3. if a form is open, lets the dialogue engine read it (bot/dialogue.py); a
   side question is answered and the form resumes;
4. lets the last lookup's capability take an elliptical follow-up ("only the
   arts ones") as a refinement of its filters;
5. answers by intent, or offers the likeliest readings when unsure.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

from rapidfuzz import fuzz
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot import dialogue
from bot.config import Settings
from bot.core import Button, Message, Reply
from bot.turn import Turn
from bot.db import Database, is_busy
from bot.dialogue import Form
from bot.directory.lookups import Directory
from bot.faq_entries import FaqSource
from bot.models import QuestionLog
from bot.notify import Outbox, UserAudiences
from bot.state import ConversationState
from bot.text import MAX_TEXT, clean, is_meaningful, without_addresses
from bot.understanding import Understanding, follow_ups
from bot.understanding.classifier import Evidence
from bot.understanding.entities import Lookups

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bot.metrics import Metrics
    from bot.retrieval.answers import GroundedAnswers

log = logging.getLogger("partnerbot.turn")

Handler = Callable[[Message, Turn], Reply]
Refiner = Callable[[Message, Turn, dict], "Reply | None"]
Matcher = Callable[[Understanding, Turn], bool]
Rule = Callable[[Understanding], "str | None"]
RULE_MIN_SCORE = 0.05
"""A rule (tie-breaker) may pick an intent the classifier gave at least this probability."""

UNANSWERED = ("unknown",)
BEST_GUESS_MIN = 0.15
"""The report names a best guess for an unanswered question only if it was at least this likely."""
WEAK_INTENTS = follow_ups.WEAK_INTENTS
REFINE_CONFIDENCE = 0.8
STATES_A_FACT_WORDS = 25
"""A follow-up may refine the last lookup unless it is this sure to be about something else."""


@dataclass
class Registry:
    """What each capability answers: intents, button actions, forms, refiners, commands, evidence."""

    intents: dict[str, Handler] = field(default_factory=dict)
    actions: dict[str, Handler] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    refiners: dict[str, list[Refiner]] = field(default_factory=dict)
    """Per context, in the order registered: another capability may refine a frame ("only the expired ones" after
    a partner list is a paperwork question about that list)."""
    refining_intents: dict[str, set[str]] = field(default_factory=dict)
    """Per context, the intents of the other capabilities that refine it: their own questions ("anything expiring
    soon?" after a school's partner list) go to the refiners however surely the classifier places them."""
    text_takers: set[str] = field(default_factory=set)
    """Contexts whose refiner takes what is said next as more of the same (a report's details): commands that
    would read the text as something else give way, as they do to a form waiting for free text."""
    commands: list[tuple[Matcher, Handler]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    fallbacks: dict[str, Handler] = field(default_factory=dict)

    def intent(self, *names: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for name in names:
                self.intents[name] = fn
            return fn

        return register

    def action(self, *names: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for name in names:
                self.actions[name] = fn
            return fn

        return register

    def form(self, form: Form) -> Form:
        """A form and its buttons (`<answer_action>` with value `slot=value`)."""
        self.forms[form.name] = form
        self.actions[form.answer_action] = lambda message, turn: dialogue.press(form, message, turn)
        return form

    def refiner(self, kind: str, takes_text: bool = False, intent: str | None = None) -> Callable[[Refiner], Refiner]:
        """`intent`: the capability's own intent, when it refines another's frame (`kind`)."""
        def register(fn: Refiner) -> Refiner:
            self.refiners.setdefault(kind, []).append(fn)
            if takes_text:
                self.text_takers.add(kind)
            if intent is not None:
                self.refining_intents.setdefault(kind, set()).add(intent)
            return fn

        return register

    def command(self, matches: Matcher) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.commands.append((matches, fn))
            return fn

        return register

    def reader(self, fn: Evidence) -> Evidence:
        """Evidence a capability reads from messages, given to the classifier as features."""
        self.evidence.append(fn)
        return fn

    def rule(self, fn: Rule) -> Rule:
        """A readable tie-breaker: an explicit phrase that settles the intent ("I need a consultation")."""
        self.rules.append(fn)
        return fn

    def fallback(self, name: str) -> Callable[[Handler], Handler]:
        """`empty`, `unknown` or `unsure`: the replies when there is nothing to route."""
        def register(fn: Handler) -> Handler:
            self.fallbacks[name] = fn
            return fn

        return register


class TextClassifier(Protocol):
    """What the bot needs of its classifier (`Classifier`, or `LearningClassifier` that retrains)."""

    def understand(self, text: str, lookups: Lookups) -> Understanding: ...

    def similarity(self, text: str, others: Sequence[str], lookups: Lookups) -> list[float]: ...

    def refresh(self, session) -> object: ...  # type: ignore[no-untyped-def]


DATABASE_DOWN = (
    "Sorry, I couldn't reach my database just now, so nothing was saved. Please try again in a minute."
)
SOMETHING_BROKE = "Sorry, something went wrong on my side. Please try again, or rephrase your question."
BUSY_RETRIES = 5
EXPIRED_BUTTON = "That button has expired. Tell me what you need and I'll pick up from there."
NOTHING = Understanding("", (), ())


class Bot:
    """The platform-neutral brain: `bot.handle(message) -> Reply`."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        registry: Registry,
        classifier: TextClassifier,
        *,
        directory: Directory | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        notifier: object | None = None,
        outbox: Outbox | None = None,
        grounded: "GroundedAnswers | None" = None,
        metrics: "Metrics | None" = None,
        faq: FaqSource | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.registry = registry
        self.classifier = classifier
        self.directory = directory or Directory(settings.cache_dir)
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.notifier = notifier
        self.outbox = outbox or Outbox(UserAudiences())
        self.grounded = grounded
        self.faq = faq or FaqSource()
        """The FAQ's topics, read again when the department changes them (bot/faq_entries.py)."""
        self.metrics = metrics
        """Counted turns (`serve` and its workers); a one-off `ask` counts nothing."""

    def handle(self, message: Message) -> Reply:
        started = time.perf_counter()
        try:
            reply = self._turn_with_retry(message)
        except OperationalError:
            log.exception("database unavailable")
            reply = Reply(DATABASE_DOWN, "unknown", 0.0, {"error": "database_unavailable"})
        except SQLAlchemyError:
            log.exception("database error")
            reply = Reply(DATABASE_DOWN, "unknown", 0.0, {"error": "database_error"})
        except Exception:
            log.exception("handler failed")
            reply = Reply(SOMETHING_BROKE, "unknown", 0.0, {"error": "internal"})
        self._log_turn(message, reply, time.perf_counter() - started)
        if self.notifier is not None and hasattr(self.notifier, "flush"):
            self.notifier.flush()
        return reply

    def handle_if_expected(self, message: Message) -> Reply | None:
        """A message not addressed to the bot (a thread reply without a mention): answered only
        when the bot asked this person something there (an open form)."""
        if not message.addressed:
            with self.database.session() as session:
                if ConversationState.load(session, message.conversation_key).form is None:
                    return None
        return self.handle(message)

    def handle_durably(self, message: Message, settle: Callable[[Session, Reply | None], None]) -> Reply | None:
        """Answer an acknowledged event and call `settle(session, reply)` in the turn's own
        transaction, so the conversation's new state and the record of its answer commit
        together. `reply` is None for a message not meant for the bot. A database error is
        raised (the caller tries again later); any other failure settles with an apology."""
        started = time.perf_counter()
        try:
            reply = self._turn_with_retry(message, settle)
        except SQLAlchemyError:
            raise
        except Exception:
            log.exception("handler failed")
            reply = Reply(SOMETHING_BROKE, "unknown", 0.0, {"error": "internal"})
            with self.database.session() as session:
                settle(session, reply)
        if reply is not None:
            self._log_turn(message, reply, time.perf_counter() - started)
        return reply

    def _turn_with_retry(self, message: Message,
                         settle: Callable[[Session, Reply | None], None] | None = None) -> Reply:
        """One unit of work; a turn that lost an SQLite write race, or met a connection the
        server had closed, is simply run again."""
        for attempt in range(BUSY_RETRIES + 1):
            try:
                with self.database.session() as session:
                    reply = self._turn(session, message)
                    if settle is not None:
                        settle(session, reply)
                    return reply  # type: ignore[return-value]
            except OperationalError as exc:
                retryable = is_busy(exc) or (exc.connection_invalidated and attempt == 0)
                if attempt == BUSY_RETRIES or not retryable:
                    raise
                time.sleep(0.005 * (2**attempt))
        raise AssertionError("unreachable")

    def _turn(self, session, message: Message) -> Reply | None:  # type: ignore[no-untyped-def]
        now = self.clock()
        state = ConversationState.load(session, message.conversation_key)
        if not message.addressed and state.form is None:
            return None  # a thread reply not for the bot: it asked this person nothing here
        self.classifier.refresh(session)  # picks up taught examples now and then
        lookups = self.directory.lookups(session)
        text = clean(message.text)
        pressed = self._pressed_button(message, text, state)
        if pressed is not None:
            message = replace(message, action=pressed.action, value=pressed.value)  # all else as sent
        turn = Turn(self.settings, session, message, now, NOTHING, state, lookups,
                    lambda other: self.classifier.understand(other, lookups),
                    lambda text, others: self.classifier.similarity(text, others, lookups), self.outbox)
        turn.faq = lambda: self.faq.topics(session)
        if self.grounded is not None:
            grounded, asked = self.grounded, message
            turn.grounded = lambda question, **options: grounded.answer(session, asked, question, now, **options)
        if message.action:
            reply = self._on_action(message, turn)
        else:
            reply = self._on_text(message, text, turn)
        state.offer(reply.buttons)
        state.save(session, now)
        if not message.action:
            self._record_question(session, message, text, turn.understanding, reply, now, turn.command)
        return reply

    def _pressed_button(self, message: Message, text: str, state: ConversationState) -> Button | None:
        """Typing a button's label (or its number in the console) presses it."""
        if message.action or not text or not state.offered:
            return None
        offered = state.offered
        if text.isdigit() and 1 <= int(text) <= len(offered):
            return offered[int(text) - 1]
        lowered = text.lower().strip(" .!")
        for button in offered:
            label = button.label.lower()
            if lowered == label or (len(lowered) >= 4 and fuzz.ratio(lowered, label) >= 90
                                    and _numbers(lowered) == _numbers(label)):
                return button  # a typo in a label is forgiven; a different number (C-1007, C-1006) never is
        return None

    # -- buttons -------------------------------------------------------------------------------
    def _on_action(self, message: Message, turn: Turn) -> Reply:
        action = message.action or ""
        turn.understanding = turn.understand(message.text or "")
        if action == dialogue.CANCEL_ACTION:
            return self._cancel_form(message, turn)
        if action == "menu":  # a menu button: answer as if its text had been typed
            text = message.value or "help"
            return self._on_text(message, text, turn)
        if action == "route":  # "did you mean": the user picked one reading of an unclear question
            intent, _, text = (message.value or "").partition("|")
            handler = self.registry.intents.get(intent)
            if handler is None:
                return self._fallback("unknown", message, turn)
            turn.understanding = turn.understand(text).as_intent(intent)
            return handler(_as_typed(message, text), turn)
        handler = self.registry.actions.get(action)
        if handler is None:
            return Reply(EXPIRED_BUTTON, "unknown", 0.0, {"error": "unknown_action", "action": message.action})
        return handler(message, turn)

    def _cancel_form(self, message: Message, turn: Turn) -> Reply:
        form = self.registry.forms.get(message.value or "")
        if form is None or turn.state.form != form.name:
            return Reply("There's nothing to cancel any more.", form.intent if form else "help", 1.0, {"cancelled": False})
        return dialogue.cancel(form, dict(turn.state.form_data.get("values") or {}), turn)

    # -- typed text ----------------------------------------------------------------------------
    def _on_text(self, message: Message, text: str, turn: Turn) -> Reply:
        if not text or not is_meaningful(text):
            turn.understanding = NOTHING
            return self._fallback("empty", message, turn)
        u = turn.understanding = self._apply_rules(turn.understand(text))
        form = self.registry.forms.get(turn.state.form or "")
        context = turn.state.context(turn.now)
        turn.waiting_for_text = (dialogue.waiting_for_text(form, turn) if form is not None
                                 else context is not None and context[0] in self.registry.text_takers)
        for matches, command in self.registry.commands:
            if matches(u, turn):
                turn.command = True
                return command(_as_typed(message, text), turn)
        if form is not None:
            try:
                return dialogue.continue_form(form, _as_typed(message, text), turn)
            except dialogue.SideQuestion:
                generation = turn.state.generation
                reply = self._answer(_as_typed(message, text), turn, refine=False)
                if turn.state.form == form.name and turn.state.generation == generation:
                    line, buttons = dialogue.resume_line(form, turn)
                    reply = reply.followed_by(line, buttons)
                return reply
        elif turn.state.form:
            turn.state.end_form()  # a form this version no longer has
        return self._answer(_as_typed(message, text), turn)

    def _apply_rules(self, u: Understanding) -> Understanding:
        for rule in self.registry.rules:
            intent = rule(u)
            settled = intent == u.intent and u.confidence >= self.settings.confidence_threshold
            if intent and not settled and u.scores.get(intent, 0.0) >= RULE_MIN_SCORE:
                # a rule settles the intent: it is answered, not offered among guesses
                return u.as_intent(intent, max(u.confidence, u.scores[intent], self.settings.confidence_threshold))
        return u

    def _answer(self, message: Message, turn: Turn, refine: bool = True) -> Reply:
        u = turn.understanding
        if refine:
            refined = self._refine(message, turn)
            if refined is not None:
                return refined
        if u.intent in UNANSWERED:
            return self._fallback("unknown", message, turn)
        if u.confidence < self.settings.confidence_threshold:
            return self._fallback("unsure", message, turn)
        handler = self.registry.intents.get(u.intent)
        if handler is None:
            return self._fallback("unknown", message, turn)
        return handler(message, turn)

    def _refine(self, message: Message, turn: Turn) -> Reply | None:
        """An elliptical follow-up ("only the arts ones") refines the last lookup's filters."""
        context = turn.state.context(turn.now)
        if context is None:
            return None
        kind, filters = context
        u = turn.understanding
        may = (u.intent == kind or u.intent in self.registry.refining_intents.get(kind, ())
               or u.intent in WEAK_INTENTS or u.confidence < REFINE_CONFIDENCE
               or follow_ups.points_back(u) or follow_ups.opens_as_follow_up(u) or _states_a_fact(u))
        if not may:
            return None
        return next((reply for refiner in self.registry.refiners.get(kind, ())
                     if (reply := refiner(message, turn, filters)) is not None), None)

    def _fallback(self, name: str, message: Message, turn: Turn) -> Reply:
        return self.registry.fallbacks[name](message, turn)

    def _record_question(
        self, session, message: Message, text: str, understanding: Understanding, reply: Reply,  # type: ignore[no-untyped-def]
        now: dt.datetime, command: bool = False,
    ) -> None:
        """Keep every question so the department sees what the bot can't answer (a command it took, even one it
        refused, was understood)."""
        best_guess = next((name for name, score in understanding.ranked()
                           if name not in UNANSWERED and score >= BEST_GUESS_MIN), None)
        answered = command or ((reply.intent not in UNANSWERED or bool(reply.data.get("grounded")))
                               and "error" not in reply.data)
        session.add(
            QuestionLog(
                asked_at=now,
                platform=message.platform,
                user=message.user[:200],
                text=without_addresses(text)[:MAX_TEXT],
                intent=reply.intent,
                best_guess=best_guess,
                confidence=float(reply.confidence),
                answered=answered,
            )
        )

    def _log_turn(self, message: Message, reply: Reply, seconds: float) -> None:
        extra = {
            "platform": message.platform,
            "intent": reply.intent,
            "confidence": round(reply.confidence, 3),
            "latency_ms": round(seconds * 1000, 2),
        }
        if self.settings.log_text:
            extra["text"] = clean(message.text)[:500]
        log.info("turn", extra={"turn": extra})
        if self.metrics is not None:
            from bot.metrics import turn_outcome

            self.metrics.turn(reply.intent, message.platform, turn_outcome(reply.intent, reply.data))


def _states_a_fact(u: Understanding) -> bool:
    """A short message stating a decision fact ("$$ is tbd", "the PTA covers it") may add to the last
    case whatever the classifier makes of it; the case's refiner decides."""
    return len(u.tokens) <= STATES_A_FACT_WORDS and any(
        clause.fact(slot) is not None for clause in u.clauses for slot in clause.scores)


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def _as_typed(message: Message, text: str) -> Message:
    """The message as typed text (a menu button's text, or the cleaned message)."""
    if message.text == text and not message.action:
        return message
    return Message(text, message.user, message.platform, message.channel, message.session_key,
                   user_name=message.user_name, raw=message.raw)
