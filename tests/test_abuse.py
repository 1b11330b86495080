"""Bad input and abuse on the HTTP endpoints: never a 500, never a body in the logs, never
someone else's identity. Run apart with `pytest -m faults`."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
import requests

from sqlalchemy.exc import SQLAlchemyError

from bot.db import Database
from bot.logs import BoundedLibraryLogs, JsonFormatter
from bot.models import ProcessedEvent
from bot.seed import prepare
from tests.fakes import slack_headers
from tests.test_slack import SlackWorld, mention, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.faults

BAD_BODIES = [b"[]", b"null", b'"x"', b"42", b'{"type": "event_callback", "event": ', b"[" * 30_000,
              b'{"a":' * 30_000, b"\xff\xfe\xfa", b"", b"payload=%7B%7D%5B"]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_slack_events_refuse_malformed_bodies_signed_or_not(world: SlackWorld, body: bytes) -> None:  # noqa: F811
    unsigned = requests.post(f"{world.server.url}/slack/events", data=body, timeout=10,
                             headers={"Content-Type": "application/json"})
    not_utf8 = b"\xff" in body  # refused before the signature: it cannot be what Slack signed
    assert unsigned.status_code == (400 if not_utf8 else 401)
    text = body.decode("utf-8", "replace")
    signed = requests.post(f"{world.server.url}/slack/events", data=body, timeout=10,
                           headers=slack_headers(text, content_type="application/json"))
    assert signed.status_code == 400
    form = requests.post(f"{world.server.url}/slack/events", data=body, timeout=10,
                         headers=slack_headers(text, content_type="application/x-www-form-urlencoded"))
    assert form.status_code in (400, 401)
    assert world.slack.named("chat.postMessage") == []


def test_slack_events_refuse_a_timestamp_that_is_not_a_number(world: SlackWorld) -> None:  # noqa: F811
    body = json.dumps({"type": "event_callback", "event_id": "Ev-ts", "event": mention("hi")})
    headers = {**slack_headers(body), "X-Slack-Request-Timestamp": "abc"}
    assert world.post(body, headers=headers).status_code == 401


def test_unsigned_megabyte_bodies_do_not_grow_the_log(world: SlackWorld, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    caplog.set_level(logging.DEBUG)
    big = json.dumps({"type": "event_callback", "event": {"text": "Z" * 900_000}})
    for _ in range(5):
        response = requests.post(f"{world.server.url}/slack/events", data=big, timeout=10,
                                 headers={"Content-Type": "application/json"})
        assert response.status_code == 401
    assert sum(len(r.getMessage()) for r in caplog.records) < 5_000
    assert "ZZZZ" not in caplog.text


def test_library_log_lines_are_bounded_and_keep_no_message_text() -> None:
    body = json.dumps({"type": "event_callback", "event": {"text": "my SECRET-PHRASE question", "pad": "x" * 5000}})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(BoundedLibraryLogs(keep_text=False))
    library = logging.getLogger("slack_bolt.AsyncRequestVerification")
    library.addHandler(handler)
    try:
        library.warning("Invalid request signature detected (body: %s)", body)
    finally:
        library.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert "SECRET-PHRASE" not in line["msg"] and '"text": "[redacted]"' in line["msg"]
    assert len(line["msg"]) < 400


def test_database_errors_are_logged_with_their_cause_and_without_parameters(sqlite_url: str) -> None:
    database = Database.connect(sqlite_url)
    prepare(database, load_samples=False)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("partnerbot.test-errors")
    log.addHandler(handler)
    try:
        for _ in range(2):
            try:
                with database.session() as session:
                    session.add(ProcessedEvent(event_key="SECRET-PHRASE", seen_at=dt.datetime.now(dt.timezone.utc)))
            except SQLAlchemyError as exc:
                log.exception("database error")
                assert "SECRET-PHRASE" not in str(exc)  # whoever prints it: the parameters are hidden
    finally:
        log.removeHandler(handler)
        database.dispose()
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["error"].startswith("IntegrityError: UNIQUE constraint failed: processed_event.event_key")
    assert "SECRET-PHRASE" not in stream.getvalue()
