"""Delivery under faults: every acknowledged event answered once, every notice posted once.

Fault injection with real processes, a real database file and the fake Slack Web API:
`serve` killed with SIGKILL right after acknowledging, the database refusing writes at
ack time, Slack answering 500/429 or too slowly, two senders sharing one outbox.
Run apart with `pytest -m faults`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot import inbox
from bot.config import ConfigError, Settings
from bot.core import Message
from bot.db import Database
from bot.inbox import InboxEntry
from bot.insights import build_report, month_window
from bot.intake import InboxWriter
from bot.models import InboxEvent, OutboxMessage
from bot.notify import Delivery, Post, deliver_pending, queue
from bot.platforms.slack.notifier import SlackNotifier
from bot.seed import prepare
from bot.spool import Spool
from tests.conftest import make_settings
from tests.fakes import SIGNING_SECRET, FakeConnector, FakeSlack, ServerThread, free_port, slack_headers
from tests.test_slack import SlackWorld, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.faults
NOW = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.timezone.utc)


def dm(text: str, channel: str, user: str = "U1", ts: str = "1700000002.000100") -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel}


def signed_event(event: dict[str, Any], event_id: str) -> tuple[str, dict[str, str]]:
    body = json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})
    return body, slack_headers(body)


def wait_until(check, timeout: float = 20.0, what: str = "condition") -> Any:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def answers_by_channel(slack: FakeSlack) -> dict[str, int]:
    counts: dict[str, int] = {}
    for post in slack.named("chat.postMessage"):
        counts[post["channel"]] = counts.get(post["channel"], 0) + 1
    return counts


# -- direct answers go through the outbox ------------------------------------------------------

def test_a_direct_answer_is_retried_after_500_and_429_and_posted_once(world: SlackWorld) -> None:  # noqa: F811
    world.slack.fail["chat.postMessage"] = [(500, {"ok": False, "error": "internal_error"}, {}),
                                           (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})]
    world.event(dm("Who works with Franklin?", "D1"), event_id="Ev-500")
    world.slack.wait_for("chat.postMessage", 1)  # the first try, answered 500
    sessions = world.runtime.database.sessions
    wait_until(lambda: _answer_row(sessions) is not None and _answer_row(sessions).attempts == 1, what="first attempt")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    assert deliver_pending(sessions, world.runtime.notifiers, later) == 0  # 429
    row = _answer_row(sessions)
    assert row.sent_at is None and row.next_attempt_at == later + dt.timedelta(seconds=7)  # Retry-After honoured
    assert deliver_pending(sessions, world.runtime.notifiers, later + dt.timedelta(seconds=8)) == 1
    assert deliver_pending(sessions, world.runtime.notifiers, later + dt.timedelta(hours=1)) == 0
    posts = world.slack.named("chat.postMessage")
    assert len(posts) == 3 and all(p["channel"] == "D1" for p in posts)
    assert "Franklin" in posts[-1]["blocks"][0]["text"]["text"]
    assert _answer_row(sessions).sent_at is not None


def _answer_row(sessions) -> OutboxMessage | None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "answer"))


# -- a send whose outcome is unknown is looked up, not repeated -------------------------------

def test_a_timed_out_post_is_found_in_the_history_not_posted_again(sqlite_url: str) -> None:
    slack = FakeSlack(delay={"chat.postMessage": 1.0})
    with ServerThread(slack.app()) as fake:
        settings = make_settings(sqlite_url, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=f"{fake.url}/api/")
        database = Database.connect(settings.database_url)
        prepare(database, load_samples=False)
        client = WebClient(token="xoxb-test", base_url=f"{fake.url}/api/", timeout=0.3, retry_handlers=[])
        notifiers = {"slack": SlackNotifier(settings, client)}
        with database.session() as session:
            queue(session, "ticket:7:new", Post("consultation", "slack", "C-DEPT", "New consultation request C-0007"), now=NOW)
        assert deliver_pending(database.sessions, notifiers, NOW) == 0  # timed out: outcome unknown
        with database.session() as session:
            row = session.scalar(select(OutboxMessage))
            assert row is not None and row.last_error.startswith("outcome unknown")
        assert deliver_pending(database.sessions, notifiers, NOW + dt.timedelta(hours=1)) == 1
        assert len(slack.named("chat.postMessage")) == 1  # found by its key in the channel's history
        assert slack.posted[0]["metadata"]["event_payload"]["key"] == "ticket:7:new"
        with database.session() as session:
            row = session.scalar(select(OutboxMessage))
            assert row is not None and row.sent_at is not None and row.external_ref == f"C-DEPT|{slack.posted[0]['ts']}"
        database.dispose()


# -- the lease starts when a row is taken ------------------------------------------------------

class SlowSender:
    """Each send takes 50 s of the shared clock; while sending one row, another process runs."""

    def __init__(self, clock: list[dt.datetime], name: str, sent: list[tuple[str, str]], during=None) -> None:  # type: ignore[no-untyped-def]
        self.clock, self.name, self.sent, self.during = clock, name, sent, during

    def send(self, post: Post, previous_ref: str | None) -> Delivery:
        self.clock[0] += dt.timedelta(seconds=50)
        if self.during is not None and post.text == "notice 4":
            self.during()
        self.sent.append((self.name, post.text))
        return Delivery(f"ref-{post.text}")


def test_a_slow_batch_never_lets_another_process_send_a_row_twice(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    with database.session() as session:
        for n in range(1, 7):
            queue(session, f"n{n}", Post("announcement", "slack", "C1", f"notice {n}"), now=NOW)
    clock = [NOW]
    sent: list[tuple[str, str]] = []
    other = SlowSender(clock, "B", sent)
    first = SlowSender(clock, "A", sent, during=lambda: deliver_pending(
        database.sessions, {"slack": other}, clock=lambda: clock[0]))
    deliver_pending(database.sessions, {"slack": first}, clock=lambda: clock[0])
    texts = [text for _, text in sent]
    assert sorted(texts) == [f"notice {n}" for n in range(1, 7)]  # each exactly once
    assert ("B", "notice 4") not in sent  # A was still sending it, under a lease counted from when A took it
    database.dispose()


# -- the database away when events arrive ------------------------------------------------------

def test_events_acknowledged_while_the_database_is_away_are_spooled_then_answered(tmp_path: Path, sqlite_url: str) -> None:
    away = Database.connect(f"sqlite:///{tmp_path}/missing-dir/none.db")  # cannot be opened: every write fails
    spool = Spool(tmp_path / "spool")
    entries = [InboxEntry(f"slack:Ev-out-{n}", Message(f"question {n}", "U1", "slack", f"D{n}", f"D{n}"))
               for n in range(5)]

    async def acknowledge_all() -> None:
        writer = InboxWriter(away, spool)
        await asyncio.gather(*(writer.put(entry) for entry in entries))  # no exception: acknowledged
        writer.close()

    asyncio.run(acknowledge_all())
    assert spool.pending()
    settings = make_settings(sqlite_url)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    back = InboxWriter(database, spool)
    assert back.replay() == 5 and not spool.pending()
    assert back.replay() == 0
    back.close()
    with database.session() as session:
        assert sorted(session.scalars(select(InboxEvent.event_key))) == sorted(e.key for e in entries)
        assert inbox.depth(session) == 5
        start, end = month_window(dt.datetime.now(dt.timezone.utc))
        report = build_report(session, start, end)
        assert report.inbox_waiting == 5 and "5 events waiting for an answer" in report.to_text()
    database.dispose()
    away.dispose()


def test_with_the_journal_intake_an_ack_never_waits_on_the_databases_write_lock(tmp_path: Path, sqlite_url: str) -> None:
    """Issue 23: on SQLite the ack waited on the database's one write lock, which answering processes hold in
    turns. With the journal intake (SQLite's default) it waits on a local append only, and the event reaches the
    inbox when it is moved; with the database intake the same ack waits for the lock."""
    settings = make_settings(sqlite_url)
    assert settings.intake == "journal" and make_settings("postgresql://db/x").intake == "database"
    assert Settings.from_env({"DATABASE_URL": "postgresql://db/x", "PARTNERBOT_INTAKE": "journal"}).intake == "journal"
    with pytest.raises(ConfigError, match="PARTNERBOT_INTAKE"):
        Settings.from_env({"PARTNERBOT_INTAKE": "disk"})
    database = Database.connect(sqlite_url)
    prepare(database, load_samples=False)
    spool = Spool(tmp_path / "spool")
    entry = InboxEntry("slack:Ev-held", Message("hello", "U1", "slack", "D1", "D1"))
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")  # an answering process is writing
    try:
        writer = InboxWriter(database, spool, settings.intake)
        asyncio.run(asyncio.wait_for(writer.put(entry), 2.0))  # acknowledged while the lock is held
        waiting = InboxWriter(database, Spool(tmp_path / "other"), "database")
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(asyncio.wait_for(waiting.put(entry), 0.5))
    finally:
        holder.rollback()
        holder.close()
    assert spool.pending() == 1 and writer.replay() == 1 and not spool.pending()
    with database.session() as session:
        assert list(session.scalars(select(InboxEvent.event_key))) == ["slack:Ev-held"]
    writer.close()
    database.dispose()


# -- kill -9 right after acknowledging ---------------------------------------------------------

def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = open(Path(env["PARTNERBOT_SPOOL_DIR"]).parent / f"serve-{port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _ready(url) or proc.poll() is not None, timeout=60, what="serve to start")
    assert proc.poll() is None, "serve exited at start"
    return proc, url


def _ready(url: str) -> bool:
    try:
        return requests.get(url + "/readyz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_after_acknowledging_loses_no_event_and_leaves_no_orphan(tmp_path: Path) -> None:
    slack = FakeSlack(delay={"chat.postMessage": 0.3})
    with ServerThread(slack.app()) as fake:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "SLACK_BOT_TOKEN": "xoxb-test",
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": f"{fake.url}/api/",
               "PARTNERBOT_LEASE_SECONDS": "3", "PARTNERBOT_SPOOL_DIR": str(tmp_path / "spool"),
               "LOAD_SAMPLE_DATA": "0"}
        proc, url = _serve(env)
        workers = wait_until(lambda: _children(proc.pid), what="the answering worker")
        for n in range(20):
            body, headers = signed_event(dm(f"which agreement applies? ({n})", f"D{n}"), f"Ev-kill-{n}")
            assert requests.post(url + "/slack/events", data=body, headers=headers, timeout=10).status_code == 200
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        wait_until(lambda: not any(_alive(pid) for pid in workers), timeout=10, what="the worker to die with serve")
        answered_before = sum(answers_by_channel(slack).values())
        assert answered_before < 20, "the kill came too late to test anything"
        again, _ = _serve(env)
        try:
            counts = wait_until(lambda: (c := answers_by_channel(slack)) and len(c) == 20 and c, timeout=60,
                                what="all 20 answers")
            time.sleep(4)  # past a lease: nothing is answered a second time
            counts = answers_by_channel(slack)
            assert counts == {f"D{n}": 1 for n in range(20)}
        finally:
            again.send_signal(signal.SIGTERM)
            again.wait(30)


def teams_message(text: str, n: int, service_url: str) -> dict[str, Any]:
    return {"type": "message", "id": f"act-in-{n}", "serviceUrl": service_url, "channelId": "msteams",
            "from": {"id": f"29:user-{n}", "name": f"User {n}"}, "recipient": {"id": "28:bot", "name": "partnerbot"},
            "conversation": {"conversationType": "personal", "tenantId": "t1", "id": f"a:chat-{n}"},
            "channelData": {"tenant": {"id": "t1"}}, "text": text}


def answers_by_conversation(connector: FakeConnector) -> dict[str, int]:
    counts: dict[str, int] = {}
    for post in connector.posts:
        counts[post["conversation"]] = counts.get(post["conversation"], 0) + 1
    return counts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_after_accepting_teams_activities_loses_none(tmp_path: Path) -> None:
    """Teams activities go through the same inbox: each answered once, as a reply, after a restart."""
    connector = FakeConnector(delay=0.3)
    with ServerThread(connector.app()) as fake:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "PARTNERBOT_LEASE_SECONDS": "3",
               "PARTNERBOT_SPOOL_DIR": str(tmp_path / "spool"), "LOAD_SAMPLE_DATA": "0"}
        proc, url = _serve(env)
        for n in range(12):
            activity = teams_message(f"which agreement applies? ({n})", n, fake.url + "/")
            assert requests.post(url + "/api/messages", json=activity, timeout=10).status_code in (200, 201)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert sum(answers_by_conversation(connector).values()) < 12, "the kill came too late to test anything"
        again, _ = _serve(env)
        try:
            wait_until(lambda: len(answers_by_conversation(connector)) == 12, timeout=60, what="all 12 answers")
            time.sleep(4)  # past a lease: nothing is answered a second time
            assert answers_by_conversation(connector) == {f"a:chat-{n}": 1 for n in range(12)}
            assert {p["reply_to"] for p in connector.posts} == {f"act-in-{n}" for n in range(12)}
        finally:
            again.send_signal(signal.SIGTERM)
            again.wait(30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_while_teams_answers_are_being_sent_repeats_only_what_it_counts(tmp_path: Path) -> None:
    """Teams cannot be searched for an earlier post. A send cut by a kill -9 after Teams took the post
    (its answer still on the way back) is sent again after the restart: each such repeat is counted
    on its outbox row and by `partnerbot report`, and nothing else is answered twice."""
    connector = FakeConnector(answer_delay=0.4)
    with ServerThread(connector.app()) as fake:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "PARTNERBOT_LEASE_SECONDS": "2",
               "PARTNERBOT_SPOOL_DIR": str(tmp_path / "spool"), "LOAD_SAMPLE_DATA": "0"}
        duplicates_seen, counted = 0, 0
        proc, url = _serve(env)
        try:
            for n in range(10):
                activity = teams_message(f"which agreement applies? ({n})", n, fake.url + "/")
                assert requests.post(url + "/api/messages", json=activity, timeout=10).status_code in (200, 201)
            for _ in range(3):  # kill it mid-send three times
                before = len(connector.posts)
                wait_until(lambda: len(connector.posts) > before, timeout=30, what="a post under way")
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                proc, url = _serve(env)
            wait_until(lambda: len(answers_by_conversation(connector)) == 10, timeout=90, what="all 10 answers")
            time.sleep(3)  # past a lease: nothing more is sent
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        counts = answers_by_conversation(connector)
        assert set(counts) == {f"a:chat-{n}" for n in range(10)}
        duplicates_seen = sum(c - 1 for c in counts.values())
        database = Database.connect(env["DATABASE_URL"])
        with database.session() as session:
            counted = session.scalar(select(func.sum(OutboxMessage.repeats))) or 0
            report = build_report(session, *month_window(dt.datetime.now(dt.timezone.utc)))
        database.dispose()
        assert duplicates_seen >= 1, "no kill landed mid-send: nothing was tested"
        assert duplicates_seen <= counted, counts  # every repeat is counted (a count may include a post never sent before)
        assert report.posts_repeated == counted and f"may show twice): {counted}" in report.to_text()


class FlakySessions:
    """A session factory whose commits fail while `down`: the database going away just after a send."""

    def __init__(self, sessions) -> None:  # type: ignore[no-untyped-def]
        self.sessions, self.down = sessions, False

    def __call__(self):  # type: ignore[no-untyped-def]
        from sqlalchemy.exc import OperationalError

        session = self.sessions()
        if self.down:
            def refuse() -> None:
                raise OperationalError("COMMIT", {}, ConnectionError("the database went away"))

            session.commit = refuse  # type: ignore[method-assign]
        return session


def test_a_teams_post_the_database_could_not_record_is_not_sent_again(tmp_path: Path, sqlite_url: str) -> None:
    """The send went out, then the database refused its record: the receipt waits on disk, and when the
    row's lease runs out it is recorded from there instead of posted a second time."""
    from bot.platforms.teams.notifier import TeamsNotifier
    from bot.receipts import Receipts

    connector = FakeConnector()
    with ServerThread(connector.app()) as fake:
        settings = make_settings(sqlite_url)
        database = Database.connect(settings.database_url)
        prepare(database, load_samples=False)
        from bot.platforms.teams import sdk

        notifier = TeamsNotifier(settings, database, sdk(settings))
        reference = {"serviceUrl": fake.url + "/", "channelId": "msteams", "conversation": {"id": "a:chat-1"},
                     "bot": {"id": "28:bot"}, "user": {"id": "29:pat"}}
        with database.session() as session:
            queue(session, "answer:teams:a:chat-1:1", Post("answer", "teams", "a:chat-1", "An MOU.", body={
                "activity": {"type": "message", "text": "An MOU."}, "reference": reference}, thread="act-in-1"), now=NOW)
        receipts = Receipts(tmp_path / "spool")
        flaky = FlakySessions(database.sessions)
        sent_then_lost = []

        def send_and_lose(post: Post, previous: str | None) -> Delivery:
            delivery = notifier.send(post, previous)
            flaky.down = True  # the database goes away right after Teams took the post
            sent_then_lost.append(delivery)
            return delivery

        class Losing:
            send = staticmethod(send_and_lose)

        with pytest.raises(Exception):
            deliver_pending(flaky, {"teams": Losing()}, NOW, receipts=receipts)
        assert len(connector.posts) == 1 and receipts.journal.pending() == 1
        flaky.down = False
        later = NOW + dt.timedelta(minutes=5)  # the lease ran out: the row is taken again, outcome unknown
        deliver_pending(database.sessions, {"teams": notifier}, later, receipts=Receipts(tmp_path / "spool"))
        assert len(connector.posts) == 1, "posted a second time"
        with database.session() as session:
            row = session.scalar(select(OutboxMessage))
            assert row.sent_at is not None and row.external_ref == sent_then_lost[0].external_ref and row.repeats == 0
        receipts.close()  # its segment closes: the next look moves it into the database and deletes it
        assert Receipts(tmp_path / "spool").apply(database.sessions) == 1 and receipts.journal.pending() == 0
        database.dispose()


# -- answers given in a click's or a modal's request go through the outbox too ------------------

SLACK_500 = (500, {"ok": False, "error": "internal_error"}, {})


def _posted_to(slack: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [p for p in slack.posted if p["channel"] == channel]


def test_slack_500s_for_click_and_modal_answers_are_posted_once_after_recovery(world: SlackWorld) -> None:  # noqa: F811
    world.event(dm("which agreement applies?", "D1"), event_id="Ev-q")
    question = world.slack.wait_for("chat.postMessage")[0]
    button = question["blocks"][-1]["elements"][1]
    world.slack.fail["chat.postMessage"] = [SLACK_500] * 6  # Slack's Web API is failing from here on
    world.slack.fail["response_url"] = [SLACK_500] * 6
    click = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "tr-500",
             "channel": {"id": "D1"}, "response_url": f"{world.slack_url}/respond/500",
             "message": {"ts": question.get("ts", "1700000000.000001"), "text": question["text"],
                         "blocks": question["blocks"]},
             "actions": [{**button, "type": "button", "block_id": "b1", "action_ts": "1"}]}
    modal = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U2", "name": "pat"},
             "view": {"id": "V-500", "type": "modal", "callback_id": "pb_form",
                      "private_metadata": json.dumps({"action": "consultation.form", "value": "", "channel": "C1"}),
                      "state": {"values": {
                          "topic": {"topic": {"type": "static_select", "selected_option": {"value": "agreements"}}},
                          "description": {"description": {"type": "plain_text_input",
                                                          "value": "Please help us set up an MOU with a mentor group"}}}}}}
    for payload in (click, modal):
        started = time.monotonic()
        response = world.interactive(payload)
        assert response.status_code == 200 and time.monotonic() - started < 3.0  # acknowledged in time
    sessions = world.runtime.database.sessions

    def tried() -> list[OutboxMessage]:
        with sessions() as session:
            return list(session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "answer", OutboxMessage.attempts >= 1, OutboxMessage.sent_at.is_(None))))

    wait_until(lambda: len(tried()) == 2, what="both answers tried once")
    assert len(_posted_to(world.slack, "D1")) == 1 and _posted_to(world.slack, "U2") == []  # the question only
    later = dt.datetime.now(dt.timezone.utc)
    for _ in range(8):  # the outbox's retries, each past its back-off, until Slack answers again
        later += dt.timedelta(minutes=30)
        deliver_pending(sessions, world.runtime.notifiers, later)
    confirmation = _posted_to(world.slack, "U2")
    assert len(confirmation) == 1 and "C-1001" in confirmation[0]["text"]
    answers = [p for p in _posted_to(world.slack, "D1") if "Memorandum of Understanding" in (p["text"] or "")]
    assert len(answers) == 1


def test_a_click_whose_turn_fails_right_after_its_ack_is_still_acknowledged(world: SlackWorld,  # noqa: F811
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt takes an acknowledgement back when the listener raises within milliseconds of ack():
    Slack would get a 404 after 3 s. A listener never raises; with the database away the click
    waits in the durable inbox and is answered from there."""
    from sqlalchemy.exc import OperationalError

    calls = []

    def away(message, key, settle=None):  # type: ignore[no-untyped-def]
        calls.append(key)
        raise OperationalError("SELECT 1", {}, ConnectionError("the database is away"))

    monkeypatch.setattr(world.runtime.processor, "take_turn", away)
    click = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "tr-away",
             "channel": {"id": "D1"}, "response_url": f"{world.slack_url}/respond/1",
             "message": {"ts": "1700000000.000001", "text": "Who pays?", "blocks": []},
             "actions": [{"action_id": "pb:0:agreement.answer", "type": "button", "block_id": "b", "value": "partner",
                          "text": {"type": "plain_text", "text": "The partner pays"}, "action_ts": "1"}]}
    started = time.monotonic()
    assert world.interactive(click).status_code == 200 and time.monotonic() - started < 2.0
    wait_until(lambda: calls, what="the turn to be tried")
    monkeypatch.undo()  # the database is back: the inbox answers the click
    world.slack.wait_for("chat.postMessage")
    with world.runtime.database.session() as session:
        assert session.scalar(select(InboxEvent.event_key)) == "slack-click:tr-away"


# -- the database killed while events arrive ---------------------------------------------------

@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Any:
    from tests.conftest import _fresh_postgres

    template = request.getfixturevalue("postgres_template")
    yield from _fresh_postgres(template)


@pytest.mark.postgres
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_database_going_away_while_events_arrive_loses_no_acknowledged_event(tmp_path: Path,
                                                                                 postgres_url: str) -> None:
    """PostgreSQL cut off for 10 s (every connection dropped, new ones refused) while signed DMs
    arrive at about 80 a second and the spool is replayed every second: every event Slack got a
    200 for is answered, exactly once, after the database is back."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy.engine import make_url

    from tests.fakes import FlakyProxy

    slack = FakeSlack()
    target = make_url(postgres_url)
    with ServerThread(slack.app()) as fake, FlakyProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": f"{fake.url}/api/", "PARTNERBOT_LEASE_SECONDS": "5",
               "PARTNERBOT_SPOOL_DIR": str(tmp_path / "spool"), "LOAD_SAMPLE_DATA": "0"}
        proc, base = _serve(env)
        acknowledged: list[str] = []
        refused: list[tuple[str, int]] = []
        sessions = threading.local()

        def send(n: int) -> None:
            http = getattr(sessions, "http", None) or requests.Session()
            sessions.http = http
            body, headers = signed_event(dm("help", f"D{n}", ts=f"1700000{n:03d}.000100"), f"Ev-away-{n}")
            try:
                status = http.post(base + "/slack/events", data=body, headers=headers, timeout=10).status_code
            except requests.RequestException:
                status = 0
            (acknowledged.append(f"D{n}") if status == 200 else refused.append((f"D{n}", status)))

        try:
            with ThreadPoolExecutor(8) as pool:
                started = time.monotonic()
                for n in range(2400):
                    delay = started + n / 80 - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    if n == 600:
                        proxy.cut()
                    if n == 1400:
                        proxy.restore()
                    pool.submit(send, n)
            counts = wait_until(lambda: (c := answers_by_channel(slack)) and set(acknowledged) <= set(c) and c,
                                timeout=180, what="every acknowledged event answered")
            time.sleep(6)  # past a lease: nothing is answered a second time
            counts = answers_by_channel(slack)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        print(f"database away for 10 s: {len(acknowledged)} acknowledged, {len(refused)} refused, "
              f"{len(set(acknowledged) & set(counts))} answered")
        assert len(acknowledged) >= 2000 and not refused
        assert {channel: counts.get(channel, 0) for channel in acknowledged} == {channel: 1 for channel in acknowledged}
