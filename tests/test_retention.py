"""Retention (RETENTION_DAYS, TICKET_RETENTION_DAYS, AUDIT_RETENTION_DAYS): what is past its period is
deleted, table by table, on SQLite and PostgreSQL, in batches of their own; what is still in use stays."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import event, func, select

from bot import retention
from bot.config import ConfigError, Settings
from bot.db import Database
from bot.models import (
    AuditEvent,
    ConversationState,
    CorrectionRequest,
    GroundedAnswer,
    InboxEvent,
    OutboxMessage,
    QuestionLog,
    Reminder,
    Ticket,
    TicketEvent,
    TrainingSession,
)
from bot.scheduler import Clock, build_scheduler
from bot.seed import prepare
from tests.conftest import make_settings

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.timezone.utc)


def _rows(session, age: dt.timedelta, tag: str, training: TrainingSession) -> None:  # type: ignore[no-untyped-def]
    """One row of every kind retention looks at, `age` old; the unfinished ones (an unanswered event, a
    notice still to send, a reminder not yet due, an open ticket) too."""
    at = NOW - age
    session.add(ConversationState(key=f"slack:D1:{tag}", flow=None, data={}, updated_at=at))
    session.add(QuestionLog(platform="slack", user=tag, text="hi", intent="help", best_guess=None, confidence=1.0,
                            asked_at=at))
    session.add(GroundedAnswer(platform="slack", user=tag, mode="retrieval", outcome="answered", asked_at=at,
                               helpful=True, feedback_at=at))
    session.add(InboxEvent(event_key=f"done-{tag}", platform="slack", message={}, received_at=at, next_attempt_at=at,
                           done_at=at, outcome="answered"))
    session.add(InboxEvent(event_key=f"waiting-{tag}", platform="slack", message={}, received_at=at, next_attempt_at=at))
    session.add(OutboxMessage(dedupe_key=f"sent-{tag}", kind="answer", platform="slack", target=tag, payload={},
                              created_at=at, sent_at=at))
    session.add(OutboxMessage(dedupe_key=f"pending-{tag}", kind="answer", platform="slack", target=tag, payload={},
                              created_at=at))
    session.add(Reminder(session_id=training.id, platform="slack", user_id=f"sent-{tag}", created_at=at, sent_at=at))
    session.add(Reminder(session_id=training.id, platform="slack", user_id=f"due-{tag}", created_at=at))
    session.add(AuditEvent(actor="cli:dana", action="staff.add", target=tag, at=at))
    resolved = Ticket(requester_platform="slack", requester_id=tag, topic="agreements", description=f"resolved {tag}",
                      status="resolved", created_at=at, resolved_at=at)
    still_open = Ticket(requester_platform="slack", requester_id=tag, topic="agreements", description=f"open {tag}",
                        created_at=at)
    session.add_all([resolved, still_open])
    session.flush()
    session.add(TicketEvent(ticket_id=resolved.id, kind="resolved", actor_platform="slack", actor_id="U0STAFF", at=at))
    session.add(CorrectionRequest(platform="slack", reporter=tag, text="moved", ticket_id=resolved.id, created_at=at))


@pytest.fixture
def database(any_db_url: str):  # type: ignore[no-untyped-def]
    database = Database.connect(any_db_url)
    prepare(database, load_samples=False)
    with database.session() as session:
        training = TrainingSession(source_key="t1", title="RULER", starts_at=NOW, ends_at=NOW)
        session.add(training)
        session.flush()
        _rows(session, dt.timedelta(days=400), "old", training)
        _rows(session, dt.timedelta(days=10), "new", training)
    yield database
    database.dispose()


def _count(database: Database, model, where=None) -> int:  # type: ignore[no-untyped-def]
    with database.session() as session:
        query = select(func.count()).select_from(model)
        return session.scalar(query if where is None else query.where(where)) or 0


def test_conversations_logs_and_finished_deliveries_go_after_the_retention_period(
        database: Database, any_db_url: str) -> None:
    removed = retention.prune(database, make_settings(any_db_url), NOW)  # the default: 365 days, tickets and audit kept
    assert removed["question log"] == 1 and removed["conversation state"] == 1
    assert _count(database, QuestionLog) == 1 and _count(database, QuestionLog, QuestionLog.user == "new") == 1
    assert _count(database, ConversationState) == 1 and _count(database, GroundedAnswer) == 1
    with database.session() as session:  # a year old, an unanswered event or unsent notice is moot: it goes too
        assert sorted(session.scalars(select(InboxEvent.event_key))) == ["done-new", "waiting-new"]
        assert sorted(session.scalars(select(OutboxMessage.dedupe_key))) == ["pending-new", "sent-new"]
        assert sorted(session.scalars(select(Reminder.user_id))) == ["due-new", "sent-new"]
    assert _count(database, AuditEvent) == 2 and _count(database, Ticket) == 4  # kept by their own settings (0)


def test_tickets_and_the_audit_log_go_by_their_own_settings(database: Database, any_db_url: str) -> None:
    settings = dataclasses.replace(make_settings(any_db_url), retention_days=0, ticket_retention_days=30,
                                   audit_retention_days=3650)
    removed = retention.prune(database, settings, NOW)
    assert removed == {"audit log": 0, "closed tickets": 1, "e-mail addresses never confirmed": 0}
    with database.session() as session:
        assert sorted(session.scalars(select(Ticket.description))) == ["open new", "open old", "resolved new"]
        assert session.scalar(select(func.count()).select_from(TicketEvent)) == 1  # the old ticket's history went too
        corrections = dict(session.execute(select(CorrectionRequest.reporter, CorrectionRequest.ticket_id)).all())
        assert corrections["old"] is None and corrections["new"] is not None  # the correction stays, unlinked
    assert _count(database, QuestionLog) == 2  # RETENTION_DAYS=0 keeps conversations


def test_pruning_goes_in_batches_each_its_own_transaction(database: Database, any_db_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with database.session() as session:
        for n in range(7):
            session.add(QuestionLog(platform="slack", user=f"u{n}", text="hi", intent="help", best_guess=None,
                                    confidence=1.0, asked_at=NOW - dt.timedelta(days=500)))
    monkeypatch.setattr(retention, "BATCH", 3)
    deletes: list[str] = []
    commits: list[int] = []

    def seen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("DELETE FROM QUESTION_LOG"):
            deletes.append(statement)
            commits.append(len(committed))

    committed: list[int] = []
    event.listen(database.engine, "before_cursor_execute", seen)
    event.listen(database.engine, "commit", lambda conn: committed.append(1))
    try:
        removed = retention.prune(database, make_settings(any_db_url), NOW)
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert removed["question log"] == 8 and _count(database, QuestionLog) == 1
    assert len(deletes) == 3  # 8 rows in batches of 3
    assert len(set(commits)) == 3  # each batch committed before the next: never one long transaction


def test_the_clock_prunes_daily_at_half_past_three(any_db_url: str) -> None:
    settings = make_settings(any_db_url)
    database = Database.connect(any_db_url)
    prepare(database, load_samples=False)
    scheduler = build_scheduler(Clock(settings, database, now=lambda: NOW), blocking=False)
    job = scheduler.get_job("retention")
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("3", "30")
    database.dispose()


@pytest.mark.parametrize("value", ["-1", "1.5", "a year"])
def test_a_retention_period_that_is_not_whole_days_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="RETENTION_DAYS"):
        Settings.from_env({"RETENTION_DAYS": value})


def test_the_command_prunes_now_and_says_what_it_deleted(database: Database, any_db_url: str,
                                                         monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    for name, value in {"DATABASE_URL": any_db_url, "LOAD_SAMPLE_DATA": "0", "RETENTION_DAYS": "30"}.items():
        monkeypatch.setenv(name, value)
    assert main(["prune"]) == 0
    out = capsys.readouterr().out
    assert "question log: 1 deleted" in out and "reminders: 2 deleted" in out
    assert _count(database, QuestionLog) == 1
