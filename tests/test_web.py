"""The web chat and operations endpoints over real HTTP."""

from __future__ import annotations

from typing import Iterator

import http.client

import pytest
import requests

from bot.config import Settings
from sqlalchemy import select

from bot.models import OutboxMessage, Ticket
from bot.seed import prepare
from bot.db import Database
from bot.server import Runtime, build_app
from tests.conftest import make_settings, make_bot
from tests.fakes import ServerThread


def start(url: str, **env: str) -> tuple[ServerThread, Runtime]:
    settings = make_settings(url, **env)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database))
    return ServerThread(build_app(runtime, drain_outbox=False)), runtime


@pytest.fixture
def server(sqlite_url: str) -> Iterator[ServerThread]:
    thread, _ = start(sqlite_url)
    with thread:
        yield thread


def test_page_and_assets_are_served_without_cdn(server: ServerThread) -> None:
    page = requests.get(server.url + "/", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert 'aria-live="polite"' in page.text and 'for="text"' in page.text
    assert "http://" not in page.text and "https://" not in page.text.replace("https://example", "")
    assert requests.get(server.url + "/static/chat.js", timeout=5).status_code == 200
    for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fapp.py", "/static/index.html"):
        conn = http.client.HTTPConnection(server.url.split("//")[1], timeout=5)
        conn.request("GET", path)  # sent as written: no client-side normalisation of ".."
        response = conn.getresponse()
        assert response.status == 404 and b"import" not in response.read()
        conn.close()


def test_chat_conversation_continues_by_session(server: ServerThread) -> None:
    browser = requests.Session()
    first = browser.post(server.url + "/chat", json={"session": "w1", "text": "which agreement applies?"}, timeout=10).json()
    assert first["data"]["asking"] == "who_pays"
    typed = browser.post(server.url + "/chat", json={"session": "w1", "text": "the partner brings its own funding"},
                         timeout=10).json()
    assert typed["data"]["agreement"] == "mou"
    browser.post(server.url + "/chat", json={"session": "w1", "text": "partners at Franklin"}, timeout=10)
    narrowed = browser.post(server.url + "/chat", json={"session": "w1", "text": "only the tutoring ones"}, timeout=10).json()
    assert narrowed["data"]["school"] == "Franklin"
    stranger = requests.post(server.url + "/chat", json={"session": "w1", "text": "only the tutoring ones"},
                             timeout=10).json()  # the same conversation name, another visitor: not that conversation
    assert stranger["data"].get("school") is None


def test_chat_rejects_bad_requests(server: ServerThread) -> None:
    json_type = {"Content-Type": "application/json"}
    assert requests.post(server.url + "/chat", data="not json", headers=json_type, timeout=5).status_code == 400
    assert requests.post(server.url + "/chat", data='{"session": "s", "text": "hi"}', timeout=5,
                         headers={"Content-Type": "text/plain"}).status_code == 415
    assert requests.post(server.url + "/chat", json={"text": "hi"}, timeout=5).status_code == 400
    assert requests.post(server.url + "/chat", json=["x"], timeout=5).status_code == 400
    huge = requests.post(server.url + "/chat", json={"session": "w", "text": "x" * 200_000}, timeout=5)
    assert huge.status_code == 413
    chunks = (b'{"session": "w", "text": "' + b"x" * 60_000 for _ in range(1)), (b"y" * 10_000 + b'"}' for _ in range(1))
    chunked = requests.post(server.url + "/chat", data=(part for chunk in chunks for part in chunk), headers=json_type,
                            timeout=5)  # no Content-Length: sent chunked
    assert chunked.status_code == 413
    deep = requests.post(server.url + "/chat", data='{"session": "s", "text": ' + "[" * 30_000, headers=json_type, timeout=5)
    assert deep.status_code == 400
    not_utf8 = requests.post(server.url + "/chat", data=b'{"session": "s", "text": "\xff"}', headers=json_type, timeout=5)
    assert not_utf8.status_code == 400


def test_a_lone_surrogate_is_answered_not_an_error(server: ServerThread) -> None:
    reply = requests.post(server.url + "/chat", data='{"session": "s", "text": "partners at Franklin \\ud800"}',
                          headers={"Content-Type": "application/json"}, timeout=10)
    assert reply.status_code == 200 and reply.json()["intent"] == "partners"
    assert reply.json()["data"]["school"] == "Franklin"


def test_health_and_readiness(server: ServerThread) -> None:
    assert requests.get(server.url + "/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(server.url + "/readyz", timeout=5).json() == {"status": "ready", "inbox": 0, "spooled": False}


def test_readiness_fails_when_migrations_are_behind(sqlite_url: str) -> None:
    thread, runtime = start(sqlite_url)
    with runtime.database.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    with thread:
        ready = requests.get(thread.url + "/readyz", timeout=5)
        assert ready.status_code == 503 and ready.json()["database"] == "migrations pending"


def test_passcode_protects_the_chat(sqlite_url: str) -> None:
    thread, _ = start(sqlite_url, WEB_CHAT_PASSCODE="open-sesame")
    with thread:
        assert requests.post(thread.url + "/chat", json={"session": "s", "text": "hi"}, timeout=5).status_code == 401
        ok = requests.post(thread.url + "/chat", json={"session": "s", "text": "hi"}, headers={"X-Passcode": "open-sesame"},
                           timeout=5)
        assert ok.status_code == 200 and ok.json()["intent"] == "help"


def test_chat_disabled_in_production_by_default(sqlite_url: str) -> None:
    assert Settings.from_env({"DATABASE_URL": "postgresql://db.example/bot"}).web_chat_enabled is False
    assert Settings.from_env({"DATABASE_URL": "postgresql://db.example/bot", "WEB_CHAT_ENABLED": "1"}).web_chat_enabled
    thread, _ = start(sqlite_url, WEB_CHAT_ENABLED="0")
    with thread:
        assert requests.get(thread.url + "/", timeout=5).status_code == 404
        assert requests.post(thread.url + "/chat", json={"session": "s", "text": "hi"}, timeout=5).status_code in (404, 405)


def test_ticket_updates_reach_the_web_chat(sqlite_url: str) -> None:
    thread, runtime = start(sqlite_url)
    with thread:
        browser = requests.Session()
        confirm = browser.post(thread.url + "/chat", json={
            "session": "w-req", "name": "Pat <!channel>",
            "text": "I need a consultation: please help renew our MOU with a mentoring partner at Lowell"},
            timeout=10).json()
        assert confirm["data"]["asking"] == "confirm"
        created = browser.post(thread.url + "/chat", json={"session": "w-req", "text": "yes"}, timeout=10).json()
        assert created["data"]["ticket_id"] == "C-1001"
        from bot.core import Message

        runtime.bot.handle(Message("claim C-1001", "staff-1", "cli", "dept", "dept"))
        for _ in range(2):
            runtime.drain_outbox()  # web notices are never pushed, logged or marked sent: they wait for the browser
        assert requests.get(thread.url + "/notices", timeout=10).json()["notices"] == []  # another visitor
        # "Start a new conversation" in the page: a new conversation name, the same visitor.
        first = browser.get(thread.url + "/notices", timeout=10).json()["notices"]
        assert len(first) == 1 and "has your request" in first[0]["text"]
        assert browser.get(thread.url + "/notices", timeout=10).json()["notices"] == []
        status = browser.post(thread.url + "/chat", json={"session": "w-new", "text": "status of C-1001"}, timeout=10).json()
        assert status["data"].get("ticket_id") == "C-1001" and "claimed" in status["text"].lower()


def test_the_web_identity_is_a_cookie_never_shown(sqlite_url: str) -> None:
    thread, runtime = start(sqlite_url)
    with thread:
        browser = requests.Session()
        page = browser.get(thread.url + "/", timeout=5)
        cookie = page.headers["Set-Cookie"]
        assert "partnerbot_id=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        token = browser.cookies["partnerbot_id"]
        browser.post(thread.url + "/chat", json={
            "session": "s1", "text": "I need a consultation: please help renew our MOU with a mentoring partner at Lowell"},
            timeout=10)
        browser.post(thread.url + "/chat", json={"session": "s1", "text": "send it"}, timeout=10)
        with runtime.database.session() as session:
            ticket = session.scalar(select(Ticket))
            posts = [row.payload["text"] for row in session.scalars(select(OutboxMessage))]
        assert ticket is not None and token not in ticket.requester_id and "s1" not in ticket.requester_id
        department = [text for text in posts if "consultation request from" in text]
        assert department and "from web visitor (web)" in department[0]
        assert not any(token in text or "s1" in text for text in posts)
        # Someone who knows the conversation name is still someone else.
        thief = requests.post(thread.url + "/chat", json={"session": "s1", "user": ticket.requester_id,
                                                          "text": "cancel C-1001"}, timeout=10).json()
        assert "You have no request C-1001" in thief["text"]
        with runtime.database.session() as session:
            assert session.scalar(select(Ticket)).status == "open"


def test_one_visitor_cannot_flood_turns_or_tickets(sqlite_url: str) -> None:
    thread, runtime = start(sqlite_url)
    with thread:
        browser = requests.Session()
        codes = [browser.post(thread.url + "/chat", json={"session": "f", "text": "hi"}, timeout=10).status_code
                 for _ in range(30)]
        assert codes[:10] == [200] * 10 and 429 in codes
        limited = browser.post(thread.url + "/chat", json={"session": "f", "text": "hi"}, timeout=10)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert requests.post(thread.url + "/chat", json={"session": "f", "text": "hi"}, timeout=10).status_code == 200


def test_web_users_cannot_act_as_staff(sqlite_url: str) -> None:
    thread, _ = start(sqlite_url, DEPARTMENT_STAFF="alex,web:alex,cli:staff-1")
    with thread:
        requests.post(thread.url + "/chat", json={"session": "a", "text": "I need a consultation: MOU help for Lowell please now"},
                      timeout=10)
        requests.post(thread.url + "/chat", json={"session": "a", "text": "send it"}, timeout=10)
        for session, user in (("alex", "alex"), ("x", "alex"), ("web-alex", "web-alex")):
            reply = requests.post(thread.url + "/chat", json={"session": session, "user": user, "text": "claim C-1001"},
                                  timeout=10).json()
            assert reply["data"]["refused"] == "claim"


def test_a_body_sent_in_slow_pieces_is_read_whole(server: ServerThread) -> None:
    """A read returns what has arrived: a JSON message arriving in pieces is still one message, and
    an oversized one arriving slowly is still refused as too large (not as bad JSON)."""
    import time as _time

    def slowly(*parts: bytes):  # type: ignore[no-untyped-def]
        for part in parts:
            yield part
            _time.sleep(0.3)

    json_type = {"Content-Type": "application/json"}
    ok = requests.post(server.url + "/chat", data=slowly(b'{"session": "slow", ', b'"text": "upcoming trainings"}'),
                       headers=json_type, timeout=10)
    assert ok.status_code == 200 and ok.json()["intent"] == "trainings"
    big = requests.post(server.url + "/chat", data=slowly(b'{"session": "w", "text": "' + b"x" * 60_000,
                                                          b"y" * 10_000 + b'"}'), headers=json_type, timeout=10)
    assert big.status_code == 413
