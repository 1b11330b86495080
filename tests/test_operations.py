"""Operations: structured logs without message text or secrets, graceful shutdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.fakes import free_port


def test_serve_logs_json_without_text_or_secrets_and_finishes_in_flight_requests(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'ops.db'}", "SLACK_BOT_TOKEN": "xoxb-SECRET-TOKEN",
           "SLACK_SIGNING_SECRET": "signing-SECRET", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        for i in range(3):
            ok = requests.post(url + "/chat", json={"session": f"s{i}", "text": "my private question about WATCH checks"},
                               timeout=30)
            assert ok.status_code == 200
        # An in-flight request: the database is locked by this test, so the turn waits inside the server
        # while SIGTERM arrives; when the lock is released it must still complete and answer.
        import sqlite3
        import threading

        blocker = sqlite3.connect(tmp_path / "ops.db", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        result: dict[str, object] = {}

        def slow() -> None:
            try:
                result["response"] = requests.post(url + "/chat", json={"session": "inflight", "text": "which agreement applies?"},
                                                   timeout=60)
            except requests.RequestException as exc:
                result["error"] = exc

        client = threading.Thread(target=slow)
        client.start()
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        blocker.execute("ROLLBACK")
        blocker.close()
        client.join(60)
        response = result.get("response")
        assert isinstance(response, requests.Response), result
        assert response.status_code == 200 and response.json()["data"]["asking"] == "who_pays"
        assert proc.wait(40) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read().decode() if proc.stderr else ""
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    turns = [line for line in lines if line.get("msg") == "turn"]
    assert len(turns) == 4, err[-2000:]
    assert all({"platform", "intent", "confidence", "latency_ms"} <= set(t) for t in turns)
    assert "private question" not in err and "SECRET" not in err
