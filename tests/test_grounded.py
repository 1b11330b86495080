"""Grounded answers for the long tail: retrieval over the department's knowledge, with
feedback; and the optional language model, against a local fake OpenAI-compatible
server (what it receives is what would leave the district)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from bot.app import build_grounded
from bot.core import Message, Reply
from bot.db import Database
from bot.insights import build_report, month_window
from bot.models import GroundedAnswer
from bot.retrieval import index as index_module
from bot.retrieval.index import KnowledgeIndex
from bot.retrieval.passages import Passage, load_passages
from bot.retrieval.scrub import scrub
from bot.seed import prepare
from tests.conftest import FROZEN_NOW, make_bot, make_settings
from tests.fakes import FakeLLM, ServerThread

OUTSIDE_THE_INTENTS = "are measurable outcomes required by the board"
"""Reaches the fallback (no confident intent); the Board Policy 4265 passage answers it."""
WITH_STUDENT_DETAILS = ("my student Maria Lopez (ID 1234567, born 3/4/2012, mom is maria.l@example.org, 206-555-0134): "
                        "are measurable outcomes required by the board")


class OutOfScope:
    """A classifier that reads every message as out of scope, confidently (the "outside what I can
    help with" path, whatever the examples make of a sentence)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def understand(self, text: str, lookups: Any) -> Any:
        return self.real.understand(text, lookups).as_intent("unknown", 0.95)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class World:
    def __init__(self, settings, fake: FakeLLM | None = None) -> None:  # type: ignore[no-untyped-def]
        self.settings, self.fake = settings, fake
        self.database = Database.connect(settings.database_url)
        prepare(self.database, load_samples=False)
        self.now = FROZEN_NOW
        self.bot = make_bot(settings, self.database, clock=lambda: self.now, grounded=build_grounded(settings))

    def ask(self, text: str, user: str = "U-1", session: str = "s-1") -> Reply:
        return self.bot.handle(Message(text, user, "cli", session, session))

    def press(self, reply: Reply, label: str, user: str = "U-1", session: str = "s-1") -> Reply:
        button = next(b for b in reply.buttons if b.label == label)
        return self.bot.handle(Message(label, user, "cli", session, session, action=button.action, value=button.value))

    def rows(self) -> list[GroundedAnswer]:
        with self.database.session() as session:
            return list(session.scalars(select(GroundedAnswer).order_by(GroundedAnswer.id)))


@pytest.fixture
def retrieval(sqlite_url: str) -> Iterator[World]:
    world = World(make_settings(sqlite_url))
    yield world
    world.database.dispose()


@pytest.fixture
def llm(sqlite_url: str) -> Iterator[World]:
    fake = FakeLLM()
    with ServerThread(fake.app()) as server:
        world = World(make_settings(sqlite_url, LLM_MODEL="gpt-test", LLM_BASE_URL=f"{server.url}/v1",
                                    LLM_API_KEY="sk-test", LLM_TIMEOUT_SECONDS="0.5"), fake)
        yield world
        world.database.dispose()


# -- retrieval only (the default) ------------------------------------------------------------------

def test_a_question_outside_the_intents_is_answered_from_the_knowledge_with_its_source(retrieval: World) -> None:
    reply = retrieval.ask(OUTSIDE_THE_INTENTS)
    assert reply.data["grounded"] is True and reply.data["mode"] == "retrieval"
    assert [s["key"] for s in reply.data["sources"]] == ["answer:board_policy_4265"]
    assert "approved by the principal" in reply.text and "measurable outcomes" in reply.text
    assert "Source: Partnership database: Board Policy 4265" in reply.text
    assert "Did this answer your question?" in reply.text
    assert [b.label for b in reply.buttons] == ["Yes, thanks", "No"]


def test_feedback_is_stored_for_the_person_who_asked_and_shown_in_the_report(retrieval: World) -> None:
    reply = retrieval.ask(OUTSIDE_THE_INTENTS)
    stranger = retrieval.press(reply, "No", user="U-2", session="s-2")
    assert "expired" in stranger.text
    thanks = retrieval.press(reply, "Yes, thanks")
    assert thanks.data["feedback"] == "yes"
    [row] = retrieval.rows()
    assert (row.mode, row.outcome, row.helpful, row.user) == ("retrieval", "answered", True, "U-1")
    second = retrieval.ask("what does policy 4265 require", session="s-3")
    sorry = retrieval.press(second, "No", session="s-3")
    assert sorry.data["feedback"] == "no" and sorry.buttons[0].action == "consultation.start"
    with retrieval.database.session() as session:
        report = build_report(session, *month_window(FROZEN_NOW))
    assert (report.grounded_answers, report.grounded_helpful, report.grounded_not_helpful) == (2, 1, 1)
    assert "2 answered from the department's knowledge (1 helped, 1 did not)" in report.to_text()


def test_nothing_in_the_knowledge_fits_so_the_bot_says_so(retrieval: World) -> None:
    reply = retrieval.ask("How do I book a field trip bus?")
    assert reply.intent == "unknown" and reply.data["reason"] == "out_of_scope" and not retrieval.rows()


def test_a_faq_topic_whose_entries_do_not_fit_takes_the_passage_that_does(retrieval: World) -> None:
    """Classified as a FAQ topic, but answered by a passage elsewhere: the intent stays the topic's."""
    reply = retrieval.ask("what does board policy 4265 say")
    assert reply.data.get("grounded") is True
    assert reply.data["sources"][0]["key"] == "answer:board_policy_4265" and reply.intent != "unknown"


def test_an_edited_knowledge_file_is_searched_within_seconds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watched = tmp_path / "answers.yaml"
    watched.write_text("v1")
    passages = [Passage("answer:a", "Parking", "Visitors park in the north lot.", "Test")]
    monkeypatch.setattr(index_module, "load_passages", lambda stored=None: list(passages))
    knowledge = KnowledgeIndex(tmp_path / "cache", files=[watched], check_seconds=0.0)
    assert knowledge.search("where do visitors park")[0].passage.key == "answer:a"
    assert knowledge.search("who signs the field trip form") == []
    passages.append(Passage("answer:b", "Field trips", "The principal signs every field trip form.", "Test"))
    watched.write_text("v2, a different size")
    import os
    os.utime(watched, (1, 2_000_000_000))
    assert knowledge.search("who signs the field trip form")[0].passage.key == "answer:b"


def test_the_departments_answers_are_searched_from_the_database_and_edits_within_seconds(
        sqlite_url: str, tmp_path: Path) -> None:
    from bot import department_answers
    from bot.db import Database
    from bot.seed import prepare

    database = Database.connect(sqlite_url)
    prepare(database, load_samples=False)
    try:
        knowledge = KnowledgeIndex(tmp_path / "cache", check_seconds=0.0,
                                   answers=department_answers.StoredAnswers(database))
        hit = knowledge.search("does the principal have to approve a partnership")[0].passage
        assert hit.key == "answer:board_policy_4265" and "Board Policy 4265" in hit.text  # seeded from the file
        now = dt.datetime.now(dt.timezone.utc)
        with database.session() as session:
            department_answers.save(session, "board_policy_4265", "Board Policy 4265", "Partnership database",
                                    "does the principal have to approve a partnership",
                                    "Principals approve every partnership in the Partnership Portal by Oct 1.",
                                    "desk:dana@district.example", now)
        hit = knowledge.search("does the principal have to approve a partnership")[0].passage
        assert "Partnership Portal by Oct 1" in hit.text
        with database.session() as session:
            department_answers.delete(session, "board_policy_4265", "desk:dana@district.example", now)
        assert all(h.passage.key != "answer:board_policy_4265"
                   for h in knowledge.search("does the principal have to approve a partnership"))
        prepare(database, load_samples=False)  # a restart does not bring a deleted answer back
        with database.session() as session:
            assert department_answers.one(session, "board_policy_4265") is None
    finally:
        database.dispose()


def test_every_knowledge_file_becomes_passages_with_a_source() -> None:
    passages = load_passages()
    keys = {p.key.split(":")[0] for p in passages}
    assert keys == {"faq", "agreement", "agreement-note", "answer"}
    assert all(p.source and p.text for p in passages)
    assert any("WATCH" in p.text and "$11" in p.text for p in passages)


# -- with a language model ------------------------------------------------------------------------

def test_the_answers_citation_numbers_match_the_sources_shown(llm: World) -> None:
    """Only cited passages are listed, from [1]: the answer's own markers follow them."""
    assert llm.fake is not None
    llm.fake.reply = "The partner's own organisation runs it [2]."
    llm.bot.classifier = OutOfScope(llm.bot.classifier)  # type: ignore[assignment]
    reply = llm.ask("how much does a WATCH background check cost and who runs it")
    second = llm.fake.question_of().split("\n\n")[2]  # "[2] (source: title) text"
    assert second.startswith("[2] (")
    source, _, title = second[len("[2] ("):second.index(")")].partition(": ")
    cited = source if source == title else f"{source}: {title}"
    answer = reply.text.split("\n\nSource")[0]
    assert answer.endswith("runs it [1].") and f"[1] {cited}" in reply.text and "[2]" not in reply.text


def test_a_cut_off_or_odd_model_answer_never_breaks_the_reply(llm: World) -> None:
    assert llm.fake is not None
    llm.fake.reply = "See the tools at {link:partnership_tools [1]"
    reply = llm.ask(OUTSIDE_THE_INTENTS)
    assert "went wrong" not in reply.text and "{link:" not in reply.text


def test_the_model_answers_from_the_passages_and_its_citations_are_shown(llm: World) -> None:
    assert llm.fake is not None
    llm.fake.reply = "Yes: partnerships need measurable outcomes tied to school goals [1]."
    reply = llm.ask(OUTSIDE_THE_INTENTS)
    assert reply.data["mode"] == "llm" and reply.data["grounded"] is True
    assert "measurable outcomes tied to school goals [1]" in reply.text
    assert "[1] Partnership database: Board Policy 4265" in reply.text
    [request] = llm.fake.requests
    assert request["model"] == "gpt-test" and request.get("stream") in (False, None)
    system, user = request["messages"]
    assert system["role"] == "system" and "ONLY from the numbered passages" in system["content"]
    assert "[1] (Partnership database: Board Policy 4265)" in user["content"]
    assert user["content"].endswith("Question: " + OUTSIDE_THE_INTENTS)
    [row] = llm.rows()
    assert (row.mode, row.outcome, row.prompt_tokens, row.completion_tokens) == ("llm", "answered", 120, 30)


def test_only_the_current_question_is_sent_never_the_conversation(llm: World) -> None:
    assert llm.fake is not None
    llm.fake.reply = "Partnerships are documented and approved by the principal [1]."
    llm.ask("who keeps the signed letter on file")
    llm.ask(OUTSIDE_THE_INTENTS)
    assert len(llm.fake.requests) == 2
    second = llm.fake.requests[1]["messages"]
    assert len(second) == 2 and "signed letter" not in json.dumps(second)


def test_when_no_passage_fits_the_model_says_it_does_not_know(llm: World) -> None:
    assert llm.fake is not None
    llm.fake.reply = "I don't know, ask the department."
    llm.bot.classifier = OutOfScope(llm.bot.classifier)  # type: ignore[assignment]
    reply = llm.ask("who keeps the signed letter on file")
    assert len(llm.fake.requests) == 1
    assert "I don't know that one" in reply.text and "partnerships@district.example" in reply.text
    assert reply.data["grounded"] is False and [b.action for b in reply.buttons] == ["consultation.start"]
    assert [r.outcome for r in llm.rows()] == ["refused"]


@pytest.mark.parametrize("fault", ["timeout", "status_500", "no_citation", "names_an_agreement"])
def test_a_failing_or_ungrounded_model_falls_back_to_the_passage(llm: World, fault: str) -> None:
    assert llm.fake is not None
    if fault == "timeout":
        llm.fake.delay, llm.fake.reply = 2.0, "Too late [1]."
    elif fault == "status_500":
        llm.fake.status = 500
    elif fault == "no_citation":
        llm.fake.reply = "Yes, outcomes are required."
    else:
        llm.fake.reply = "You should sign an MOU with measurable outcomes [1]."
    reply = llm.ask(OUTSIDE_THE_INTENTS)
    assert len(llm.fake.requests) == 1, "asked once, no retries"
    assert reply.data["mode"] == "retrieval" and "approved by the principal" in reply.text
    assert "MOU" not in reply.text and "Too late" not in reply.text
    [row] = llm.rows()
    assert (row.mode, row.outcome) == ("llm", "fallback")


def test_student_details_are_scrubbed_from_what_the_server_receives_and_the_user_is_told(llm: World) -> None:
    assert llm.fake is not None
    llm.fake.reply = "Yes, measurable outcomes tied to school goals [1]."
    reply = llm.ask(WITH_STUDENT_DETAILS)
    sent = llm.fake.question_of()
    for detail in ("Maria", "Lopez", "1234567", "3/4/2012", "maria.l@example.org", "206-555-0134"):
        assert detail not in json.dumps(llm.fake.requests)
    assert "[name]" in sent and "[id number]" in sent and "[date]" in sent and "[e-mail]" in sent and "[phone]" in sent
    assert reply.text.startswith("I took an e-mail address, a date of birth, a phone number, a student ID and "
                                 "a student's name out of your question")
    assert sorted(llm.rows()[0].scrubbed) == sorted(["an e-mail address", "a date of birth", "a phone number",
                                                     "a student ID", "a student's name"])


def test_scrubbing_leaves_ordinary_questions_alone() -> None:
    for text in ("does the DSA cover the 2026-2027 school year?", "is a WATCH check about $11?",
                 "what forms do students need", "The student said hello"):
        assert scrub(text).text == text and not scrub(text).removed
    assert scrub("a student named jo smith").text == "a student [name]"
    assert scrub("students Ana and Luis Ortiz need help").text == "students [name] need help"
    # capitals, a possessive, and names outside ASCII
    assert scrub("Student Maria Lopez has an IEP").text == "Student [name] has an IEP"
    assert "Maria" not in scrub("my student's name is Maria Lopez").text
    assert scrub("A student named José García").text == "A student [name]"


def test_agreement_questions_and_confident_intents_never_reach_the_model(llm: World) -> None:
    assert llm.fake is not None
    llm.fake.reply = "Anything [1]."
    assert llm.ask("the PTA pays a dance teacher, which agreement do we need?").intent == "agreement"
    assert llm.ask("upcoming trainings", session="s-2").intent == "trainings"
    assert llm.ask("how much does a WATCH check cost", session="s-3").intent == "background_checks"
    llm.ask("does the board want a contract with measurable outcomes", session="s-4")
    assert llm.fake.requests == []
    with llm.database.session() as session:  # however a question naming an agreement gets here, the rules own it
        grounded = llm.bot.grounded
        assert grounded is not None
        found = grounded.answer(session, Message("q", "U-9", "cli"), "does policy 4265 apply to a lease", FROZEN_NOW)
    assert llm.fake.requests == [] and found is not None and found.mode == "retrieval"


def test_per_user_and_global_rate_limits_keep_questions_from_the_model(sqlite_url: str) -> None:
    fake = FakeLLM(reply="Outcomes tied to school goals [1].")
    with ServerThread(fake.app()) as server:
        world = World(make_settings(sqlite_url, LLM_MODEL="gpt-test", LLM_BASE_URL=f"{server.url}/v1",
                                    LLM_PER_USER_PER_HOUR="2", LLM_PER_MINUTE="3"), fake)
        answers = [world.ask(OUTSIDE_THE_INTENTS, session=f"a{n}") for n in range(3)]
        assert len(fake.requests) == 2, "the third question of the hour stays on this server"
        assert [a.data["mode"] for a in answers] == ["llm", "llm", "retrieval"]
        assert world.rows()[-1].outcome == "rate_limited"
        world.ask(OUTSIDE_THE_INTENTS, user="U-2", session="b1")
        world.ask(OUTSIDE_THE_INTENTS, user="U-3", session="c1")
        assert len(fake.requests) == 3, "three a minute for everyone"
        world.now += dt.timedelta(minutes=2)
        world.ask(OUTSIDE_THE_INTENTS, user="U-3", session="c2")
        assert len(fake.requests) == 4
        world.database.dispose()


def test_azure_openai_is_reached_at_its_deployment_with_the_api_version(sqlite_url: str) -> None:
    fake = FakeLLM(reply="Outcomes tied to school goals [1].")
    with ServerThread(fake.app()) as server:
        world = World(make_settings(sqlite_url, LLM_MODEL="partnerbot-gpt", LLM_BASE_URL=server.url,
                                    LLM_API_KEY="azure-key", LLM_API_VERSION="2024-10-21"), fake)
        assert world.ask(OUTSIDE_THE_INTENTS).data["mode"] == "llm"
        assert fake.paths == ["/openai/deployments/partnerbot-gpt/chat/completions?api-version=2024-10-21"]
        world.database.dispose()


def test_the_log_line_has_sources_latency_and_tokens_but_not_the_question(llm: World,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    assert llm.fake is not None
    llm.fake.reply = "Outcomes tied to school goals [1]."
    with caplog.at_level(logging.INFO, logger="partnerbot.retrieval"):
        llm.ask(WITH_STUDENT_DETAILS)
    [line] = [r for r in caplog.records if r.getMessage() == "grounded answer"]
    turn: dict[str, Any] = line.turn  # type: ignore[attr-defined]
    assert turn["sources"] == ["answer:board_policy_4265"] and turn["prompt_tokens"] == 120 and "latency_ms" in turn
    assert "Maria" not in json.dumps(turn) and "text" not in turn


def test_the_report_counts_model_questions_and_estimates_their_cost(llm: World) -> None:
    assert llm.fake is not None
    llm.fake.reply = "Outcomes tied to school goals [1]."
    for n in range(3):
        llm.ask(OUTSIDE_THE_INTENTS, session=f"r{n}")
    with llm.database.session() as session:
        report = build_report(session, *month_window(FROZEN_NOW), llm=llm.settings.llm)
    assert report.llm_questions == 3 and report.llm_prompt_tokens == 360 and report.llm_completion_tokens == 90
    # 360 prompt tokens at $0.15 and 90 completion tokens at $0.60 per million
    assert report.llm_cost == pytest.approx(360 * 0.15 / 1e6 + 90 * 0.60 / 1e6)
    assert "3 questions went to the language model" in report.to_text()


def test_a_question_read_as_out_of_scope_is_still_answered_when_the_knowledge_holds_it(sqlite_url: str) -> None:
    """The "outside what I can help with" path searches too (not only the unsure one): a classifier
    that reads everything as out of scope, confidently."""
    from bot.platforms import outbox
    from bot.router import Bot
    from tests.conftest import brain

    settings = make_settings(sqlite_url)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    registry, classifier = brain()
    bot = Bot(settings, database, registry, OutOfScope(classifier), outbox=outbox(settings),  # type: ignore[arg-type]
              grounded=build_grounded(settings))
    reply = bot.handle(Message(OUTSIDE_THE_INTENTS, "U-1", "cli", "s", "s"))
    assert reply.data.get("grounded") is True and reply.data["sources"][0]["key"] == "answer:board_policy_4265"
    assert bot.handle(Message("How do I book a field trip bus?", "U-1", "cli", "t", "t")).data["reason"] == "out_of_scope"
    database.dispose()


def test_the_cached_index_is_refitted_when_the_search_code_changes(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is keyed by the passages and by the code that turns text into terms (a new stem rule
    must not meet vectors made with the old one)."""
    KnowledgeIndex(tmp_path).search("board policy")
    assert len(list(tmp_path.glob("retrieval-index-*.pickle"))) == 1
    KnowledgeIndex(tmp_path).search("board policy")
    assert len(list(tmp_path.glob("retrieval-index-*.pickle"))) == 1, "same passages, same code: read, not refitted"
    edited = tmp_path / "text.py"
    edited.write_text("# the same analyser with a new stem rule\n", encoding="utf-8")
    monkeypatch.setattr(index_module, "ANALYSIS_SOURCES", index_module.ANALYSIS_SOURCES + (edited,))
    KnowledgeIndex(tmp_path).search("board policy")
    assert len(list(tmp_path.glob("retrieval-index-*.pickle"))) == 2
