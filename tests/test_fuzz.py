"""Malformed requests never get a 5xx: every field of real-format Slack, Teams and web-chat requests
replaced, one at a time, by a value of another type (null, a list, an object, a number, a huge
string, a lone surrogate) or removed, then sent signed (Slack) or as the Emulator (Teams).

The request is answered 2xx or 4xx, the server keeps answering good requests, and nothing of
the mutated body ends up in a 5xx. Run apart with `pytest -m faults`.
"""

from __future__ import annotations

import copy
import json
import urllib.parse
from typing import Any, Iterator

import pytest
import requests

from bot.db import Database
from bot.seed import prepare
from bot.server import Runtime, build_app
from tests.conftest import make_bot, make_settings
from tests.fakes import ServerThread, slack_headers
from tests.test_slack import SlackWorld, world  # noqa: F401  (the fixture)
from tests.test_teams import TeamsWorld, emulator_world, teams_runtime  # noqa: F401  (the fixtures)

pytestmark = pytest.mark.faults

ODD_VALUES: list[Any] = [None, [], {}, 0, -1, 1e308, True, "x" * 5000, "\ud800", {"a": {"b": [1, {"c": None}]}}]
REMOVED = object()


def mutations(body: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(where, a copy of body with one part replaced or removed), for every part down to depth 4."""
    if depth > 4 or not isinstance(body, (dict, list)):
        return
    keys = list(body) if isinstance(body, dict) else list(range(len(body)))
    for key in keys:
        for value in [*ODD_VALUES, REMOVED]:
            copied = copy.copy(body)
            if value is REMOVED:
                del copied[key]
            else:
                copied[key] = value
            yield f"{key}={'removed' if value is REMOVED else type(value).__name__}", copied
        for where, inner in mutations(body[key], depth + 1):
            copied = copy.copy(body)
            copied[key] = inner
            yield f"{key}.{where}", copied


def slack_event(kind: str) -> dict[str, Any]:
    event = {"type": kind, "user": "U1", "text": "<@UBOT> who works with Franklin?", "ts": "1700000001.000100",
             "channel": "C1", "channel_type": "channel", "event_ts": "1700000001.000100"}
    if kind == "message":
        event.update(channel_type="im", channel="D1", text="which agreement applies?")
    return {"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "Ev-fuzz",
            "event_time": 1700000001, "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]}


def slack_click(world: SlackWorld) -> dict[str, Any]:  # noqa: F811
    return {"type": "block_actions", "trigger_id": "tr-fuzz", "user": {"id": "U1", "name": "pat"},
            "team": {"id": "T1"}, "channel": {"id": "C1"}, "response_url": f"{world.slack_url}/respond/1",
            "container": {"type": "message", "channel_id": "C1", "message_ts": "1700000000.000001"},
            "message": {"ts": "1700000000.000001", "text": "Who pays?", "blocks": [{"type": "section"}]},
            "actions": [{"action_id": "pb:0:agreement.answer", "block_id": "b1", "type": "button",
                         "value": "who_pays=school", "text": {"type": "plain_text", "text": "The school pays"},
                         "action_ts": "1700000002.0001"}]}


def slack_view() -> dict[str, Any]:
    return {"type": "view_submission", "trigger_id": "tr-view", "user": {"id": "U1", "name": "pat"},
            "team": {"id": "T1"},
            "view": {"id": "V1", "type": "modal", "callback_id": "pb_form", "hash": "h",
                     "private_metadata": json.dumps({"action": "consultation.submit", "value": "", "channel": "C1"}),
                     "state": {"values": {"description": {"description": {"type": "plain_text_input",
                                                                           "value": "Help with an MOU"}},
                                          "topic": {"topic": {"type": "static_select",
                                                              "selected_option": {"value": "agreement"}}}}}}}


def post_slack(world: SlackWorld, body: Any, form: bool) -> requests.Response:  # noqa: F811
    if form:
        encoded = urllib.parse.urlencode({"payload": json.dumps(body)})
        return world.post(encoded, content_type="application/x-www-form-urlencoded")
    return world.post(json.dumps(body))


def assert_never_5xx(send, bodies: Iterator[tuple[str, Any]]) -> int:  # type: ignore[no-untyped-def]
    tried, failures = 0, []
    for where, body in bodies:
        status = send(body).status_code
        tried += 1
        if status >= 500:
            failures.append((where, status))
    assert not failures, f"{len(failures)} of {tried} malformed requests got a 5xx: {failures[:10]}"
    return tried


def test_slack_events_never_5xx(world: SlackWorld) -> None:  # noqa: F811
    tried = 0
    for kind in ("app_mention", "message"):
        tried += assert_never_5xx(lambda body: post_slack(world, body, form=False), mutations(slack_event(kind)))
    assert tried > 300
    world.sentinel()  # still answering


def test_slack_clicks_and_modals_never_5xx(world: SlackWorld) -> None:  # noqa: F811
    tried = assert_never_5xx(lambda body: post_slack(world, body, form=True), mutations(slack_click(world)))
    tried += assert_never_5xx(lambda body: post_slack(world, body, form=True), mutations(slack_view()))
    assert tried > 300
    world.sentinel()


def test_slack_commands_never_5xx(world: SlackWorld) -> None:  # noqa: F811
    command = {"command": "/partners", "text": "Garfield", "user_id": "U1", "user_name": "pat", "channel_id": "C1",
               "team_id": "T1", "response_url": f"{world.slack_url}/respond/9", "trigger_id": "tr-cmd"}
    bodies = ((k, {**command, k: v}) for k in command for v in ("", "x" * 5000, "\u00ff\u2603", "%00"))
    assert_never_5xx(lambda body: world.form(body), bodies)
    world.sentinel()


@pytest.mark.parametrize("timestamp", ["9" * 400, "１２３", "1e9", "-1", "0" * 13, "\u00b2"])
def test_a_strange_timestamp_is_refused_not_a_crash(world: SlackWorld, timestamp: str) -> None:  # noqa: F811
    body = json.dumps(slack_event("message"))
    headers = {**slack_headers(body), "X-Slack-Request-Timestamp": timestamp.encode()}  # type: ignore[dict-item]
    assert world.post(body, headers=headers).status_code == 401


def test_teams_activities_never_5xx(emulator_world: TeamsWorld) -> None:  # noqa: F811
    world = emulator_world
    activity = world.message("who works with Franklin?", value={"action": "agreement.answer", "value": "x"},
                             entities=[{"type": "mention", "text": "<at>partnerbot</at>",
                                        "mentioned": {"id": "28:bot", "name": "partnerbot"}}])
    tried = assert_never_5xx(lambda body: requests.post(f"{world.server.url}/api/messages", json=body, timeout=15),
                             mutations(activity))
    assert tried > 300


def test_web_chat_never_5xx(world: SlackWorld) -> None:  # noqa: F811
    url = f"{world.server.url}/chat"
    session = requests.Session()
    body = {"session": "s-fuzz", "text": "who works with Franklin?", "name": "Pat", "action": "agreement.answer",
            "value": "who_pays=school"}
    tried = assert_never_5xx(lambda b: session.post(url, data=json.dumps(b), timeout=15,
                                                    headers={"Content-Type": "application/json",
                                                             "X-Forwarded-For": "10.0.0.1"}),
                             mutations(body))
    assert tried > 50


@pytest.fixture
def report_url(sqlite_url: str) -> Iterator[str]:
    settings = make_settings(sqlite_url, REPORT_TOKEN="the-staff-token")
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database), {})
    with ServerThread(build_app(runtime, drain_outbox=False)) as server:
        yield f"{server.url}/report"


@pytest.mark.parametrize("token", ["caf\u00e9", "\u2603", "a\udcff", "x" * 10_000])
def test_report_with_odd_tokens_and_cookies_never_5xx(report_url: str, token: str) -> None:
    url = report_url
    raw = token.encode("utf-8", "surrogateescape") if "\udcff" in token else token.encode("utf-8")
    for headers in ({"Cookie": b"partnerbot_report=" + raw}, {"Authorization": b"Bearer " + raw}):
        assert requests.get(url, headers=headers, timeout=10).status_code < 500
    assert requests.get(url, params={"token": token.encode("utf-8", "surrogateescape")}, timeout=10).status_code < 500
