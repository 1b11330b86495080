"""A person's data for records requests (`partnerbot person export|forget`): every table that holds a
platform user is covered, row by row, on SQLite and PostgreSQL; a new table must say whether it holds one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from bot import people
from bot.cli import main
from bot.db import Database
from bot.models import (
    AuditEvent,
    ChannelRole,
    ConversationReference,
    ConversationState,
    CorrectionRequest,
    DepartmentAnswer,
    EmailAddress,
    FaqEntry,
    FaqTopicText,
    GroundedAnswer,
    InboxEvent,
    NudgeHold,
    Organisation,
    OutboxMessage,
    Partnership,
    QuestionLog,
    Reminder,
    School,
    SchoolContact,
    StaffMember,
    TaughtExample,
    Ticket,
    TicketEvent,
    TrainingSession,
)
from bot.models.base import Base
from bot.seed import prepare

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.timezone.utc)
ANA, BEN = people.Person("slack", "U0ANA"), people.Person("slack", "U0BEN")


def _everything_about(session, person: people.Person, n: int, school: School, partnership: Partnership,  # type: ignore[no-untyped-def]
                      training: TrainingSession) -> None:
    """One row in every table that holds a person, for `person`."""
    user, label = person.user_id, person.label
    session.add(ConversationState(key=f"slack:D{n}:{user}", flow="consultation", data={"topic": "agreements"}))
    session.add(QuestionLog(platform="slack", user=user, text=f"which agreement {n}", intent="agreement",
                            best_guess=None, confidence=0.9))
    session.add(GroundedAnswer(platform="slack", user=user, mode="retrieval", outcome="answered"))
    session.add(InboxEvent(event_key=f"Ev{n}", platform="slack", message={"user": user, "text": "hi", "platform": "slack"},
                           received_at=NOW, next_attempt_at=NOW))
    session.add(OutboxMessage(dedupe_key=f"answer-{n}", kind="answer", platform="slack", target=user,
                              payload={"text": "hello"}))
    session.add(Reminder(session_id=training.id, platform="slack", user_id=user))
    session.add(EmailAddress(platform="slack", user_id=user, address=f"person{n}@school.example", token=f"tok{n}"))
    session.add(OutboxMessage(dedupe_key=f"email-{n}", kind="ticket.requester", platform="email",
                              target=f"person{n}@school.example",
                              payload={"text": "picked up", "audience": f"user:slack:{user}"}))
    session.add(ConversationReference(conversation_id=f"conv-{n}", platform="slack", user_id=user, reference={}))
    ticket = Ticket(requester_platform="slack", requester_id=user, requester_name=f"Person {n}",
                    requester_channel=f"D{n}", topic="agreements", description=f"help with a lease {n}",
                    assignee_platform="slack", assignee_id=user, status="claimed")
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, kind="note", actor_platform="slack", actor_id=user, note="more"))
    session.add(CorrectionRequest(platform="slack", reporter=user, text="they left", school_id=school.id))
    session.add(SchoolContact(school_id=school.id, role=f"role{n}", name=f"Person {n}", slack_user=user))
    session.add(StaffMember(platform="slack", user_id=user))
    session.add(AuditEvent(actor=f"{label} (Person {n})", action="ticket.claim", target="C-1001"))
    session.add(TaughtExample(text=f"phrase {n}", intent="agreement", taught_by=label))
    session.add(DepartmentAnswer(key=f"answer{n}", title=f"Answer {n}", answer="Text.", updated_by=label))
    session.add(FaqEntry(key=f"data_sharing/entry-{n}", topic="data_sharing", answer="Text.", updated_by=label))
    session.add(FaqTopicText(name=f"topic{n}", title=f"Topic {n}", overview="Text.", updated_by=label))
    session.add(ChannelRole(platform="slack", channel=f"C{n}", role=f"department{n}", assigned_by=label))
    session.add(NudgeHold(partnership_id=partnership.id, what=f"insurance{n}", kind="snoozed",
                          until=NOW + dt.timedelta(days=30), by_user=label))


@pytest.fixture
def database(any_db_url: str):  # type: ignore[no-untyped-def]
    database = Database.connect(any_db_url)
    prepare(database, load_samples=False)
    with database.session() as session:
        school = session.scalars(select(School).order_by(School.id)).first()
        organisation = Organisation(name="Example Partner Collective")
        session.add(organisation)
        session.flush()
        partnership = Partnership(organisation_id=organisation.id, school_id=school.id, school_year="2026-27",
                                  agreement_type="mou")
        training = TrainingSession(source_key="t1", title="RULER", starts_at=NOW, ends_at=NOW)
        session.add_all([partnership, training])
        session.flush()
        _everything_about(session, ANA, 1, school, partnership, training)
        _everything_about(session, BEN, 2, school, partnership, training)
    yield database
    database.dispose()


def test_every_table_says_whether_it_holds_a_person() -> None:
    assert people.uncovered(Base.metadata) == set()
    newer = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(newer)
    Table("survey_answer", newer, Column("id", Integer, primary_key=True), Column("user_id", String(200)))
    assert people.uncovered(newer) == {"survey_answer"}  # a new table must be listed, one way or the other


def test_an_export_lists_every_table_holding_the_person_with_their_rows_only(database: Database) -> None:
    with database.session() as session:
        data = people.export(session, ANA)
    assert data["person"] == "slack:U0ANA"
    assert set(data["tables"]) == {h.label for h in people.HOLDINGS}
    for table, rows in data["tables"].items():
        assert len(rows) == 1, table  # one row each, and none of Ben's
        assert "U0BEN" not in json.dumps(rows, default=str), table
    assert data["tables"]["ticket"][0]["description"] == "help with a lease 1"


def test_forgetting_deletes_their_conversations_and_keeps_the_departments_records_without_them(
        database: Database) -> None:
    with database.session() as session:
        done = people.forget(session, ANA, "cli:records-officer")
    assert {t for t, n in done.deleted.items() if n == 1} == {
        "conversation_state", "question_log", "grounded_answer", "inbox_event", "outbox", "reminder",
        "conversation_reference", "outbox (e-mails to them)", "email_address"}
    assert set(done.kept) == {"staff_member", "audit_event", "ticket (assigned to them)"}
    with database.session() as session:
        after = people.export(session, ANA)
        for table, rows in after["tables"].items():
            assert rows == [] or table in done.kept, table
        assert after["tables"]["ticket"] == []  # the request itself no longer names them
        ticket = session.scalars(select(Ticket).where(Ticket.description == "help with a lease 1")).one()
        assert (ticket.requester_id, ticket.requester_name, ticket.requester_channel) == (people.FORGOTTEN, "", "")
        assert session.scalars(select(TicketEvent.actor_id).where(TicketEvent.ticket_id == ticket.id)).all() == [
            people.FORGOTTEN]
        assert session.scalar(select(SchoolContact.slack_user).where(SchoolContact.name == "Person 1")) == ""
        # Ben is untouched, table by table
        assert all(len(rows) == 1 for rows in people.export(session, BEN)["tables"].values())
        record = session.scalars(select(AuditEvent).where(AuditEvent.action == "person.forget")).one()
        assert record.actor == "cli:records-officer" and record.target == "slack:U0ANA"
        assert record.after["deleted"]["question_log"] == 1 and "which agreement" not in json.dumps(record.after)


def test_the_command_exports_as_json_and_forgets_only_when_told_to(database: Database, any_db_url: str,
                                                                   monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", any_db_url)
    monkeypatch.setenv("LOAD_SAMPLE_DATA", "0")
    assert main(["person", "export", "slack:U0ANA"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["tables"]["question_log"][0]["text"] == "which agreement 1"
    assert main(["person", "forget", "slack:U0ANA"]) == 2  # without --yes nothing is deleted
    assert "--yes" in capsys.readouterr().err
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(QuestionLog)) == 2
    assert main(["person", "forget", "slack:U0ANA", "--yes"]) == 0
    assert "deleted 1 from question_log" in capsys.readouterr().out
    with database.session() as session:
        assert session.scalars(select(QuestionLog.user)).all() == ["U0BEN"]
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(("person.export", "person.forget")))) == 2
    assert main(["person", "export", "nobody"]) == 2
    assert "platform:id" in capsys.readouterr().err
    assert main(["person", "forget", "slak:U0BEN", "--yes"]) == 2  # a misspelt platform forgets nobody
    assert "slack, teams, web" in capsys.readouterr().err


def test_a_web_chat_person_is_forgotten_too(database: Database) -> None:
    visitor = people.Person.parse("web:3f2a9c")
    with database.session() as session:
        session.add(QuestionLog(platform="web", user="3f2a9c", text="which agreement", intent="agreement",
                                best_guess=None, confidence=0.9))
        session.add(Ticket(requester_platform="web", requester_id="3f2a9c", topic="agreements", description="web ask"))
    with database.session() as session:
        done = people.forget(session, visitor, "cli:records-officer")
    assert done.deleted["question_log"] == 1 and done.kept_without_identity["ticket"] == 1
    with database.session() as session:
        assert session.scalar(select(Ticket.requester_id).where(Ticket.description == "web ask")) == people.FORGOTTEN
        assert session.scalar(select(func.count()).select_from(QuestionLog)) == 2  # Ana's and Ben's stay


def test_only_the_persons_own_conversations_match_whatever_the_case(database: Database) -> None:
    with database.session() as session:
        session.add_all([ConversationState(key="slack:D9:u0ana", data={}),  # another user, in lower case
                         ConversationState(key="slack:D9:XU0ANA", data={}),  # another user whose id ends alike
                         ConversationState(key="teams:D9:U0ANA", data={})])  # the same id on another platform
    with database.session() as session:
        keys = [row["key"] for row in people.export(session, ANA)["tables"]["conversation_state"]]
        assert keys == ["slack:D1:U0ANA"]
        people.forget(session, ANA, "cli:records-officer")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ConversationState)) == 4


def test_a_forgotten_requesters_ticket_sends_them_no_more_notices(database: Database) -> None:
    from bot.notify import Outbox, UserAudiences
    from bot.tickets import service

    with database.session() as session:
        people.forget(session, ANA, "cli:records-officer")
    with database.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.description == "help with a lease 1")).one()
        before = session.scalar(select(func.count()).select_from(OutboxMessage))
        service.resolve(session, Outbox(UserAudiences()), ticket.id, service.Actor("slack", "U0STAFF"), "done", NOW)
        targets = session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(
            f"ticket:{ticket.id}:requester:%"))).all()
        assert targets == [] and session.scalar(select(func.count()).select_from(OutboxMessage)) >= before
