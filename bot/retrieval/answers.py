"""Grounded answers for questions outside the bot's intents.

Without a language model (the default) the best-matching passage answers, when
it matches well. With one, the top passages and the scrubbed question (never
the conversation) go to the model, which must answer only from them and cite
them; any failure (timeout, error status, no citation, an agreement named, a
rate limit) falls back to the retrieval answer. Agreement questions never
reach the model: which agreement applies is decided by the rules. Every
grounded answer is recorded (sources, latency, tokens; never the text) so the
department sees what was used, what it cost and whether it helped.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.config import LlmSettings
from bot.core import Message
from bot.models import GroundedAnswer
from bot.retrieval.index import Hit, KnowledgeIndex
from bot.retrieval.llm import DONT_KNOW, Completion, LanguageModel, LanguageModelError
from bot.retrieval.passages import Passage
from bot.retrieval.scrub import Scrubbed, scrub

log = logging.getLogger("partnerbot.retrieval")

ANSWER_MIN = 0.25
"""A passage this similar to the question answers it on its own (retrieval-only mode)."""
CONTEXT_MIN = 0.1
"""Passages at least this similar are given to the language model (it says when they don't fit)."""
CONTEXT_PASSAGES = 3
SIBLING = 0.9
AGREEMENT_WORDS = re.compile(
    r"\b(?:(?<!sharing )(?<!use )agreements?|(?<!network use )contracts?|psc|mou|memorandum|alignment|lease|"
    r"letter of agreement|personal services|which form|what form)\b", re.I)
"""An answer naming an agreement form comes from the rules, never from the model (a Data Sharing
Agreement or a Contractor Network Use Agreement is not one of those forms)."""
CITATION = re.compile(r"\[(\d{1,2})\]")


@dataclass(frozen=True)
class Grounded:
    """An answer from the knowledge: its text, the passages it rests on, how it was made."""

    text: str
    passages: tuple[Passage, ...]
    mode: str  # retrieval | llm
    record_id: int
    notice: str = ""  # why details were taken out of the question
    data: dict[str, object] = field(default_factory=dict)


class GroundedAnswers:
    def __init__(self, index: KnowledgeIndex, settings: LlmSettings, model: LanguageModel | None = None,
                 log_text: bool = False) -> None:
        self.index = index
        self.settings = settings
        self.model = model
        self.log_text = log_text

    def warm(self) -> None:
        """Build (or load) the index now, so the first long-tail question of a server does not wait."""
        self.index.search("warm up")

    def answer(self, session: Session, message: Message, question: str, now: dt.datetime, *,
               generate: bool = True, unless: str = "") -> Grounded | None:
        """The knowledge's answer to a question, or None. `generate=False`: never ask the model
        (the question is under a confident intent); `unless`: None when that passage (or one under
        it: "faq:data_sharing" covers the topic's entries) is the best."""
        hits = self.index.search(question, limit=CONTEXT_PASSAGES)
        best = _answering(hits)
        if hits and unless and (hits[0].passage.key == unless or hits[0].passage.key.startswith(unless + ":")):
            return None
        if self.model is None or not generate:
            return self._retrieval(session, message, best, now, "answered") if best else None
        context = [h for h in hits if h.score >= CONTEXT_MIN]
        if not context:
            return None
        if AGREEMENT_WORDS.search(question):
            return self._retrieval(session, message, best, now, "answered") if best else None
        if self._over_limit(session, message.user, now):
            return self._retrieval(session, message, best, now, "rate_limited") if best else None
        return self._generate(session, message, question, context, best, now)

    # -- the two ways of answering ---------------------------------------------------------------
    def _retrieval(self, session: Session, message: Message, hits: list[Hit], now: dt.datetime, outcome: str,
                   **spent: object) -> Grounded:
        record = self._record(session, message, now, "retrieval" if not spent else "llm", outcome, hits, **spent)
        return Grounded("\n".join(h.passage.text for h in hits), tuple(h.passage for h in hits), "retrieval",
                        record.id, notice=str(spent.get("notice", "")), data={"score": hits[0].score})

    def _generate(self, session: Session, message: Message, question: str, context: list[Hit], best: list[Hit],
                  now: dt.datetime) -> Grounded | None:
        assert self.model is not None
        cleaned: Scrubbed = scrub(question)
        started = time.perf_counter()
        try:
            completion = self.model.complete(cleaned.text, [h.passage for h in context])
        except LanguageModelError as exc:
            spent = {"latency_ms": (time.perf_counter() - started) * 1000, "scrubbed": cleaned.removed,
                     "notice": cleaned.notice}
            log.warning("language model failed; answering from the knowledge alone",
                        extra={"turn": {"error": str(exc)}})
            return self._fallback(session, message, best, context, now, **spent)
        spent = {"latency_ms": (time.perf_counter() - started) * 1000, "scrubbed": cleaned.removed,
                 "prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens,
                 "notice": cleaned.notice}
        if _refused(completion.text):
            record = self._record(session, message, now, "llm", "refused", context, **spent)
            return Grounded("", (), "llm", record.id, notice=cleaned.notice, data={"refused": True})
        cited = _cited(completion, context)
        if not cited or AGREEMENT_WORDS.search(completion.text):
            log.warning("language model answer not usable (no citation, or an agreement named)")
            return self._fallback(session, message, best, context, now, **spent)
        record = self._record(session, message, now, "llm", "answered", [context[n] for n in cited], **spent)
        return Grounded(_renumbered(completion.text, cited), tuple(context[n].passage for n in cited), "llm",
                        record.id, notice=cleaned.notice)

    def _fallback(self, session: Session, message: Message, best: list[Hit], context: list[Hit], now: dt.datetime,
                  **spent: object) -> Grounded | None:
        if not best:  # the model failed and no passage answers well enough on its own
            self._record(session, message, now, "llm", "failed", context, **spent)
            return None
        return self._retrieval(session, message, best, now, "fallback", **spent)

    # -- limits and records ------------------------------------------------------------------------
    def _over_limit(self, session: Session, user: str, now: dt.datetime) -> bool:
        asked = select(func.count()).select_from(GroundedAnswer).where(GroundedAnswer.mode == "llm")
        mine = session.scalar(asked.where(GroundedAnswer.user == user[:200],
                                          GroundedAnswer.asked_at > now - dt.timedelta(hours=1))) or 0
        everyone = session.scalar(asked.where(GroundedAnswer.asked_at > now - dt.timedelta(minutes=1))) or 0
        limited = mine >= self.settings.per_user_per_hour or everyone >= self.settings.global_per_minute
        if limited:
            log.warning("language model rate limit reached", extra={"turn": {"per_user": mine, "per_minute": everyone}})
        return limited

    def _record(self, session: Session, message: Message, now: dt.datetime, mode: str, outcome: str,
                hits: Sequence[Hit], *, latency_ms: object = 0.0, scrubbed: object = (), prompt_tokens: object = 0,
                completion_tokens: object = 0, notice: object = "") -> GroundedAnswer:
        record = GroundedAnswer(asked_at=now, platform=message.platform[:20], user=message.user[:200], mode=mode,
                                outcome=outcome, sources=[{"key": h.passage.key, "source": h.passage.source,
                                                           "score": h.score} for h in hits],
                                scrubbed=list(scrubbed), latency_ms=round(float(latency_ms), 1),  # type: ignore[arg-type]
                                prompt_tokens=int(prompt_tokens), completion_tokens=int(completion_tokens))  # type: ignore[call-overload]
        session.add(record)
        session.flush()  # the id, for the feedback buttons
        extra = {"mode": mode, "outcome": outcome, "sources": [h.passage.key for h in hits],
                 "latency_ms": record.latency_ms, "prompt_tokens": record.prompt_tokens,
                 "completion_tokens": record.completion_tokens}
        if self.log_text:
            extra["text"] = message.text[:500]
        log.info("grounded answer", extra={"turn": extra})
        return record


def _answering(hits: list[Hit]) -> list[Hit]:
    """The passages that answer on their own: the best, if close enough, and any of the same title
    nearly as close ("who signs it and who keeps it" is spread over two facts of one agreement)."""
    if not hits or hits[0].score < ANSWER_MIN:
        return []
    top = hits[0]
    return [top] + [h for h in hits[1:] if h.passage.title == top.passage.title and h.score >= top.score * SIBLING][:1]


def _renumbered(text: str, cited: list[int]) -> str:
    """The answer's [k] markers renumbered to the sources shown under it (only the cited ones, from 1)."""
    shown = {old + 1: new for new, old in enumerate(cited, start=1)}
    return CITATION.sub(lambda m: f"[{shown[int(m.group(1))]}]" if int(m.group(1)) in shown else "", text)


def _refused(text: str) -> bool:
    said = text.lower().replace("\u2019", "'")
    return said.startswith("i don't know") or DONT_KNOW.rstrip(".").lower() in said


def _cited(completion: Completion, context: Sequence[Hit]) -> list[int]:
    """Indexes (0-based) of the passages the answer cites, in order, only those that were given."""
    numbers = [int(n) for n in CITATION.findall(completion.text)]
    return list(dict.fromkeys(n - 1 for n in numbers if 1 <= n <= len(context)))


def record_feedback(session: Session, record_id: int, user: str, helpful: bool, now: dt.datetime) -> bool:
    """The person who got the answer says whether it helped; False if it was not theirs (or unknown)."""
    done = session.execute(update(GroundedAnswer).where(GroundedAnswer.id == record_id,
                                                        GroundedAnswer.user == user[:200])
                           .values(helpful=helpful, feedback_at=now))
    return bool(done.rowcount)


