"""Department insights: what people asked, what the bot could not answer, ticket times."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import LlmSettings
from bot.inbox import depth as inbox_depth
from bot.models import GroundedAnswer, InboxEvent, OutboxMessage, QuestionLog, Ticket
from bot.text import normalise


@dataclass
class Report:
    start: str
    end: str
    questions: int
    by_intent: dict[str, int]
    by_platform: dict[str, int]
    unanswered: list[dict[str, object]]
    tickets_opened: int
    tickets_claimed: int
    tickets_resolved: int
    median_hours_to_claim: float | None
    median_hours_to_resolve: float | None
    inbox_waiting: int = 0
    events_given_up: int = 0
    notices_waiting: int = 0
    notices_given_up: int = 0
    posts_repeated: int = 0
    grounded_answers: int = 0
    grounded_helpful: int = 0
    grounded_not_helpful: int = 0
    llm_questions: int = 0
    llm_prompt_tokens: int = 0
    llm_completion_tokens: int = 0
    llm_cost: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def to_text(self) -> str:
        lines = [f"partnerbot report {self.start} to {self.end}", f"Questions: {self.questions}"]
        lines.append("By intent: " + (", ".join(f"{k} {v}" for k, v in self.by_intent.items()) or "none"))
        lines.append("By platform: " + (", ".join(f"{k} {v}" for k, v in self.by_platform.items()) or "none"))
        lines.append(f"Unanswered or unsure ({sum(int(u['count']) for u in self.unanswered)}):")
        lines += [f"  {u['count']:>3}  {u['text']}  (best guess: {u['best_guess'] or '-'})" for u in self.unanswered[:20]]
        lines.append(f"Tickets: {self.tickets_opened} opened, {self.tickets_claimed} claimed, {self.tickets_resolved} resolved")
        claim, resolve = duration(self.median_hours_to_claim), duration(self.median_hours_to_resolve)
        lines.append(f"Median time to claim: {claim}; to resolve: {resolve}")
        lines.append(f"Delivery now: {self.inbox_waiting} events waiting for an answer, {self.notices_waiting} posts "
                     f"waiting to be sent; given up this month: {self.events_given_up} events, "
                     f"{self.notices_given_up} posts (see the error log); sent again after a send whose outcome "
                     f"was unknown, where no look-up was possible (may show twice): {self.posts_repeated}")
        lines.append(f"Long-tail questions: {self.grounded_answers} answered from the department's knowledge "
                     f"({self.grounded_helpful} helped, {self.grounded_not_helpful} did not); "
                     f"{self.llm_questions} questions went to the language model "
                     f"({self.llm_prompt_tokens} + {self.llm_completion_tokens} tokens, about ${self.llm_cost:.2f})")
        return "\n".join(lines)


def duration(hours: float | None) -> str:
    """Minutes under an hour ("12 min"), hours under two days ("5.5 h"), then days: never "0.0 h"."""
    if hours is None:
        return "-"
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def month_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, end


def build_report(session: Session, start: dt.datetime, end: dt.datetime, llm: LlmSettings | None = None) -> Report:
    """`llm`: the prices the cost estimate uses (LLM_INPUT/OUTPUT_COST_PER_MILLION)."""
    rows = session.execute(select(QuestionLog.intent, QuestionLog.platform, QuestionLog.answered, QuestionLog.text,
                                  QuestionLog.best_guess).where(QuestionLog.asked_at >= start, QuestionLog.asked_at < end)).all()
    by_intent = Counter(r.intent for r in rows)
    by_platform = Counter(r.platform for r in rows)
    unanswered: dict[str, dict[str, object]] = {}
    for r in rows:
        if r.answered:
            continue
        key = normalise(r.text) or "(empty)"
        entry = unanswered.setdefault(key, {"text": r.text[:200] or "(empty)", "count": 0, "best_guess": r.best_guess})
        entry["count"] = int(entry["count"]) + 1  # type: ignore[call-overload]
    tickets = list(session.scalars(select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)))
    claim_hours = [(t.claimed_at - t.created_at).total_seconds() / 3600 for t in tickets if t.claimed_at]
    resolve_hours = [(t.resolved_at - t.created_at).total_seconds() / 3600 for t in tickets if t.resolved_at]
    report = Report(
        start.date().isoformat(), (end - dt.timedelta(days=1)).date().isoformat(), len(rows),
        dict(by_intent.most_common()), dict(by_platform.most_common()),
        sorted(unanswered.values(), key=lambda e: (-int(e["count"]), str(e["text"]))),  # type: ignore[call-overload]
        len(tickets), len(claim_hours), len(resolve_hours),
        round(statistics.median(claim_hours), 2) if claim_hours else None,
        round(statistics.median(resolve_hours), 2) if resolve_hours else None,
        inbox_depth(session),
        session.scalar(select(func.count()).select_from(InboxEvent).where(
            InboxEvent.outcome == "gave_up", InboxEvent.done_at >= start, InboxEvent.done_at < end)) or 0,
        session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up.is_(False), OutboxMessage.platform != "web")) or 0,
        session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.gave_up.is_(True), OutboxMessage.created_at >= start, OutboxMessage.created_at < end)) or 0,
        session.scalar(select(func.sum(OutboxMessage.repeats)).where(
            OutboxMessage.created_at >= start, OutboxMessage.created_at < end)) or 0,
    )
    _add_grounded(session, report, start, end, llm or LlmSettings())
    return report


ANSWERED = ("answered", "rate_limited", "fallback")
"""Outcomes where a passage answered (the model's, or the passage itself when the model could not)."""


def _add_grounded(session: Session, report: Report, start: dt.datetime, end: dt.datetime, llm: LlmSettings) -> None:
    """Answers from the knowledge (retrieval or the model), their feedback, the model's tokens and cost."""
    window = (GroundedAnswer.asked_at >= start, GroundedAnswer.asked_at < end)
    rows = session.execute(select(GroundedAnswer.mode, GroundedAnswer.outcome, GroundedAnswer.helpful,
                                  GroundedAnswer.prompt_tokens, GroundedAnswer.completion_tokens).where(*window)).all()
    report.grounded_answers = sum(1 for r in rows if r.outcome in ANSWERED)
    report.grounded_helpful = sum(1 for r in rows if r.helpful is True)
    report.grounded_not_helpful = sum(1 for r in rows if r.helpful is False)
    asked = [r for r in rows if r.mode == "llm"]
    report.llm_questions = len(asked)
    report.llm_prompt_tokens = sum(r.prompt_tokens for r in asked)
    report.llm_completion_tokens = sum(r.completion_tokens for r in asked)
    report.llm_cost = llm.estimated_cost(report.llm_prompt_tokens, report.llm_completion_tokens)
