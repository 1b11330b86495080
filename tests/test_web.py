"""The web chat and operations endpoints over real HTTP."""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

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
    assert requests.get(server.url + "/static/../server.py", timeout=5).status_code == 404


def test_chat_conversation_continues_by_session(server: ServerThread) -> None:
    first = requests.post(server.url + "/chat", json={"session": "w1", "text": "which agreement applies?"}, timeout=10).json()
    assert first["data"]["asking"] == "who_pays"
    pressed = requests.post(server.url + "/chat", json={"session": "w1", **{k: first["buttons"][1][k] for k in ("action", "value")}},
                            timeout=10).json()
    assert pressed["data"]["agreement"] == "mou"


def test_chat_rejects_bad_requests(server: ServerThread) -> None:
    assert requests.post(server.url + "/chat", data="not json", timeout=5).status_code == 400
    assert requests.post(server.url + "/chat", json={"text": "hi"}, timeout=5).status_code == 400
    assert requests.post(server.url + "/chat", json=["x"], timeout=5).status_code == 400
    huge = requests.post(server.url + "/chat", json={"session": "w", "text": "x" * 200_000}, timeout=5)
    assert huge.status_code == 413


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
    thread, _ = start(sqlite_url, WEB_CHAT_ENABLED="0")
    with thread:
        assert requests.get(thread.url + "/", timeout=5).status_code == 404
        assert requests.post(thread.url + "/chat", json={"session": "s", "text": "hi"}, timeout=5).status_code in (404, 405)


def test_ticket_updates_reach_the_web_chat(sqlite_url: str) -> None:
    thread, runtime = start(sqlite_url)
    with thread:
        confirm = requests.post(thread.url + "/chat", json={
            "session": "w-req", "text": "I need a consultation: please help renew our MOU with a mentoring partner at Lowell"},
            timeout=10).json()
        assert confirm["data"]["asking"] == "confirm"
        created = requests.post(thread.url + "/chat", json={"session": "w-req", "text": "yes"}, timeout=10).json()
        assert created["data"]["ticket_id"] == "C-1001"
        from bot.core import Message

        runtime.bot.handle(Message("claim C-1001", "staff-1", "cli", "dept", "dept"))
        runtime.drain_outbox()  # web notices are not pushed: they wait for the browser
        first = requests.get(thread.url + "/notices", params={"session": "w-req"}, timeout=10).json()["notices"]
        assert len(first) == 1 and "has your request" in first[0]["text"]
        assert requests.get(thread.url + "/notices", params={"session": "w-req"}, timeout=10).json()["notices"] == []
        assert requests.get(thread.url + "/notices", params={"session": "someone-else"}, timeout=10).json()["notices"] == []


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
