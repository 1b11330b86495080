"""Scale-out on PostgreSQL: two `partnerbot serve` processes share one database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Iterator

import pytest
import requests
from sqlalchemy import create_engine, func, select

from bot.models import QuestionLog
from tests.conftest import POSTGRES, _fresh_postgres
from tests.fakes import SIGNING_SECRET, FakeSlack, ServerThread, free_port, slack_headers

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not POSTGRES, reason="PostgreSQL not reachable; scale-out test skipped")]


def start_serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("serve did not start: " + (proc.stdout.read() if proc.stdout else b"").decode(errors="replace")[-3000:])


@pytest.fixture
def two_servers(postgres_template: str) -> Iterator[tuple[str, str, FakeSlack, str]]:
    slack = FakeSlack()
    for url in _fresh_postgres(postgres_template):
        with ServerThread(slack.app()) as fake:
            env = {"DATABASE_URL": url, "WEB_CHAT_ENABLED": "1", "SLACK_BOT_TOKEN": "xoxb-test",
                   "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": f"{fake.url}/api/"}
            procs = []
            try:
                a, url_a = start_serve(env)
                procs.append(a)
                b, url_b = start_serve(env)
                procs.append(b)
                yield url_a, url_b, slack, url
            finally:
                for proc in procs:
                    proc.send_signal(signal.SIGTERM)
                for proc in procs:
                    proc.wait(30)


def test_conversation_continues_across_processes(two_servers) -> None:
    url_a, url_b, _slack, _db = two_servers
    browser = requests.Session()  # one visitor (its cookie) talking to both processes
    first = browser.post(url_a + "/chat", json={"session": "scale-1", "text": "which agreement applies?"}, timeout=10).json()
    assert first["data"]["asking"] == "who_pays"
    second = browser.post(url_b + "/chat", json={"session": "scale-1", "text": "the partner brings its own funding"},
                           timeout=10).json()
    assert second["data"]["agreement"] == "mou"


def test_slack_retry_to_the_other_process_is_not_processed_twice(two_servers) -> None:
    url_a, url_b, slack, db_url = two_servers
    body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "Ev-scale",
                       "event_time": int(time.time()),
                       "event": {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1700000009.000100",
                                 "text": "<@UBOT> which agreement applies?"},
                       "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})
    assert requests.post(url_a + "/slack/events", data=body, headers=slack_headers(body), timeout=10).status_code == 200
    retry_headers = {**slack_headers(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert requests.post(url_b + "/slack/events", data=body, headers=retry_headers, timeout=10).status_code == 200
    slack.wait_for("chat.postMessage")
    time.sleep(1.0)
    replies = [c for c in slack.named("chat.postMessage") if c["channel"] == "C1"]
    assert len(replies) == 1
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(QuestionLog)).scalar() == 1
    engine.dispose()
