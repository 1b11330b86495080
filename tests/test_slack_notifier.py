"""The Slack notifier against the fake Web API: joins, rate limits, permanent failures."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.platforms.slack.notifier import SlackNotifier
from bot.core import Button
from bot.notify import DeliveryError, Post
from tests.conftest import make_settings
from tests.fakes import FakeSlack, ServerThread


@pytest.fixture
def fake():
    slack = FakeSlack()
    with ServerThread(slack.app()) as server:
        yield slack, SlackNotifier(make_settings("sqlite://", SLACK_BOT_TOKEN="xoxb-t", SLACK_API_URL=f"{server.url}/api/"))


def notice(**kw: object) -> Post:
    return Post("ticket.new", "slack", "C-DEPT", "*C-1001* <!channel>", (Button("Claim", "ticket.claim", "1"),), **kw)  # type: ignore[arg-type]


def test_post_returns_a_reference_for_later_updates(fake) -> None:
    slack, notifier = fake
    ref = notifier.send(notice(), None).external_ref
    assert ref == "C-DEPT|1700000000.000001"
    notifier.send(notice(update_of="ticket:1:post"), ref)
    update = slack.named("chat.update")[0]
    assert update["ts"] == "1700000000.000001" and "&lt;!channel&gt;" in update["blocks"][0]["text"]["text"]


def test_not_in_channel_joins_and_retries(fake) -> None:
    slack, notifier = fake
    slack.fail["chat.postMessage"] = [(200, {"ok": False, "error": "not_in_channel"}, {})]
    assert notifier.send(notice(), None).external_ref
    assert [c.method for c in slack.calls] == ["chat.postMessage", "conversations.join", "chat.postMessage"]


def test_rate_limit_is_retried_after_the_given_delay(fake) -> None:
    slack, notifier = fake
    slack.fail["chat.postMessage"] = [(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})]
    with pytest.raises(DeliveryError) as failure:
        notifier.send(notice(), None)
    assert failure.value.retry_after == 7 and not failure.value.permanent


def test_missing_channel_is_permanent_and_update_waits_for_original(fake) -> None:
    slack, notifier = fake
    slack.fail["chat.postMessage"] = [(200, {"ok": False, "error": "channel_not_found"}, {})]
    with pytest.raises(DeliveryError) as failure:
        notifier.send(notice(), None)
    assert failure.value.permanent
    with pytest.raises(DeliveryError) as waiting:
        notifier.send(notice(update_of="ticket:1:post"), None)
    assert waiting.value.retry_after and not waiting.value.permanent


def test_outbox_gives_up_on_permanent_failure_and_logs(harness, caplog) -> None:
    from sqlalchemy import select

    from bot.models import OutboxMessage
    from bot.notify import deliver_pending

    class Gone:
        def send(self, notice, previous):  # type: ignore[no-untyped-def]
            raise DeliveryError("Slack API error: channel_not_found", permanent=True)

    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    with caplog.at_level("ERROR", logger="partnerbot.notify"):
        deliver_pending(harness.database.sessions, {"log": Gone()}, harness.now + dt.timedelta(seconds=1))
    with harness.database.session() as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.gave_up and row.sent_at is None and "channel_not_found" in row.last_error
    assert any("given up" in r.getMessage() for r in caplog.records)


def test_notices_for_unconfigured_platforms_wait_instead_of_being_logged_as_sent(harness) -> None:
    from sqlalchemy import select

    from bot.models import OutboxMessage
    from bot.notify import LogNotifier, deliver_pending, queue

    with harness.database.session() as s:
        queue(s, "k-slack", Post("ticket.new", "slack", "C-DEPT", "hello"), now=harness.now)
        queue(s, "k-web", Post("ticket.requester", "web", "w-1", "hello"), now=harness.now)
    assert deliver_pending(harness.database.sessions, {}, harness.now, fallback=LogNotifier()) == 0
    with harness.database.session() as s:
        rows = list(s.scalars(select(OutboxMessage)))
        assert [(r.platform, r.sent_at, r.attempts) for r in rows] == [("slack", None, 0), ("web", None, 0)]
