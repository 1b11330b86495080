"""Slack end to end: the real aiohttp server, signed requests, a fake Slack Web API."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any, Iterator

import pytest
import requests
from sqlalchemy import select

from bot import inbox
from bot.seed import prepare
from bot.models import Ticket
from bot.server import Runtime, build_app
from bot.db import Database
from tests.conftest import make_settings, make_bot
from tests.fakes import SIGNING_SECRET, FakeSlack, ServerThread, slack_headers


class SlackWorld:
    def __init__(self, server: ServerThread, slack: FakeSlack, runtime: Runtime, slack_url: str) -> None:
        self.server, self.slack, self.runtime, self.slack_url = server, slack, runtime, slack_url

    def post(self, body: str, content_type: str = "application/json", headers: dict[str, str] | None = None,
             **sign: Any) -> requests.Response:
        h = slack_headers(body, content_type=content_type, **sign)
        h.update(headers or {})
        return requests.post(f"{self.server.url}/slack/events", data=body.encode(), headers=h, timeout=10)

    def event(self, event: dict[str, Any], event_id: str = "Ev1", headers: dict[str, str] | None = None) -> requests.Response:
        body = json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                           "event_id": event_id, "event_time": int(time.time()), "event": event,
                           "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})
        return self.post(body, headers=headers)

    def sentinel(self) -> None:
        """Send one more DM and wait for its answer: events are answered in the order they were
        stored, so everything sent before it has been dealt with (answered or ignored) by then."""
        posts = len(self.slack.named("chat.postMessage"))
        self.event({"type": "message", "channel_type": "im", "user": "U-sentinel", "text": "help",
                    "ts": "1700000099.000100", "channel": "D-sentinel"}, event_id=f"Ev-sentinel-{posts}")
        self.slack.wait_for("chat.postMessage", posts + 1)
        with self.runtime.database.session() as session:
            assert inbox.depth(session) == 0

    def form(self, fields: dict[str, str]) -> requests.Response:
        return self.post(urllib.parse.urlencode(fields), content_type="application/x-www-form-urlencoded")

    def interactive(self, payload: dict[str, Any]) -> requests.Response:
        return self.form({"payload": json.dumps(payload)})

    def drain(self) -> int:
        return self.runtime.drain_outbox()

    def consult(self, text: str, user: str = "U1", event_id: str = "Ev-c") -> None:
        """Ask for a consultation in a mention, then confirm it in the thread: the ticket exists after this."""
        posts = len(self.slack.named("chat.postMessage"))
        self.event(mention(text, user=user), event_id=event_id)
        self.slack.wait_for("chat.postMessage", posts + 1)
        self.event(mention("yes, send it", user=user, ts="1700000001.000200", thread_ts="1700000001.000100"),
                   event_id=f"{event_id}-yes")
        self.slack.wait_for("chat.postMessage", posts + 2)


@pytest.fixture
def world(sqlite_url: str) -> Iterator[SlackWorld]:
    slack = FakeSlack()
    with ServerThread(slack.app()) as fake:
        settings = make_settings(sqlite_url, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                                 SLACK_API_URL=f"{fake.url}/api/", DEPARTMENT_SLACK_CHANNEL="C-DEPT")
        database = Database.connect(settings.database_url)
        prepare(database, load_samples=False)
        from bot.platforms import notifiers as build_notifiers

        runtime = Runtime(settings, database, make_bot(settings, database), build_notifiers(settings, database))
        with ServerThread(build_app(runtime, drain_outbox=False)) as server:
            yield SlackWorld(server, slack, runtime, fake.url)


def mention(text: str, user: str = "U1", channel: str = "C1", ts: str = "1700000001.000100",
            thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "ts": ts, "channel": channel,
             "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def test_app_mention_replies_in_thread_with_blocks(world: SlackWorld) -> None:
    response = world.event(mention("which agreement applies?"))
    assert response.status_code == 200
    post = world.slack.wait_for("chat.postMessage")[0]
    assert post["channel"] == "C1" and post["thread_ts"] == "1700000001.000100"
    assert post["blocks"][0]["text"]["text"] == "Who pays for the partner's work?"
    buttons = post["blocks"][-1]["elements"]
    assert [b["value"] for b in buttons] == ["who_pays=school", "who_pays=partner", "who_pays=ptsa", "who_pays=space",
                                             "agreement"]
    assert buttons[0]["action_id"] == "pb:0:agreement.answer"


def test_direct_message_and_bot_messages(world: SlackWorld) -> None:
    world.event({"type": "message", "channel_type": "im", "user": "U1", "text": "Who works with Franklin?",
                 "ts": "1700000002.000100", "channel": "D1"}, event_id="Ev-dm")
    post = world.slack.wait_for("chat.postMessage")[0]
    assert post["channel"] == "D1" and not post.get("thread_ts")
    assert "Franklin" in post["blocks"][0]["text"]["text"]
    world.event({"type": "message", "channel_type": "im", "bot_id": "B9", "user": "U-other-bot", "text": "echo", "ts": "1",
                 "channel": "D1"},
                event_id="Ev-bot")
    world.event({"type": "message", "channel_type": "im", "subtype": "message_changed", "channel": "D1",
                 "message": {"user": "U1", "text": "edited"}, "ts": "2"}, event_id="Ev-edit")
    world.sentinel()
    assert [p["channel"] for p in world.slack.named("chat.postMessage")] == ["D1", "D-sentinel"]


def test_a_mention_is_stored_and_answered_while_slack_cannot_authorize_the_bot(world: SlackWorld) -> None:
    """Mentions and DMs are stored before bolt sees them (it would first authorize the request
    with auth.test): an outage of that one method must not cost an acknowledged question."""
    world.slack.fail["auth.test"] = [(500, {"ok": False, "error": "fatal_error"}, {})] * 20
    assert world.event(mention("which agreement applies?"), event_id="Ev-noauth").status_code == 200
    assert world.event({"type": "message", "channel_type": "im", "user": "U2", "text": "upcoming trainings",
                        "ts": "1700000003.000100", "channel": "D2"}, event_id="Ev-noauth-dm").status_code == 200
    posts = world.slack.wait_for("chat.postMessage", 2)
    assert sorted(p["channel"] for p in posts) == ["C1", "D2"]
    assert world.slack.named("auth.test") == []  # nothing about these two needed the bot's identity


def test_retry_with_same_event_id_is_not_processed_twice(world: SlackWorld) -> None:
    world.consult("I need a consultation: please review our PSC with a dance studio for Madison", event_id="Ev-retry")
    retry = world.event(mention("yes, send it", ts="1700000001.000200", thread_ts="1700000001.000100"),
                        event_id="Ev-retry-yes", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    world.sentinel()
    assert len(world.slack.named("chat.postMessage")) == 3  # the request, its confirmation, the sentinel
    with world.runtime.database.session() as s:
        assert len(list(s.scalars(select(Ticket)))) == 1


def test_bad_or_stale_signature_gets_401(world: SlackWorld) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "Ev-x", "event": mention("hi")})
    assert world.post(body, secret="wrong-secret").status_code == 401
    assert world.post(body, timestamp=int(time.time()) - 3600).status_code == 401
    assert world.slack.named("chat.postMessage") == []


def test_slash_command_acks_then_responds(world: SlackWorld) -> None:
    response = world.form({"command": "/partners", "text": "Franklin", "user_id": "U1", "user_name": "pat",
                           "channel_id": "C1", "team_id": "T1", "response_url": f"{world.slack_url}/respond/1",
                           "trigger_id": "tr-1"})
    assert response.status_code == 200 and response.text == ""
    responded = world.slack.wait_for("response_url")[0]
    assert responded["response_type"] == "ephemeral"
    assert "Franklin" in responded["blocks"][0]["text"]["text"]


def test_block_action_routes_updates_original_and_answers(world: SlackWorld) -> None:
    world.event(mention("which agreement applies?"), event_id="Ev-q")
    question = world.slack.wait_for("chat.postMessage")[0]
    button = question["blocks"][-1]["elements"][1]
    payload = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "tr",
               "container": {"type": "message", "channel_id": "C1", "message_ts": "1700000000.000001"},
               "channel": {"id": "C1"}, "response_url": f"{world.slack_url}/respond/2",
               "message": {"ts": "1700000000.000001", "thread_ts": "1700000001.000100", "text": question["text"],
                           "blocks": question["blocks"]},
               "actions": [{**button, "type": "button", "block_id": "b1", "action_ts": "1"}]}
    assert world.interactive(payload).status_code == 200
    update = world.slack.wait_for("chat.update")[0]
    assert all(b["type"] != "actions" for b in update["blocks"]), "stale buttons are removed"
    assert "chose: *The partner brings its own funding*" in update["blocks"][-1]["elements"][0]["text"]
    answer = world.slack.wait_for("chat.postMessage", 2)[1]
    assert answer["thread_ts"] == "1700000001.000100"
    assert "Memorandum of Understanding" in answer["blocks"][0]["text"]["text"]


def test_mention_injection_is_escaped(world: SlackWorld) -> None:
    world.consult("I need a consultation: <!channel> <@U999> please look at our MOU for Lowell today", event_id="Ev-inj")
    world.drain()
    dept = [c for c in world.slack.named("chat.postMessage") if c["channel"] == "C-DEPT"][0]
    text = json.dumps(dept["blocks"])
    assert "<!channel>" not in text and "<@U999>" not in text
    assert "&lt;!channel&gt;" in text and "&lt;@U999&gt;" in text


def test_consultation_pings_department_and_claim_updates_it(world: SlackWorld) -> None:
    world.consult("I need a consultation: please review our PSC with a dance studio for Madison", user="U-REQ")
    assert world.drain() == 1
    dept = [c for c in world.slack.named("chat.postMessage") if c["channel"] == "C-DEPT"]
    assert len(dept) == 1
    claim = next(e for e in dept[0]["blocks"][-1]["elements"] if e["text"]["text"] == "Claim")
    payload = {"type": "block_actions", "user": {"id": "U0STAFF1"}, "team": {"id": "T1"}, "trigger_id": "tr",
               "container": {"type": "message", "channel_id": "C-DEPT", "message_ts": "1700000000.000002"},
               "channel": {"id": "C-DEPT"}, "response_url": f"{world.slack_url}/respond/3",
               "message": {"ts": "1700000000.000002", "text": dept[0]["text"], "blocks": dept[0]["blocks"]},
               "actions": [{**claim, "type": "button", "block_id": "b", "action_ts": "1"}]}
    world.interactive(payload)
    ephemeral = world.slack.wait_for("response_url")[0]
    assert ephemeral["response_type"] == "ephemeral" and "You have it" in ephemeral["blocks"][0]["text"]["text"]
    world.drain()
    update = world.slack.wait_for("chat.update")[0]
    assert update["channel"] == "C-DEPT" and "Claimed by" in update["blocks"][0]["text"]["text"]
    dm = [c for c in world.slack.named("chat.postMessage") if c["channel"] == "U-REQ"]
    assert dm and "has your request" in dm[0]["blocks"][0]["text"]["text"]


def test_non_staff_claim_click_is_refused(world: SlackWorld) -> None:
    world.consult("I need a consultation: please review our PSC with a dance studio for Madison", event_id="Ev-n")
    payload = {"type": "block_actions", "user": {"id": "U-NOBODY"}, "team": {"id": "T1"}, "trigger_id": "tr",
               "channel": {"id": "C-DEPT"}, "response_url": f"{world.slack_url}/respond/4",
               "message": {"ts": "1.2", "text": "x", "blocks": []},
               "actions": [{"type": "button", "action_id": "pbs:0:ticket.claim", "value": "1", "block_id": "b",
                            "text": {"type": "plain_text", "text": "Claim"}, "action_ts": "1"}]}
    world.interactive(payload)
    assert "only the partnerships department" in world.slack.wait_for("response_url")[0]["blocks"][0]["text"]["text"]


def test_consult_command_opens_modal_and_submission_validates(world: SlackWorld) -> None:
    world.form({"command": "/consult", "text": "help with <!here> our MOU", "user_id": "U1", "channel_id": "C1",
                "team_id": "T1", "response_url": f"{world.slack_url}/respond/5", "trigger_id": "tr-9"})
    view = world.slack.wait_for("views.open")[0]
    assert view["trigger_id"] == "tr-9" and view["view"]["callback_id"] == "pb_form"
    desc = next(b for b in view["view"]["blocks"] if b["block_id"] == "description")
    assert desc["element"]["initial_value"] == "help with <!here> our MOU"

    def submit(school: str, description: str) -> requests.Response:
        return world.interactive({"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1", "name": "pat"},
                                  "view": {"id": "V1", "type": "modal", "callback_id": "pb_form",
                                           "private_metadata": view["view"]["private_metadata"],
                                           "state": {"values": {
                                               "topic": {"topic": {"type": "static_select", "selected_option": {"value": "agreements"}}},
                                               "school": {"school": {"type": "plain_text_input", "value": school}},
                                               "description": {"description": {"type": "plain_text_input", "value": description}}}}}})

    bad = submit("Nowhere Academy", "short")
    assert bad.status_code == 200
    errors = bad.json()
    assert errors["response_action"] == "errors" and set(errors["errors"]) == {"school", "description"}
    good = submit("Rainer Beach", "Please help us set up an MOU with a mentoring nonprofit")
    assert good.status_code == 200 and good.text == ""
    dm = world.slack.wait_for("chat.postMessage")[0]
    assert dm["channel"] == "U1" and "C-1001" in dm["blocks"][0]["text"]["text"]
    with world.runtime.database.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.topic == "agreements" and ticket.school_id is not None


def test_message_shortcut_opens_prefilled_modal(world: SlackWorld) -> None:
    world.interactive({"type": "message_action", "callback_id": "ask_department", "trigger_id": "tr-s",
                       "user": {"id": "U1"}, "team": {"id": "T1"}, "channel": {"id": "C1"},
                       "message": {"text": "Is the Cedar Arts MOU still valid?", "ts": "1.1"}, "response_url": "x"})
    view = world.slack.wait_for("views.open")[0]["view"]
    assert next(b for b in view["blocks"] if b["block_id"] == "description")["element"]["initial_value"] == \
        "Is the Cedar Arts MOU still valid?"


def test_app_home_shows_requests_and_staff_queue(world: SlackWorld) -> None:
    world.consult("I need a consultation: please review our PSC with a dance studio for Madison", event_id="Ev-h1")
    world.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, event_id="Ev-h2")
    home = world.slack.wait_for("views.publish")[0]
    text = json.dumps(home["view"])
    assert home["user_id"] == "U1" and "C-1001" in text and "Unclaimed consultations" not in text
    world.event({"type": "app_home_opened", "user": "U0STAFF1", "channel": "D2", "tab": "home"}, event_id="Ev-h3")
    staff = world.slack.wait_for("views.publish", 2)[1]
    assert "Unclaimed consultations" in json.dumps(staff["view"])


def test_slack_not_configured_answers_404(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database))
    with ServerThread(build_app(runtime, drain_outbox=False)) as server:
        assert requests.post(f"{server.url}/slack/events", data="{}", timeout=5).status_code == 404
        assert requests.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}


def test_resolve_button_opens_a_modal_and_its_submission_resolves(world: SlackWorld) -> None:
    world.consult("I need a consultation: please review our PSC with a dance studio for Madison", user="U-REQ",
                  event_id="Ev-r")
    world.drain()
    dept = [c for c in world.slack.named("chat.postMessage") if c["channel"] == "C-DEPT"][0]
    resolve = next(e for e in dept["blocks"][-1]["elements"] if e["text"]["text"] == "Resolve")
    world.interactive({"type": "block_actions", "user": {"id": "U0STAFF1"}, "team": {"id": "T1"}, "trigger_id": "tr-r",
                       "channel": {"id": "C-DEPT"}, "response_url": f"{world.slack_url}/respond/9",
                       "message": {"ts": "1.2", "text": dept["text"], "blocks": dept["blocks"]},
                       "actions": [{**resolve, "type": "button", "block_id": "b", "action_ts": "1"}]})
    view = world.slack.wait_for("views.open")[0]
    assert view["trigger_id"] == "tr-r" and view["view"]["callback_id"] == "pb_form"
    assert json.loads(view["view"]["private_metadata"])["action"] == "ticket.resolve_note"
    assert world.slack.named("chat.update") == [], "the shared department post is not changed by a click"
    world.interactive({"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U0STAFF1", "name": "sam"},
                       "view": {"id": "V2", "type": "modal", "callback_id": "pb_form",
                                "private_metadata": view["view"]["private_metadata"],
                                "state": {"values": {"note": {"note": {"type": "plain_text_input",
                                                                       "value": "Sent the PSC checklist"}}}}}})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not [c for c in world.slack.named("chat.postMessage") if c["channel"] == "U0STAFF1"]:
        time.sleep(0.05)
    confirm = [c for c in world.slack.named("chat.postMessage") if c["channel"] == "U0STAFF1"]
    assert confirm and "Resolved" in confirm[0]["blocks"][0]["text"]["text"]
    with world.runtime.database.session() as s:
        assert s.scalars(select(Ticket)).one().status == "resolved"


def test_remind_me_on_a_shared_post_answers_only_the_clicker(world: SlackWorld) -> None:
    with world.runtime.database.session() as s:
        from bot.trainings.sample import add_sample_calendar
        add_sample_calendar(s)
    payload = {"type": "block_actions", "user": {"id": "U5"}, "team": {"id": "T1"}, "trigger_id": "tr",
               "channel": {"id": "C-ANN"}, "response_url": f"{world.slack_url}/respond/7",
               "message": {"ts": "1.3", "text": "digest", "blocks": [{"type": "actions", "elements": []}]},
               "actions": [{"type": "button", "action_id": "pbs:0:trainings.remind", "value": "1", "block_id": "b",
                            "text": {"type": "plain_text", "text": "Remind me"}, "action_ts": "1"}]}
    world.interactive(payload)
    answer = world.slack.wait_for("response_url")[0]
    assert answer["response_type"] == "ephemeral" and "the day before" in answer["blocks"][0]["text"]["text"]
    assert world.slack.named("chat.update") == [] and world.slack.named("chat.postMessage") == []


def test_buttons_on_an_ephemeral_reply_are_answered_through_its_response_url(world: SlackWorld) -> None:
    """/agreement answers ephemerally, in a channel the bot may not be in: a button press there must go
    back through response_url, never chat.postMessage (which fails with not_in_channel)."""
    world.form({"command": "/agreement", "text": "", "user_id": "U1", "user_name": "pat", "channel_id": "C-NOT-MEMBER",
                "team_id": "T1", "response_url": f"{world.slack_url}/respond/10", "trigger_id": "tr-10"})
    question = world.slack.wait_for("response_url")[0]
    button = question["blocks"][-1]["elements"][1]
    world.interactive({"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "tr-11",
                       "container": {"type": "message", "message_ts": "1.5", "channel_id": "C-NOT-MEMBER",
                                     "is_ephemeral": True},
                       "channel": {"id": "C-NOT-MEMBER"}, "response_url": f"{world.slack_url}/respond/11",
                       "actions": [{**button, "type": "button", "block_id": "b", "action_ts": "2"}]})
    answer = world.slack.wait_for("response_url", 2)[1]
    assert answer["response_type"] == "ephemeral" and "Memorandum of Understanding" in answer["blocks"][0]["text"]["text"]
    assert world.slack.named("chat.postMessage") == [] and world.slack.named("chat.update") == []


def _thread_reply(text: str, ts: str, user: str = "U1") -> dict[str, Any]:
    return {"type": "message", "channel_type": "channel", "user": user, "text": text, "ts": ts, "channel": "C1",
            "thread_ts": "1700000001.000100", "event_ts": ts}


def test_a_typed_answer_in_the_thread_continues_the_form_without_a_mention(world: SlackWorld) -> None:
    world.event(mention("which agreement applies?"), event_id="Ev-t1")
    world.slack.wait_for("chat.postMessage")
    world.event(_thread_reply("the partner brings its own funding", "1700000001.000300"), event_id="Ev-t2")
    answer = world.slack.wait_for("chat.postMessage", 2)[1]
    assert answer["thread_ts"] == "1700000001.000100" and "Memorandum of Understanding" in answer["blocks"][0]["text"]["text"]
    world.event(_thread_reply("thanks, that's what I thought", "1700000001.000400"), event_id="Ev-t3")
    world.event(_thread_reply("@Sam can you file it?", "1700000001.000500", user="U2"), event_id="Ev-t4")
    time.sleep(0.8)
    assert len(world.slack.named("chat.postMessage")) == 2, "chat in the thread that isn't for the bot is left alone"


def test_a_mention_in_a_thread_is_answered_once(world: SlackWorld) -> None:
    world.event(mention("which agreement applies?"), event_id="Ev-m1")
    world.slack.wait_for("chat.postMessage")
    text = "<@UBOT> the partner brings its own funding"
    world.event({**_thread_reply(text, "1700000001.000600")}, event_id="Ev-m3")  # Slack sends both events, in any order
    world.event(mention("the partner brings its own funding", ts="1700000001.000600", thread_ts="1700000001.000100"),
                event_id="Ev-m2")
    world.slack.wait_for("chat.postMessage", 2)
    time.sleep(0.8)
    assert len(world.slack.named("chat.postMessage")) == 2


def test_department_posts_name_the_requester(world: SlackWorld) -> None:
    world.consult("I need a consultation: please review our PSC with a dance studio for Madison", user="U-REQ")
    world.drain()
    dept = [c for c in world.slack.named("chat.postMessage") if c["channel"] == "C-DEPT"][0]
    assert "from Name of U-REQ (slack)" in dept["blocks"][0]["text"]["text"]
    assert len(world.slack.named("users.info")) == 1, "names are cached"


def test_modal_opens_while_ordinary_turns_are_all_busy(world: SlackWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trigger lasts 3 s: /consult's modal must not queue behind slow ordinary turns."""
    import threading

    release = threading.Event()
    real_handle = world.runtime.bot.handle_durably

    def handle(message, settle):  # type: ignore[no-untyped-def]
        if "slowly" in message.text:
            release.wait(30)
        return real_handle(message, settle)

    monkeypatch.setattr(world.runtime.bot, "handle_durably", handle)
    try:
        for n in range(4):  # more than the turns allowed at once
            world.form({"command": "/partners", "text": f"slowly {n}", "user_id": f"U{n}", "channel_id": "C1",
                        "team_id": "T1", "response_url": f"{world.slack_url}/respond/{n}", "trigger_id": f"t{n}"})
        world.form({"command": "/consult", "text": "our MOU", "user_id": "U9", "channel_id": "C1", "team_id": "T1",
                    "response_url": f"{world.slack_url}/respond/9", "trigger_id": "tr-busy"})
        assert world.slack.wait_for("views.open")[0]["trigger_id"] == "tr-busy"
        assert not world.slack.named("response_url"), "the slow turns were still waiting"
    finally:
        release.set()
    world.slack.wait_for("response_url", 4)  # the slow turns finish too
