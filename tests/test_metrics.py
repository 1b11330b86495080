"""Prometheus metrics: /metrics after real turns, guarded by METRICS_TOKEN or on METRICS_PORT; the database's
figures read at scrape time; counts made in several processes add up (multiprocess mode)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.core import Message
from bot.db import Database
from bot.inbox import InboxEntry, put
from bot.metrics import Metrics
from bot.seed import prepare
from bot.server import Runtime, build_app
from tests.conftest import make_bot, make_settings
from tests.fakes import ServerThread, free_port

ROOT = Path(__file__).resolve().parent.parent


def _start(url: str, **env: str) -> ServerThread:
    settings = make_settings(url, **env)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database, metrics=Metrics()))
    return ServerThread(build_app(runtime, drain_outbox=False))


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_need_the_token_and_count_real_turns_and_what_waits(sqlite_url: str) -> None:
    with _start(sqlite_url, METRICS_TOKEN="s3cret-scrape") as server:
        assert requests.get(server.url + "/metrics", timeout=5).status_code == 401
        wrong = requests.get(server.url + "/metrics", headers={"Authorization": "Bearer nope"}, timeout=5)
        assert wrong.status_code == 401 and "s3cret" not in wrong.text
        browser = requests.Session()
        for text in ("which agreement applies?", "the partner brings its own funding", "xyzzy plugh"):
            browser.post(server.url + "/chat", json={"session": "m1", "text": text}, timeout=10)
        database = Database.connect(sqlite_url)
        put(database, [InboxEntry("Ev-waiting", Message("hi", "U1", "slack", "D1", "D1"))])
        scraped = requests.get(server.url + "/metrics", headers={"Authorization": "Bearer s3cret-scrape"}, timeout=5)
        database.dispose()
    assert scraped.status_code == 200 and scraped.headers["Content-Type"].startswith("text/plain")
    seen = _samples(scraped.text)
    turns = {labels: value for (name, labels), value in seen.items() if name == "partnerbot_turns_total"}
    assert turns[(("intent", "agreement"), ("outcome", "asked"), ("platform", "web"))] == 1
    assert turns[(("intent", "agreement"), ("outcome", "answered"), ("platform", "web"))] == 1
    assert sum(v for labels, v in turns.items() if ("platform", "web") in labels) == 3
    assert seen[("partnerbot_ack_seconds_count", (("platform", "web"),))] == 3
    assert seen[("partnerbot_inbox_waiting", ())] == 1
    assert seen[("partnerbot_inbox_oldest_waiting_seconds", ())] >= 0
    assert seen[("partnerbot_llm_recorded_cost_dollars", ())] == 0
    assert ("partnerbot_clock_tick_overdue_seconds", ()) not in seen  # no clock has run here


def test_the_records_totals_and_ticket_times_are_read_at_scrape_time(any_db_url: str) -> None:
    import datetime as dt

    from bot.models import GroundedAnswer, OutboxMessage, Ticket

    now = dt.datetime.now(dt.timezone.utc)
    database = Database.connect(any_db_url)
    prepare(database, load_samples=False)
    with database.session() as session:
        session.add_all([
            Ticket(requester_platform="slack", requester_id="U1", topic="agreements", description="a", status="claimed",
                   created_at=now - dt.timedelta(minutes=20), claimed_at=now - dt.timedelta(minutes=10)),
            Ticket(requester_platform="web", requester_id="v-1", topic="agreements", description="b"),
            OutboxMessage(dedupe_key="n1", kind="reminder", platform="teams", target="t", payload={}, sent_at=now),
            OutboxMessage(dedupe_key="n2", kind="reminder", platform="teams", target="t", payload={}, gave_up=True),
            GroundedAnswer(platform="web", user="v-1", mode="llm", outcome="answered", prompt_tokens=2_000_000,
                           completion_tokens=1_000_000, helpful=False),
        ])
    settings = make_settings(any_db_url, LLM_INPUT_COST_PER_MILLION="0.5", LLM_OUTPUT_COST_PER_MILLION="2")
    seen = _samples(Metrics().exposition(database, settings).decode())
    database.dispose()
    assert seen[("partnerbot_recorded_ticket_events", (("event", "opened"),))] == 2
    assert seen[("partnerbot_recorded_ticket_events", (("event", "claimed"),))] == 1
    assert seen[("partnerbot_ticket_time_to_claim_seconds_bucket", (("le", "300.0"),))] == 0
    assert seen[("partnerbot_ticket_time_to_claim_seconds_bucket", (("le", "900.0"),))] == 1  # ten minutes
    assert seen[("partnerbot_recorded_notices_sent", (("kind", "reminder"), ("platform", "teams")))] == 1
    assert seen[("partnerbot_outbox", (("platform", "teams"), ("state", "given_up")))] == 1
    assert seen[("partnerbot_outbox_given_up_last_hour", (("platform", "teams"),))] == 1
    assert seen[("partnerbot_recorded_llm_tokens", (("kind", "prompt"),))] == 2_000_000
    assert seen[("partnerbot_llm_recorded_cost_dollars", ())] == 3.0  # 2 x 0.5 + 1 x 2
    assert seen[("partnerbot_recorded_grounded_feedback", (("helpful", "no"),))] == 1


def test_without_a_token_or_port_there_are_no_metrics_and_nothing_is_counted(sqlite_url: str) -> None:
    from bot.metrics import wanted

    assert not wanted(make_settings(sqlite_url))  # so serve and its workers make no Metrics at all
    with _start(sqlite_url) as server:
        assert requests.get(server.url + "/metrics", timeout=5).status_code == 404


def test_a_database_that_does_not_answer_fails_the_scrape_not_the_server(sqlite_url: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from bot import metrics_route

    monkeypatch.setattr(metrics_route, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(Metrics, "exposition", lambda self, *a: time.sleep(3) or b"")  # a locked database
    with _start(sqlite_url, METRICS_TOKEN="t") as server:
        slow = requests.get(server.url + "/metrics", headers={"Authorization": "Bearer t"}, timeout=10)
        assert slow.status_code == 503
        assert requests.get(server.url + "/readyz", timeout=2).status_code in (200, 503)  # still answering
        answered = requests.post(server.url + "/chat", json={"session": "s", "text": "hi"}, timeout=5)
        assert answered.status_code == 200


def test_metrics_on_their_own_port_are_not_on_the_main_one(sqlite_url: str) -> None:
    port = free_port()
    with _start(sqlite_url, METRICS_PORT=str(port)) as server:
        assert requests.get(server.url + "/metrics", timeout=5).status_code == 404
        scraped = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert scraped.status_code == 200 and "partnerbot_inbox_waiting" in scraped.text


COUNT = """
import sys
from bot.metrics import Metrics
metrics = Metrics()
for _ in range(int(sys.argv[1])):
    metrics.turn("agreement", "slack", "answered")
metrics.answer_seconds.labels(platform="slack").observe(0.02)
"""
SCRAPE = "from bot.metrics import Metrics; import sys; sys.stdout.write(Metrics().exposition().decode())"


def test_counts_made_in_several_processes_add_up(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for count in ("3", "4"):  # a serve and its worker, say: each its own process
        subprocess.run([sys.executable, "-c", COUNT, count], env=env, check=True, cwd=ROOT)
    text = subprocess.run([sys.executable, "-c", SCRAPE], env=env, check=True, cwd=ROOT, capture_output=True,
                          text=True).stdout
    seen = _samples(text)
    assert seen[("partnerbot_turns_total", (("intent", "agreement"), ("outcome", "answered"), ("platform", "slack")))] == 7
    assert seen[("partnerbot_event_to_answer_seconds_count", (("platform", "slack"),))] == 2


@pytest.mark.parametrize("value", ["70000", "http", "-1"])
def test_a_metrics_port_that_is_no_port_stops_the_start(value: str) -> None:
    from bot.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="METRICS_PORT"):
        Settings.from_env({"METRICS_PORT": value})


def test_a_clock_that_has_stopped_shows_as_overdue(any_db_url: str) -> None:
    import datetime as dt

    from sqlalchemy import text

    from bot.scheduler import Clock, build_scheduler

    settings = make_settings(any_db_url)
    database = Database.connect(any_db_url)
    prepare(database, load_samples=False)
    scheduler = build_scheduler(Clock(settings, database), blocking=False)
    scheduler.start(paused=True)  # the jobs are stored, the tick due now
    scheduler.shutdown(wait=False)
    with database.session() as session:  # the clock died twenty minutes ago: its tick has not moved on since
        session.execute(text("UPDATE apscheduler_jobs SET next_run_time = :t WHERE id = 'tick'"),
                        {"t": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)).timestamp()})
    seen = _samples(Metrics().exposition(database).decode())
    database.dispose()
    assert 1190 <= seen[("partnerbot_clock_tick_overdue_seconds", ())] <= 1300


def test_a_shared_directory_that_does_not_exist_stops_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import ConfigError
    from bot.metrics import share_between_processes

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        share_between_processes()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert share_between_processes() == str(tmp_path)


def test_a_tickets_life_and_a_send_given_up_move_the_scraped_figures(harness) -> None:
    import datetime as dt

    from bot.notify import MAX_ATTEMPTS

    number = harness.open_ticket("I need a consultation: please review the MOU draft for Sound Mentors at Lowell",
                                 user="U-REQ").data["ticket_id"]
    harness.notifier.fail_next = 10 * MAX_ATTEMPTS  # the department's ping fails at every attempt, then is given up
    for _ in range(MAX_ATTEMPTS):
        harness.deliver()
        harness.now += dt.timedelta(days=1)
    harness.notifier.fail_next = 0
    harness.ask(f"claim {number}", user="staff-1")
    harness.ask(f"resolve {number} sent the MOU template", user="staff-1")
    seen = _samples(Metrics().exposition(harness.database, harness.settings).decode())
    for event in ("opened", "claimed", "resolved"):
        assert seen[("partnerbot_recorded_ticket_events", (("event", event),))] == 1, event
    given_up = {labels: v for (name, labels), v in seen.items() if name == "partnerbot_outbox" and ("state", "given_up") in labels}
    assert sum(given_up.values()) >= 1, given_up
