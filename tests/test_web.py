"""The web chat and operations endpoints over real HTTP."""

from __future__ import annotations

import json
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
    assert requests.get(server.url + "/readyz", timeout=5).json() == {
        "status": "ready", "inbox": 0, "inbox_max": 5000, "oldest_waiting_seconds": 0.0, "spooled": 0}


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


def test_requests_without_a_cookie_are_limited_by_their_address_whatever_they_claim(sqlite_url: str) -> None:
    """Without its cookie each request is a new visitor: the turn limit holds per address instead, and an
    X-Forwarded-For header is not believed unless it comes from a trusted proxy."""
    thread, _ = start(sqlite_url)
    with thread:
        codes = [requests.post(thread.url + "/chat", json={"session": "f", "text": "hi"}, timeout=10,
                               headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(30)]
        assert codes[:10] == [200] * 10 and codes.count(429) >= 15


def test_behind_a_trusted_proxy_each_client_address_is_limited_apart(sqlite_url: str) -> None:
    thread, _ = start(sqlite_url, TRUSTED_PROXIES="127.0.0.1/32")
    with thread:
        def send(client: str) -> int:
            return requests.post(thread.url + "/chat", json={"session": "f", "text": "hi"}, timeout=10,
                                 headers={"X-Forwarded-For": f"10.9.9.9, {client}"}).status_code

        first = [send("203.0.113.5") for _ in range(14)]
        assert first[:10] == [200] * 10 and 429 in first
        assert send("203.0.113.6") == 200  # another client behind the same proxy
        assert send("not-an-address") in (200, 429)  # a proxy passing nonsense: the proxy's own address counts


def test_consultation_requests_without_a_cookie_count_per_address(sqlite_url: str) -> None:
    thread, runtime = start(sqlite_url, DEPARTMENT_SLACK_CHANNEL="C-DEPT")
    form = {"topic": "agreements", "description": "Please help us with an MOU for a tutoring partner."}
    with thread:
        replies = []
        for n in range(9):  # within the turn limit: the ticket limit is what refuses
            reply = requests.post(thread.url + "/chat", timeout=10, json={
                "session": f"s{n}", "action": "consultation.form",
                "value": json.dumps({**form, "description": f"{form['description']} ({n})"})})
            assert reply.status_code == 200
            replies.append(reply.json())
        opened = [r for r in replies if r["data"].get("ticket_id")]
        refused = [r for r in replies if r["data"].get("refused") == "rate_limited"]
        assert len(opened) == 5 and len(refused) == 4
        assert "Too many requests" in refused[0]["text"]
    with runtime.database.session() as session:
        tickets = list(session.scalars(select(Ticket)))
        assert len(tickets) == 5 and len({t.requester_id for t in tickets}) == 5  # five "people", one address
        assert len({t.requester_origin for t in tickets}) == 1 and "127.0.0.1" not in tickets[0].requester_origin
        assert len(list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "consultation")))) <= 5


def test_one_address_with_fresh_cookies_is_still_bounded(sqlite_url: str) -> None:
    """A script that loads the page for a new cookie before each request is one address: at most
    REQUESTS_PER_ADDRESS_PER_HOUR tickets from it in an hour."""
    from bot.tickets.service import REQUESTS_PER_ADDRESS_PER_HOUR

    thread, runtime = start(sqlite_url)
    with thread:
        for n in range(REQUESTS_PER_ADDRESS_PER_HOUR + 3):
            browser = requests.Session()
            browser.get(thread.url + "/", timeout=10)
            browser.post(thread.url + "/chat", timeout=10, json={
                "session": "s", "action": "consultation.form",
                "value": json.dumps({"topic": "other", "description": f"Request number {n} about our partners."})})
    with runtime.database.session() as session:
        assert len(list(session.scalars(select(Ticket)))) == REQUESTS_PER_ADDRESS_PER_HOUR
