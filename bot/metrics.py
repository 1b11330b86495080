"""Prometheus metrics, with prometheus-client: what each process counts, and what the database holds.

Counts made by `serve` and its answer workers add up in a shared directory (PROMETHEUS_MULTIPROC_DIR,
prometheus-client's multiprocess mode): `serve` makes one when none is set. What is waiting (inbox,
outbox), tickets and what the records hold are read from the database when /metrics is scraped, so
every process shows the same figures.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlalchemy import case, func, select

log = logging.getLogger("partnerbot.metrics")
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def wanted(settings: Any) -> bool:
    """Metrics are kept only where someone can read them (METRICS_TOKEN or METRICS_PORT)."""
    return bool(settings.metrics_token) or bool(settings.metrics_port)


def for_settings(settings: Any) -> "Metrics | None":
    """This process's metrics, or None where nobody can read them (a `serve` or its answer worker)."""
    return Metrics() if wanted(settings) else None


def share_between_processes() -> str:
    """The directory the processes of this `serve` count in: made (and removed at exit) when
    PROMETHEUS_MULTIPROC_DIR is not set; call before prometheus-client is first imported, and before the
    workers start, which inherit it. A directory the operator named must exist."""
    given = os.environ.get(MULTIPROCESS)
    if given:
        if not os.path.isdir(given):
            from bot.config import ConfigError

            raise ConfigError(f"{MULTIPROCESS} {given!r} is not a directory")
        return given
    made = tempfile.mkdtemp(prefix="partnerbot-metrics-")
    os.environ[MULTIPROCESS] = made
    atexit.register(shutil.rmtree, made, ignore_errors=True)
    return made


@dataclass
class Metrics:
    """The counters and histograms a process updates. In multiprocess mode their values live in the shared
    directory; otherwise in this object's own registry (a console, a test)."""

    registry: Any = None
    turns: Any = field(init=False)
    answer_seconds: Any = field(init=False)
    ack_seconds: Any = field(init=False)

    def __post_init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        if self.registry is None and not os.environ.get(MULTIPROCESS):
            self.registry = CollectorRegistry()
        kept = self.registry  # multiprocess: registered nowhere, read back from the shared files
        self.turns = Counter("partnerbot_turns", "Turns answered, by intent, platform and outcome "
                             "(answered, asked, unsure, unknown)", ("intent", "platform", "outcome"), registry=kept)
        self.answer_seconds = Histogram("partnerbot_event_to_answer_seconds", "From an event's arrival to its "
                                        "answer being posted, by platform", ("platform",), buckets=LATENCY_BUCKETS,
                                        registry=kept)
        self.ack_seconds = Histogram("partnerbot_ack_seconds", "From a platform's request to the response (Slack and "
                                     "Teams: the event stored, then acknowledged; the web chat: the answer)", ("platform",), buckets=LATENCY_BUCKETS,
                                     registry=kept)

    def turn(self, intent: str, platform: str, outcome: str) -> None:
        try:
            self.turns.labels(intent=intent, platform=platform, outcome=outcome).inc()
        except Exception:  # a count is never worth a turn
            log.exception("counting a turn failed")

    def exposition(self, database: Any = None, settings: Any = None) -> bytes:
        """The text format: every process's counts, and the database's figures now (`settings`: the language
        model's prices, for its estimated cost)."""
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        shared = CollectorRegistry()  # made per scrape: the database's figures are read now
        if os.environ.get(MULTIPROCESS):
            MultiProcessCollector(shared)
        if database is not None:
            shared.register(DatabaseFigures(database, settings))
        own = generate_latest(self.registry) if self.registry is not None else b""
        return own + generate_latest(shared)


def turn_outcome(intent: str, data: dict[str, Any]) -> str:
    """answered, asked (the bot asked for a fact), unsure (it offered its likeliest readings) or unknown."""
    if data.get("reason") == "low_confidence":
        return "unsure"
    if intent == "unknown" and not data.get("grounded"):
        return "unknown"
    return "asked" if data.get("asking") or data.get("question") else "answered"


class DatabaseFigures:
    """A collector read at scrape time: the inbox's depth and oldest wait, the outbox by state and platform,
    tickets by state, and what the records hold (notices, nudges and announcements sent, grounded answers and
    their feedback, the language model's calls, tokens and cost, tickets opened, claimed and resolved, the
    time to claim), as gauges every process reports alike."""

    def __init__(self, database: Any, settings: Any = None) -> None:
        self.database = database
        self.settings = settings

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

        from bot.backlog import waiting_now
        from bot.models import OutboxMessage, Ticket

        now = dt.datetime.now(dt.timezone.utc)
        with self.database.session() as session:
            waiting, oldest_seconds = waiting_now(session, now)
            retried = case((OutboxMessage.attempts > 0, 1), else_=0).label("retried")
            outbox = session.execute(select(OutboxMessage.platform, retried, func.count())
                                     .where(OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up.is_(False))
                                     .group_by(OutboxMessage.platform, retried)).all()
            gave_up = session.execute(select(OutboxMessage.platform, func.count())
                                      .where(OutboxMessage.gave_up.is_(True)).group_by(OutboxMessage.platform)).all()
            hour_ago = now - dt.timedelta(hours=1)
            gave_up_lately = session.execute(
                select(OutboxMessage.platform, func.count())
                .where(OutboxMessage.gave_up.is_(True), OutboxMessage.next_attempt_at > hour_ago)
                .group_by(OutboxMessage.platform)).all()
            tickets = session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
            totals = _totals(session)
            claim_times = [(c - o).total_seconds() for o, c in session.execute(
                select(Ticket.created_at, Ticket.claimed_at).where(
                    Ticket.claimed_at.is_not(None), Ticket.created_at > now - CLAIM_WINDOW)).all()]
            overdue = _clock_overdue(session, now)
        depth = GaugeMetricFamily("partnerbot_inbox_waiting", "Events acknowledged and not yet answered")
        depth.add_metric([], waiting)
        yield depth
        age = GaugeMetricFamily("partnerbot_inbox_oldest_waiting_seconds", "How long the oldest waiting event has waited")
        age.add_metric([], oldest_seconds)
        yield age
        posts = GaugeMetricFamily("partnerbot_outbox", "Posts not sent, by platform and state (pending, retrying, "
                                  "given_up)", labels=("platform", "state"))
        for platform, retried, count in outbox:
            posts.add_metric([platform, "retrying" if retried else "pending"], count)
        for platform, count in gave_up:
            posts.add_metric([platform, "given_up"], count)
        yield posts
        lately = GaugeMetricFamily("partnerbot_outbox_given_up_last_hour", "Posts given up in the last hour, by platform",
                                   labels=("platform",))
        for platform, count in gave_up_lately:
            lately.add_metric([platform], count)
        yield lately
        states = GaugeMetricFamily("partnerbot_tickets", "Consultation tickets by state", labels=("status",))
        for status, count in tickets:
            states.add_metric([status], count)
        yield states
        yield from _total_families(totals, self.settings)
        claimed = HistogramMetricFamily("partnerbot_ticket_time_to_claim_seconds",
                                        "From a consultation request to a staff member claiming it, requests of the "
                                        "last 90 days")
        buckets = [(str(b), sum(1 for t in claim_times if t <= b)) for b in CLAIM_BUCKETS] + [("+Inf", len(claim_times))]
        claimed.add_metric([], buckets, sum(claim_times))
        yield claimed
        if overdue is not None:
            clock = GaugeMetricFamily("partnerbot_clock_tick_overdue_seconds",
                                      "How late the clock's next five-minute tick is (negative: not yet due)")
            clock.add_metric([], overdue)
            yield clock


CLAIM_WINDOW = dt.timedelta(days=90)
CLAIM_BUCKETS = (300.0, 900.0, 1800.0, 3600.0, 4 * 3600.0, 8 * 3600.0, 24 * 3600.0, 3 * 86400.0, 7 * 86400.0)


def _totals(session: Any) -> dict[str, list[tuple[tuple[str, ...], float]]]:
    from bot.models import AnnouncementPost, GroundedAnswer, NudgeSent, OutboxMessage, Ticket

    sent = session.execute(select(OutboxMessage.kind, OutboxMessage.platform, func.count())
                           .where(OutboxMessage.sent_at.is_not(None))
                           .group_by(OutboxMessage.kind, OutboxMessage.platform)).all()
    grounded = session.execute(select(GroundedAnswer.mode, GroundedAnswer.outcome, func.count())
                               .group_by(GroundedAnswer.mode, GroundedAnswer.outcome)).all()
    feedback = session.execute(select(GroundedAnswer.helpful, func.count()).where(GroundedAnswer.helpful.is_not(None))
                               .group_by(GroundedAnswer.helpful)).all()
    tokens = session.execute(select(func.count(), func.coalesce(func.sum(GroundedAnswer.prompt_tokens), 0),
                                    func.coalesce(func.sum(GroundedAnswer.completion_tokens), 0))
                             .where(GroundedAnswer.mode == "llm")).one()
    tickets = session.execute(select(func.count(), func.count(Ticket.claimed_at), func.count(Ticket.resolved_at))).one()
    return {
        "notices": [((kind, platform), n) for kind, platform, n in sent],
        "nudges": [((), session.scalar(select(func.count()).select_from(NudgeSent)) or 0)],
        "announcements": [((), session.scalar(select(func.count()).select_from(AnnouncementPost)) or 0)],
        "grounded": [((mode, outcome), n) for mode, outcome, n in grounded],
        "feedback": [(("yes" if helpful else "no",), n) for helpful, n in feedback],
        "llm": [((), tokens[0])],
        "tokens": [(("prompt",), tokens[1]), (("completion",), tokens[2])],
        "tickets": [(("opened",), tickets[0]), (("claimed",), tickets[1]), (("resolved",), tickets[2])],
    }


TOTALS = {
    "notices": ("partnerbot_recorded_notices_sent", "Posts delivered, by kind (answer, ticket.new, reminder, ...) and platform",
                ("kind", "platform")),
    "nudges": ("partnerbot_recorded_nudges_sent", "Paperwork nudges sent to school contacts", ()),
    "announcements": ("partnerbot_recorded_announcements", "Training digests posted to channels", ()),
    "grounded": ("partnerbot_recorded_grounded_answers", "Answers from the department's knowledge, by mode and outcome",
                 ("mode", "outcome")),
    "feedback": ("partnerbot_recorded_grounded_feedback", "Feedback on those answers: was it helpful", ("helpful",)),
    "llm": ("partnerbot_recorded_llm_calls", "Questions sent to the language model", ()),
    "tokens": ("partnerbot_recorded_llm_tokens", "Tokens the language model was sent and wrote", ("kind",)),
    "tickets": ("partnerbot_recorded_ticket_events", "Consultation tickets opened, claimed and resolved", ("event",)),
}


def _total_families(totals: dict[str, list[tuple[tuple[str, ...], float]]], settings: Any) -> Iterator[Any]:
    """Gauges, not counters: what the records hold now falls when retention or `person forget` deletes rows,
    or a reopened ticket loses its claim; every `serve` reports the same figure (take `max`, not `sum`)."""
    from prometheus_client.core import GaugeMetricFamily

    for key, (name, help_text, labels) in TOTALS.items():
        family = GaugeMetricFamily(name, help_text, labels=labels)
        for values, count in totals[key]:
            family.add_metric(list(values), count)
        yield family
    llm = getattr(settings, "llm", None)
    if llm is not None:
        tokens = dict((kind[0], n) for kind, n in totals["tokens"])
        cost = GaugeMetricFamily("partnerbot_llm_recorded_cost_dollars",
                                 "The recorded tokens at today's prices (LLM_*_COST_PER_MILLION): an estimate")
        cost.add_metric([], llm.estimated_cost(tokens.get("prompt", 0), tokens.get("completion", 0)))
        yield cost


def _clock_overdue(session: Any, now: dt.datetime) -> float | None:
    """Seconds the clock's tick is overdue, from its job store (None where no clock has ever run)."""
    from sqlalchemy import inspect, text

    if not inspect(session.get_bind()).has_table("apscheduler_jobs"):
        return None
    due = session.execute(text("SELECT next_run_time FROM apscheduler_jobs WHERE id = 'tick'")).scalar()
    return None if due is None else now.timestamp() - float(due)
