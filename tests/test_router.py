"""The dispatcher: bad input, unknown and low-confidence questions, the question log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core import Message
from bot.models import ConversationState, QuestionLog
from bot.core import REPLY_INTENTS as INTENTS

BAD_INPUTS = [
    "",
    "   \n\t  ",
    "\x00\x01\x02\x7f",
    "🙂🙂🙂",
    "x" * 20_000,
    "¿Qué acuerdo necesito para un socio?",
    "'; DROP TABLE ticket; --",
    "<script>alert(1)</script> <!channel>",
    "SELECT * FROM partnership WHERE 1=1",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_gets_a_friendly_reply(harness, text: str) -> None:
    reply = harness.ask(text)
    assert reply.text.strip()
    assert "Traceback" not in reply.text
    assert reply.intent in INTENTS
    assert "error" not in reply.data, reply.data
    assert reply.to_dict()["text"] == reply.text


def test_empty_message_explains_what_the_bot_does(harness) -> None:
    reply = harness.ask("   ")
    assert reply.intent == "unknown" and reply.data["reason"] == "empty"
    assert len(reply.buttons) >= 3


def test_out_of_scope_question_is_unknown_and_logged(harness) -> None:
    reply = harness.ask("How do I book a field trip bus?", platform="slack", user="U9")
    assert reply.intent == "unknown" and reply.data["reason"] == "out_of_scope"
    assert "partnerships@district.example" in reply.text
    with harness.database.session() as s:
        row = s.scalars(select(QuestionLog).order_by(QuestionLog.id.desc())).first()
        assert (row.text, row.platform, row.user, row.answered) == ("How do I book a field trip bus?", "slack", "U9", False)


class FlatClassifier:
    """A stand-in classifier that is never sure: background checks 0.35, trainings 0.3, the rest spread thin."""

    def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
        self.real = real

    def understand(self, text, lookups):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        scores = {"background_checks": 0.35, "trainings": 0.3, "smalltalk": 0.2, "unknown": 0.15}
        return replace(self.real.understand(text, lookups), intent="background_checks", confidence=0.35, scores=scores)

    def similarity(self, text, others, lookups):  # type: ignore[no-untyped-def]
        return self.real.similarity(text, others, lookups)

    def refresh(self, session) -> None:  # type: ignore[no-untyped-def]
        pass


def test_low_confidence_offers_choices_instead_of_guessing(harness) -> None:
    from tests.conftest import brain

    harness.bot.classifier = FlatClassifier(brain()[1])
    reply = harness.ask("watch training")
    assert reply.data["candidates"] == ["background_checks", "trainings"]
    assert reply.intent == "unknown" and reply.data["reason"] == "low_confidence"
    assert len(reply.data["candidates"]) >= 2
    assert all(b.action in ("route", "menu") for b in reply.buttons)
    with harness.database.session() as s:
        row = s.scalars(select(QuestionLog).order_by(QuestionLog.id.desc())).first()
        assert row.answered is False and row.best_guess in reply.data["candidates"]
    chosen = harness.press(reply.buttons[0])
    assert chosen.intent == reply.data["candidates"][0]


def test_answered_questions_are_logged_with_intent(harness) -> None:
    harness.ask("Do schools run background checks for partner staff?")
    with harness.database.session() as s:
        row = s.scalars(select(QuestionLog)).one()
        assert row.intent == "background_checks" and row.answered and row.confidence > 0.5


def test_long_text_is_stored_truncated_in_the_log(harness) -> None:
    harness.ask("background check " + "x" * 20_000)
    with harness.database.session() as s:
        assert len(s.scalars(select(QuestionLog)).one().text) <= 2000


def test_unknown_button_action_is_handled(harness) -> None:
    reply = harness.bot.handle(Message("", "U-1", action="nope.gone", value="1"))
    assert reply.intent == "unknown" and "expired" in reply.text


def test_state_is_keyed_by_platform_channel_and_user(harness) -> None:
    harness.ask("which agreement applies?", platform="slack", session="C1", user="U1")
    with harness.database.session() as s:
        keys = set(s.scalars(select(ConversationState.key)))
    assert "slack:C1:U1" in keys


def test_database_down_reports_nothing_saved(harness) -> None:
    harness.database.engine.dispose()
    harness.database.engine.url = harness.database.engine.url.set(database="/nonexistent/dir/x.db")
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    broken = create_engine("sqlite:////nonexistent/dir/x.db")
    harness.bot.database.sessions = sessionmaker(broken)
    reply = harness.ask("I need a consultation: please review our MOU with Sound Mentors for Lowell")
    assert reply.data["error"] in ("database_unavailable", "database_error")
    assert "nothing was saved" in reply.text


def test_help_lists_capabilities_with_buttons(harness) -> None:
    reply = harness.ask("what can this bot do")
    assert reply.intent == "help"
    assert {b.label for b in reply.buttons} >= {"Which agreement applies?", "Ask the department"}
    menu = harness.press(reply, label="Which agreement applies?")
    assert menu.intent == "agreement" and menu.data["asking"] == "who_pays"


def test_a_failed_unit_of_work_leaves_no_notice_or_reminder(any_harness) -> None:
    from bot.db import insert_ignore
    from bot.models import OutboxMessage, Reminder, TrainingSession
    from bot.notify import Post, queue

    h = any_harness
    with pytest.raises(RuntimeError):
        with h.database.session() as s:
            assert queue(s, "k1", Post("ticket.new", "log", "department", "x"), now=h.now)
            assert not queue(s, "k1", Post("ticket.new", "log", "department", "x"), now=h.now)
            training = TrainingSession(source_key="t-1", title="RULER", starts_at=h.now, ends_at=h.now)
            s.add(training)
            s.flush()
            s.add(Reminder(session_id=training.id, platform="cli", user_id="U-1", channel="direct"))
            s.flush()
            assert s.scalars(select(Reminder)).first() is not None  # it was there, inside the unit of work
            raise RuntimeError("the turn failed after queueing")
    with h.database.session() as s:
        assert s.scalars(select(OutboxMessage)).first() is None
        assert s.scalars(select(Reminder)).first() is None
    with h.database.session() as s:
        assert queue(s, "k1", Post("ticket.new", "log", "department", "x"), now=h.now)
    with h.database.session() as s:
        assert len(list(s.scalars(select(OutboxMessage)))) == 1
        assert insert_ignore(s, OutboxMessage, {"dedupe_key": "k1", "kind": "k", "platform": "log", "target": "t",
                                                "payload": {}, "created_at": h.now, "next_attempt_at": h.now,
                                                "attempts": 0, "gave_up": False}, ("dedupe_key",)) is False


@pytest.mark.postgres
def test_a_connection_dropped_by_postgres_is_replaced_transparently(any_db_url: str, notifier) -> None:
    if not any_db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from sqlalchemy import create_engine, text

    from tests.conftest import FROZEN_NOW, Harness, make_settings

    h = Harness(make_settings(any_db_url), notifier, FROZEN_NOW)
    try:
        assert h.ask("which agreement applies?").data["asking"] == "who_pays"
        admin = create_engine(any_db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        admin.dispose()
        assert h.ask("the partner brings its own funding").data["agreement"] == "mou"
    finally:
        h.close()
