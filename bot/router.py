"""Handler registration and the per-turn dispatcher.

Handlers register what they answer with decorators on `registry`:
- `@registry.intent("agreement")`: a typed question of that intent;
- `@registry.action("agreement.answer")`: a pressed button;
- `@registry.follow_up("agreement")`: the next message while a flow is waiting
  for an answer (return None to let the message be understood afresh);
- `@registry.booster`: adds evidence from the database (a school name, say).
The `Bot` opens one database session and one `Turn` per message.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from rapidfuzz import fuzz
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.config import Settings
from bot.core import Button, Message, Reply, Turn
from bot.db import Database, is_busy
from bot.models import QuestionLog
from bot.nlu import IntentClassifier, Understanding, default_classifier
from bot.state import ConversationState
from bot.text import MAX_TEXT, clean, is_meaningful

log = logging.getLogger("partnerbot.turn")

Handler = Callable[[Message, Turn], Reply]
FollowUp = Callable[[Message, Turn], "Reply | None"]


class Booster(Protocol):
    def __call__(self, understanding: Understanding, turn: Turn) -> dict[str, float]: ...


@dataclass
class Registry:
    intents: dict[str, Handler] = field(default_factory=dict)
    actions: dict[str, Handler] = field(default_factory=dict)
    follow_ups: dict[str, FollowUp] = field(default_factory=dict)
    boosters: list[Booster] = field(default_factory=list)

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

    def follow_up(self, flow: str) -> Callable[[FollowUp], FollowUp]:
        def register(fn: FollowUp) -> FollowUp:
            self.follow_ups[flow] = fn
            return fn

        return register

    def booster(self, fn: Booster) -> Booster:
        self.boosters.append(fn)
        return fn


registry = Registry()

DATABASE_DOWN = (
    "Sorry, I couldn't reach my database just now, so nothing was saved. Please try again in a minute."
)
SOMETHING_BROKE = "Sorry, something went wrong on my side. Please try again, or rephrase your question."
BUSY_RETRIES = 5
EXPIRED_BUTTON = "That button has expired. Tell me what you need and I'll pick up from there."


class Bot:
    """The platform-neutral brain: `bot.handle(message) -> Reply`."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        classifier: IntentClassifier | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        notifier: object | None = None,
    ) -> None:
        import handlers  # noqa: F401  (registers every capability)

        self.settings = settings
        self.database = database
        self.classifier = classifier or default_classifier()
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.notifier = notifier
        self.registry = registry

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

    def _turn_with_retry(self, message: Message) -> Reply:
        """One unit of work; a turn that lost an SQLite write race, or met a connection the
        server had closed, is simply run again."""
        for attempt in range(BUSY_RETRIES + 1):
            try:
                with self.database.session() as session:
                    return self._turn(session, message)
            except OperationalError as exc:
                retryable = is_busy(exc) or (exc.connection_invalidated and attempt == 0)
                if attempt == BUSY_RETRIES or not retryable:
                    raise
                time.sleep(0.005 * (2**attempt))
        raise AssertionError("unreachable")

    def _turn(self, session, message: Message) -> Reply:  # type: ignore[no-untyped-def]
        state = ConversationState.load(session, message.conversation_key)
        text = clean(message.text)
        pressed = self._pressed_button(message, text, state)
        if pressed is not None:
            message = Message(
                text=message.text,
                user=message.user,
                platform=message.platform,
                channel=message.channel,
                session_key=message.session_key,
                action=pressed.action,
                value=pressed.value,
                user_name=message.user_name,
                raw=message.raw,
            )
        turn = Turn(self.settings, session, message, self.clock(), _EMPTY, state)
        if message.action:
            reply = self._on_action(message, turn)
        else:
            reply = self._on_text(message, text, turn)
        state.offer(reply.buttons)
        state.save(session)
        if not message.action:
            self._record_question(session, message, text, turn.understanding, reply)
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
            if lowered == label or (len(lowered) >= 4 and fuzz.ratio(lowered, label) >= 90):
                return button
        return None

    def _on_action(self, message: Message, turn: Turn) -> Reply:
        handler = self.registry.actions.get(message.action or "")
        if handler is None:
            return Reply(EXPIRED_BUTTON, "unknown", 0.0, {"error": "unknown_action", "action": message.action})
        turn.understanding = self.classifier.understand(message.text or "")
        return handler(message, turn)

    def _on_text(self, message: Message, text: str, turn: Turn) -> Reply:
        from handlers import fallback

        if not text or not is_meaningful(text):
            turn.understanding = self.classifier.understand("")
            return fallback.empty(message, turn)
        understanding = self.classifier.understand(text)
        boosts: dict[str, float] = {}
        for booster in self.registry.boosters:
            for name, extra in booster(understanding, turn).items():
                boosts[name] = boosts.get(name, 0.0) + extra
        turn.understanding = understanding.boosted(boosts)
        if turn.state.flow and turn.state.flow in self.registry.follow_ups:
            reply = self.registry.follow_ups[turn.state.flow](message, turn)
            if reply is not None:
                return reply
        understanding = turn.understanding
        if understanding.intent == "unknown":
            return fallback.unknown(message, turn)
        if understanding.confidence < self.settings.confidence_threshold:
            return fallback.unsure(message, turn)
        handler = self.registry.intents.get(understanding.intent)
        if handler is None:
            return fallback.unknown(message, turn)
        return handler(message, turn)

    def _record_question(
        self, session, message: Message, text: str, understanding: Understanding, reply: Reply  # type: ignore[no-untyped-def]
    ) -> None:
        """Keep every question so the department sees what the bot can't answer."""
        ranked = understanding.ranked()
        best_guess = next((name for name, score in ranked if name != "unknown" and score > 0), None)
        answered = reply.intent != "unknown" and "error" not in reply.data
        session.add(
            QuestionLog(
                platform=message.platform,
                user=message.user[:200],
                text=text[:MAX_TEXT],
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


_EMPTY = Understanding("", (), (), "unknown", 0.0)
