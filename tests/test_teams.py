"""Teams end to end: the real aiohttp server with each runtime's CloudAdapter
(botbuilder, and the Microsoft 365 Agents SDK) and a fake Bot Framework
connector; and one ticket table shared with Slack."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any, Iterator

import pytest
import requests
from sqlalchemy import select

from bot.core import Message
from bot.seed import prepare
from bot.db import Database
from bot.models import ConversationReference, Ticket
from bot.platforms import notifiers as build_notifiers
from bot.platforms.teams import app as teams_app
from bot.platforms.teams.conversation import TeamsConversations
from bot.server import Runtime, build_app
from tests.conftest import make_settings, make_bot
from tests.fakes import SIGNING_SECRET, FakeConnector, FakeSlack, ServerThread

BOT = {"id": "28:bot-id", "name": "partnerbot"}
PAT = {"id": "29:pat", "name": "Pat Lee", "aadObjectId": "aad-pat"}
STAFF = {"id": "29:staff", "name": "Sam Staff", "aadObjectId": "staff-teams-1"}
CHANNEL = "19:dept@thread.tacv2"


class TeamsWorld:
    def __init__(self, server: ServerThread, connector: FakeConnector, connector_url: str, runtime: Runtime,
                 slack: FakeSlack | None = None) -> None:
        self.server, self.connector, self.connector_url, self.runtime, self.slack = server, connector, connector_url, runtime, slack
        self._n = 0

    def send(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
        return requests.post(f"{self.server.url}/api/messages", json=activity, headers=headers or {}, timeout=15)

    def consult(self, text: str, **kw: Any) -> None:
        """Ask for a consultation and confirm it: the ticket exists after this."""
        posts = len(self.connector.posts)
        self.send(self.message(text, **kw))
        self.connector.wait(posts + 1)
        self.send(self.message("yes, send it", **kw))
        self.connector.wait(posts + 2)

    def message(self, text: str | None = None, *, user: dict[str, str] = PAT, conversation: dict[str, Any] | None = None,
                value: dict[str, Any] | None = None, entities: list[dict[str, Any]] | None = None,
                activity_id: str | None = None, channel_data: dict[str, Any] | None = None) -> dict[str, Any]:
        self._n += 1
        activity: dict[str, Any] = {
            "type": "message", "id": activity_id or f"17000000000{self._n:02d}", "timestamp": "2026-12-01T17:00:00.000Z",
            "serviceUrl": self.connector_url + "/", "channelId": "msteams", "from": user,
            "conversation": conversation or {"conversationType": "personal", "tenantId": "t1", "id": f"a:personal-{user['id']}"},
            "recipient": BOT, "textFormat": "plain", "locale": "en-US",
            "channelData": channel_data or {"tenant": {"id": "t1"}},
        }
        if text is not None:
            activity["text"] = text
        if value is not None:
            activity["value"] = value
        if entities:
            activity["entities"] = entities
        return activity


def channel_conversation(thread: str = "1700") -> dict[str, Any]:
    return {"isGroup": True, "conversationType": "channel", "id": f"{CHANNEL};messageid={thread}", "tenantId": "t1"}


def card_of(post: dict[str, Any]) -> dict[str, Any]:
    return post["activity"]["attachments"][0]["content"]


@pytest.fixture(params=["botbuilder", "agents"])
def teams_runtime(request: pytest.FixtureRequest) -> str:
    """Every Teams test runs on both SDKs: switching TEAMS_RUNTIME must change nothing users see."""
    return str(request.param)


class VerifiedConversations(TeamsConversations):
    """What the runtime does once the SDK accepted a Bot Framework token (its JWT checks are
    tested by test_app_id_requires_authentication): the sender's ids are trusted."""

    async def on_activity(self, activity: dict[str, Any], *, authenticated: bool) -> list[dict[str, Any]]:
        return await super().on_activity(activity, authenticated=True)


@pytest.fixture
def world(sqlite_url: str, teams_runtime: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TeamsWorld]:
    """Teams as in production: authenticated traffic."""
    monkeypatch.setattr(teams_app, "TeamsConversations", VerifiedConversations)
    yield from make_world(sqlite_url, teams_runtime)


@pytest.fixture
def emulator_world(sqlite_url: str, teams_runtime: str) -> Iterator[TeamsWorld]:
    """Teams without an app id (the Emulator on a laptop): nothing is authenticated."""
    yield from make_world(sqlite_url, teams_runtime)


def make_world(sqlite_url: str, teams_runtime: str) -> Iterator[TeamsWorld]:
    connector, slack = FakeConnector(), FakeSlack()
    with ServerThread(connector.app()) as fake, ServerThread(slack.app()) as fake_slack:
        settings = make_settings(sqlite_url, TEAMS_RUNTIME=teams_runtime,
                                 SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                                 SLACK_API_URL=f"{fake_slack.url}/api/", DEPARTMENT_SLACK_CHANNEL="C-DEPT")
        database = Database.connect(settings.database_url)
        prepare(database, load_samples=False)
        runtime = Runtime(settings, database, make_bot(settings, database), build_notifiers(settings, database))
        with ServerThread(build_app(runtime, drain_outbox=False)) as server:
            yield TeamsWorld(server, connector, fake.url, runtime, slack)


def test_personal_message_gets_a_card_reply(world: TeamsWorld) -> None:
    response = world.send(world.message("which agreement applies?"))
    assert response.status_code in (200, 201, 202)
    post = world.connector.wait(1)[0]
    assert post["conversation"] == "a:personal-29:pat" and post["reply_to"] == "1700000000001"
    card = card_of(post)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "Who pays for the partner's work?"
    assert [a["data"]["value"] for a in card["actions"]] == ["who_pays=school", "who_pays=partner", "who_pays=ptsa",
                                                             "who_pays=space", "agreement"]


def test_card_submit_is_routed_as_an_action(world: TeamsWorld) -> None:
    world.send(world.message("which agreement applies?"))
    world.connector.wait(1)
    world.send(world.message(value={"action": "agreement.answer", "value": "who_pays=ptsa", "label": "A PTSA or parent group coordinates it"}))
    answer = card_of(world.connector.wait(2)[1])
    assert "PTSA" in answer["body"][0]["text"]
    assert answer["body"][1]["type"] == "FactSet"


def test_channel_mention_is_stripped_and_reply_stays_in_thread(world: TeamsWorld) -> None:
    mention = {"type": "mention", "text": "<at>partnerbot</at>", "mentioned": BOT}
    world.send(world.message("<at>partnerbot</at> who works with Franklin?", conversation=channel_conversation("42"),
                             entities=[mention], channel_data={"teamsChannelId": CHANNEL, "teamsTeamId": "19:team",
                                                               "channel": {"id": CHANNEL}, "tenant": {"id": "t1"}}))
    post = world.connector.wait(1)[0]
    assert post["conversation"] == f"{CHANNEL};messageid=42"
    text = card_of(post)["body"][0]["text"] if post["activity"].get("attachments") else post["activity"]["text"]
    assert "Franklin" in text


def test_replayed_activity_is_processed_once(world: TeamsWorld) -> None:
    world.send(world.message("I need a consultation: please review our MOU with Cedar Arts for Lowell"))
    world.connector.wait(1)
    activity = world.message("yes, send it", activity_id="dup-1")
    world.send(activity)
    world.connector.wait(2)
    world.send(activity)
    time.sleep(0.5)
    assert len(world.connector.posts) == 2
    with world.runtime.database.session() as s:
        assert len(list(s.scalars(select(Ticket)))) == 1


def test_welcome_once_per_conversation_and_reference_stored(world: TeamsWorld) -> None:
    update = {"type": "conversationUpdate", "id": "cu-1", "serviceUrl": world.connector_url + "/", "channelId": "msteams",
              "from": PAT, "recipient": BOT, "conversation": channel_conversation("0"),
              "membersAdded": [BOT], "channelData": {"eventType": "teamMemberAdded", "tenant": {"id": "t1"}}}
    world.send(update)
    world.connector.wait(1)
    world.send({**update, "id": "cu-2", "membersAdded": [BOT, {"id": "29:other"}]})
    world.send({**update, "id": "cu-3", "membersAdded": [{"id": "29:newbie"}]})
    time.sleep(0.5)
    assert len(world.connector.posts) == 1 and "partnerbot" in world.connector.posts[0]["activity"]["text"]
    with world.runtime.database.session() as s:
        row = s.get(ConversationReference, CHANNEL)  # the channel, not the thread the bot was added in
        assert row is not None and row.kind == "channel" and row.reference["serviceUrl"].startswith(world.connector_url)


def test_user_text_is_escaped_in_cards(world: TeamsWorld) -> None:
    world.consult("I need a consultation: &lt;at&gt;Everyone&lt;/at&gt; <b>urgent</b> about the MOU at Lowell")
    world.runtime.drain_outbox()
    dept = world.slack.wait_for("chat.postMessage")[0]
    from bot.platforms.teams.render import render_card
    from bot.core import Reply

    card = render_card(Reply(dept["text"].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"), "x"))
    assert "<b>" not in card["body"][0]["text"] and "<at>" not in card["body"][0]["text"]
    assert "&lt;b&gt;urgent&lt;/b&gt;" in card["body"][0]["text"]


def test_consultation_form_card_validates_then_creates(world: TeamsWorld) -> None:
    world.send(world.message("I need a consultation"))
    form = card_of(world.connector.wait(1)[0])
    assert {e.get("id") for e in form["body"]} >= {"topic", "school", "description"}
    submit = form["actions"][0]["data"]  # Teams sends the action's data with the inputs' values
    world.send(world.message(value={**submit, "topic": "data_sharing", "school": "Nowhere", "description": "x"}))
    invalid = card_of(world.connector.wait(2)[1])
    texts = [b.get("text", "") for b in invalid["body"]]
    assert any("couldn't find that school" in t for t in texts) and any("sentence or two" in t for t in texts)
    world.send(world.message(value={**submit, "topic": "data_sharing", "school": "Garfield",
                                    "description": "Our tutoring partner needs a DSA renewal for attendance data"}))
    created = world.connector.wait(3)[2]
    assert "C-1001" in json.dumps(created["activity"])
    world.send(world.message("Garfield"))
    after = world.connector.wait(4)[3]
    assert "What is the consultation about" not in json.dumps(after["activity"]), "the form closed the chat intake"


def test_ticket_from_teams_is_claimed_from_slack_and_requester_told_in_teams(world: TeamsWorld) -> None:
    world.consult("I need a consultation: please review our MOU with Cedar Arts for Lowell")
    assert world.runtime.drain_outbox() == 1
    dept = world.slack.wait_for("chat.postMessage")[0]
    assert dept["channel"] == "C-DEPT" and "(teams)" in dept["blocks"][0]["text"]["text"]
    from bot.core import Message

    claimed = world.runtime.bot.handle(Message("Claim", "U0STAFF1", "slack", "C-DEPT", "C-DEPT", action="ticket.claim", value="1"))
    assert claimed.data["status"] == "claimed"
    world.runtime.drain_outbox()
    told = world.connector.wait(3)[2]
    assert told["conversation"] == "a:personal-29:pat" and "has your request" in json.dumps(told["activity"])
    assert world.slack.wait_for("chat.update")[0]["channel"] == "C-DEPT"


def test_ticket_from_slack_pings_teams_department_and_claim_from_teams(world: TeamsWorld) -> None:
    world.send(world.message("hello", user=STAFF, conversation=channel_conversation("9")))
    world.connector.wait(1)
    world.send(world.message("use this channel for consultations", user=STAFF, conversation=channel_conversation("9")))
    assert "consultation requests will be posted here" in json.dumps(world.connector.wait(2)[1]["activity"])
    from bot.core import Message

    world.runtime.bot.handle(Message("I need a consultation: help with a PSC for a dance teacher at Madison",
                                     "U-SLACK", "slack", "D1", "D1"))
    created = world.runtime.bot.handle(Message("yes", "U-SLACK", "slack", "D1", "D1"))
    assert created.data["ticket_id"] == "C-1001"
    world.runtime.drain_outbox()
    posts = world.connector.wait(3)
    ping = posts[2]
    # a new post in the channel (its own thread), not a reply in the thread of "use this channel for ..."
    assert ping["method"] == "CREATE" and ping["parameters"]["isGroup"] is True
    assert ping["parameters"]["channelData"]["channel"]["id"] == CHANNEL
    assert ping["conversation"].startswith(f"{CHANNEL};messageid=new-")
    claim = next(a for a in card_of(ping)["actions"] if a["title"] == "Claim")
    world.send(world.message(value=claim["data"], user=STAFF, conversation=channel_conversation("9")))
    world.connector.wait(4)
    world.runtime.drain_outbox()
    dm = [c for c in world.slack.named("chat.postMessage") if c["channel"] == "U-SLACK"]
    assert dm and "has your request" in dm[0]["blocks"][0]["text"]["text"]
    updates = [p for p in world.connector.posts if p["method"] == "PUT"]
    assert updates and updates[0]["activity_id"] == ping_id(ping, world)


def ping_id(ping: dict[str, Any], world: TeamsWorld) -> str:
    return f"act-{world.connector.posts.index(ping) + 1}"


def test_removed_bot_marks_reference_inactive(world: TeamsWorld) -> None:
    world.send(world.message("hello"))
    world.connector.wait(1)
    world.connector.fail_status = 403
    from bot.notify import DeliveryError, Post
    from bot.platforms.teams import sdk
    from bot.platforms.teams.notifier import TeamsNotifier

    notifier = TeamsNotifier(world.runtime.settings, world.runtime.database, sdk(world.runtime.settings))
    with pytest.raises(DeliveryError) as failure:
        notifier.send(Post("ticket.requester", "teams", "aad-pat", "hi"), None)
    assert failure.value.permanent
    with world.runtime.database.session() as s:
        assert s.get(ConversationReference, "a:personal-29:pat").active is False


def test_app_id_requires_authentication(sqlite_url: str, teams_runtime: str) -> None:
    settings = make_settings(sqlite_url, TEAMS_RUNTIME=teams_runtime, MICROSOFT_APP_ID="00000000-0000-0000-0000-000000000001",
                             MICROSOFT_APP_PASSWORD="secret")
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database))
    with ServerThread(build_app(runtime, drain_outbox=False)) as server:
        activity = {"type": "message", "id": "1", "serviceUrl": "http://127.0.0.1:9/", "channelId": "msteams",
                    "from": PAT, "recipient": BOT, "conversation": {"id": "a:1"}, "text": "hi"}
        assert requests.post(f"{server.url}/api/messages", json=activity, timeout=10).status_code == 401
        forged = requests.post(f"{server.url}/api/messages", json=activity, timeout=10,
                               headers={"Authorization": "Bearer not-a-real-token"})
        assert forged.status_code == 401


def test_resolve_from_a_teams_card_form(world: TeamsWorld) -> None:
    from bot.core import Message

    world.runtime.bot.handle(Message("I need a consultation: help with a PSC for a dance teacher at Madison",
                                     "U-SLACK", "slack", "D1", "D1"))
    world.runtime.bot.handle(Message("yes", "U-SLACK", "slack", "D1", "D1"))
    world.send(world.message(value={"action": "ticket.resolve", "value": "1", "label": "Resolve"}, user=STAFF))
    form = card_of(world.connector.wait(1)[0])
    assert any(b.get("id") == "note" for b in form["body"])
    submit = form["actions"][0]["data"]
    world.send(world.message(value={**submit, "note": "Explained the PSC documents by phone"}, user=STAFF))
    assert "Resolved" in json.dumps(world.connector.wait(2)[1]["activity"])
    with world.runtime.database.session() as s:
        assert s.get(Ticket, 1).resolution == "Explained the PSC documents by phone"


def test_teams_without_app_id_is_refused_on_postgres_settings(sqlite_url: str) -> None:
    from bot.config import Settings

    settings = Settings.from_env({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert not settings.is_sqlite
    from aiohttp import web

    from bot.platforms.teams import TeamsPlatform

    app = web.Application()

    class FakeRuntime:
        pass

    runtime = FakeRuntime()
    runtime.settings = settings  # type: ignore[attr-defined]
    TeamsPlatform().install(app, runtime)  # type: ignore[arg-type]
    with ServerThread(app) as server:
        refused = requests.post(f"{server.url}/api/messages", json={"type": "message"}, timeout=5)
        assert refused.status_code == 404 and "not configured" in refused.text


def test_throttled_connector_is_retried_and_the_ping_is_not_lost(world: TeamsWorld) -> None:
    """A 429 from the connector is a retry (after Retry-After), not a "Sorry" posted in the channel."""
    from bot.core import Message
    from bot.models import OutboxMessage

    world.send(world.message("use this channel for consultations", user=STAFF, conversation=channel_conversation("9")))
    world.connector.wait(1)
    world.runtime.bot.handle(Message("I need a consultation: help with a PSC for a dance teacher at Madison",
                                     "U-SLACK", "slack", "D1", "D1"))
    world.runtime.bot.handle(Message("yes", "U-SLACK", "slack", "D1", "D1"))
    world.connector.throttle = [(429, "3")]
    world.runtime.drain_outbox()
    with world.runtime.database.session() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.platform == "teams",
                                                    OutboxMessage.kind != "answer")).one()
        assert row.sent_at is None and row.attempts == 1 and "429" in row.last_error
        waited = (row.next_attempt_at - row.created_at).total_seconds()
    assert 2 <= waited <= 60
    assert not any("Sorry" in json.dumps(p["activity"]) for p in world.connector.posts)
    from bot.notify import deliver_pending
    assert deliver_pending(world.runtime.database.sessions, world.runtime.notifiers,
                           dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)) >= 1
    created = [p for p in world.connector.posts if p["method"] == "CREATE"]
    assert len(created) == 1 and "C-1001" in json.dumps(created[0]["activity"])
    with world.runtime.database.session() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.platform == "teams",
                                                    OutboxMessage.kind != "answer")).one()
        assert row.sent_at is not None and row.external_ref == f"{created[0]['conversation']}|act-{world.connector.posts.index(created[0]) + 1}"


def test_department_channel_from_configuration_is_posted_to_without_an_earlier_message(sqlite_url: str, teams_runtime: str) -> None:
    """DEPARTMENT_TEAMS_CHANNEL may be any channel: the post starts a conversation there."""
    from bot.core import Message

    other = "19:consultations@thread.tacv2"
    connector = FakeConnector()
    with ServerThread(connector.app()) as fake:
        settings = make_settings(sqlite_url, TEAMS_RUNTIME=teams_runtime, DEPARTMENT_TEAMS_CHANNEL=other,
                                 TEAMS_SERVICE_URL=f"{fake.url}/",
                                 MICROSOFT_APP_TENANT_ID="t1")
        database = Database.connect(settings.database_url)
        prepare(database, load_samples=False)
        runtime = Runtime(settings, database, make_bot(settings, database), build_notifiers(settings, database))
        runtime.bot.handle(Message("I need a consultation: help with a PSC for a dance teacher at Madison", "u", "cli", "s", "s"))
        runtime.bot.handle(Message("yes", "u", "cli", "s", "s"))
        assert runtime.drain_outbox() >= 1
        create = connector.wait(1)[0]
        assert create["method"] == "CREATE" and create["parameters"]["channelData"]["channel"]["id"] == other
        assert create["parameters"]["channelData"]["tenant"]["id"] == "t1"


def test_someone_who_asked_in_a_channel_is_told_in_a_new_chat(world: TeamsWorld) -> None:
    """Ticket updates reach a requester who only ever wrote in a channel: a 1:1 chat is started with them."""
    from bot.core import Message

    conversation = channel_conversation("77")
    world.send(world.message("I need a consultation: please review our MOU with Cedar Arts for Lowell",
                             conversation=conversation))
    world.connector.wait(1)
    world.send(world.message("yes, send it", conversation=conversation))
    world.connector.wait(2)
    world.runtime.drain_outbox()
    world.runtime.bot.handle(Message("Claim", "U0STAFF1", "slack", "C-DEPT", "C-DEPT", action="ticket.claim", value="1"))
    world.runtime.drain_outbox()
    told = next(p for p in world.connector.posts if p["method"] == "CREATE")
    assert told["parameters"]["isGroup"] is False
    assert told["parameters"]["members"] == [{"id": PAT["id"], "aadObjectId": PAT["aadObjectId"]}]
    assert "has your request" in json.dumps(told["activity"])
    with world.runtime.database.session() as s:
        chat = s.get(ConversationReference, told["conversation"])
        assert chat is not None and chat.kind == "personal" and chat.user_id == PAT["aadObjectId"]


def test_an_unauthenticated_activity_never_moves_a_stored_service_url(emulator_world: TeamsWorld) -> None:
    world = emulator_world
    world.send(world.message("hello"))
    world.connector.wait(1)
    forged = world.message("hello again")
    forged["serviceUrl"] = "https://attacker.example/"
    world.send(forged)
    with world.runtime.database.session() as s:
        assert s.get(ConversationReference, "a:personal-29:pat").reference["serviceUrl"].startswith(world.connector_url)


def test_without_an_app_id_only_local_unverified_traffic_is_accepted_and_never_staff(emulator_world: TeamsWorld) -> None:
    world = emulator_world
    world.runtime.bot.handle(Message("I need a consultation: please review our MOU with a tutoring partner at Lowell",
                                     "U1", "slack", "D1", "D1"))
    world.runtime.bot.handle(Message("yes", "U1", "slack", "D1", "D1"))
    forwarded = world.send(world.message("claim C-1001", user=STAFF), headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 403
    assert world.send(world.message("claim C-1001", user=STAFF)).status_code in (200, 201, 202)
    reply = world.connector.wait(1)[-1]
    assert "only the partnerships department staff can do that" in json.dumps(reply)
    with world.runtime.database.session() as s:
        assert s.scalar(select(Ticket)).status == "open"  # the claimed staff id was not believed


def test_a_throttled_direct_message_is_retried_not_swallowed(world: TeamsWorld) -> None:
    from bot.notify import DeliveryError, Post
    from bot.platforms.teams import sdk
    from bot.platforms.teams.notifier import TeamsNotifier

    world.send(world.message("hello"))
    world.connector.wait(1)
    notifier = TeamsNotifier(world.runtime.settings, world.runtime.database, sdk(world.runtime.settings))
    world.connector.throttle = [(429, "4")]
    with pytest.raises(DeliveryError) as failure:
        notifier.send(Post("ticket.requester", "teams", PAT["aadObjectId"], "C-1001 was claimed"), None)
    assert failure.value.retry_after == 4 and not failure.value.permanent
    assert len(world.connector.posts) == 1, "nothing (no apology) was posted instead"
    delivered = notifier.send(Post("ticket.requester", "teams", PAT["aadObjectId"], "C-1001 was claimed"), None)
    assert delivered.external_ref == "a:personal-29:pat|act-2"


def test_a_failing_request_says_sorry_without_the_error_text(world: TeamsWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Agents SDK's default error handler echoes the exception to the user; ours never does."""
    async def broken(*_args: Any) -> Any:
        raise RuntimeError("password=hunter2 in the connection string")

    monkeypatch.setattr(world.runtime, "accept", broken)
    world.send(world.message("which agreement applies?"))
    sent = json.dumps(world.connector.wait(1)[0]["activity"])
    assert "something went wrong" in sent and "hunter2" not in sent


def test_a_failing_turn_is_answered_with_an_apology_not_the_error(world: TeamsWorld,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any) -> Any:
        raise RuntimeError("password=hunter2 in the connection string")

    monkeypatch.setattr(world.runtime.bot, "_turn", broken)
    world.send(world.message("which agreement applies?"))
    post = world.connector.wait(1)[0]
    sent = json.dumps(post["activity"])
    assert "went wrong" in sent and "hunter2" not in sent
    assert post["conversation"] == "a:personal-29:pat" and post["reply_to"] is not None


def test_agents_runtime_reads_the_same_app_settings(sqlite_url: str) -> None:
    from bot.platforms.teams.agents_runtime import auth_configuration

    anonymous = auth_configuration(make_settings(sqlite_url))
    assert anonymous.ANONYMOUS_ALLOWED and not anonymous.CLIENT_ID
    single = auth_configuration(make_settings(sqlite_url, MICROSOFT_APP_ID="app-1", MICROSOFT_APP_PASSWORD="pw",
                                              MICROSOFT_APP_TYPE="SingleTenant", MICROSOFT_APP_TENANT_ID="tenant-9"))
    assert (single.CLIENT_ID, single.CLIENT_SECRET, single.TENANT_ID, single.ANONYMOUS_ALLOWED) == ("app-1", "pw", "tenant-9", False)
    multi = auth_configuration(make_settings(sqlite_url, MICROSOFT_APP_ID="app-1", MICROSOFT_APP_PASSWORD="pw",
                                             MICROSOFT_APP_TYPE="MultiTenant"))
    assert multi.TENANT_ID == "botframework.com"


def test_teams_contacts_by_email_are_found_in_the_team_roster_and_nudged(world: TeamsWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`partnerbot import contacts` resolves a Teams e-mail through the roster of a team the bot is in
    (every page of it), and the contact's digest then reaches them in a new 1:1 chat."""
    from bot.directory.importer import import_partners
    from bot.models import SchoolContact
    from bot.platforms.teams import references
    from bot.scheduler import Clock
    from tests.conftest import FIXTURES
    from tests.test_cli import run

    database = world.runtime.database
    team = "19:team-general@thread.tacv2"
    with database.session() as session:
        assert not import_partners(session, FIXTURES / "partners_health.csv").problems
        references.remember(session, world.message("hello", conversation={
            "conversationType": "channel", "tenantId": "t1", "id": team, "isGroup": True},
            channel_data={"tenant": {"id": "t1"}, "team": {"id": team}}), "aad-pat", may_move=True)
    world.connector.rosters[team] = [
        {"id": "29:someone", "aadObjectId": "aad-someone", "email": "someone@district.example"},
        {"id": "29:other", "aadObjectId": "aad-other", "userPrincipalName": "other@district.example"},
        {"id": "29:principal", "aadObjectId": "AAD-PRINCIPAL", "name": "Pat Principal",
         "email": "Principal.Garfield@district.example", "userPrincipalName": "pgarfield@district.example"}]
    path = tmp_path / "contacts.csv"
    path.write_text("school,role,teams\nGarfield,principal,principal.garfield@district.example\n"
                    "Garfield,partnership lead,nobody@district.example\n")
    done = run(["import", "contacts", str(path)], world.runtime.settings.database_url,
               TEAMS_RUNTIME=world.runtime.settings.teams_runtime)
    assert "teams 'nobody@district.example': no user has this e-mail" in done.stderr
    assert "1 new" in done.stdout
    assert len([p for p in world.connector.posts if p["method"] == "GET members"]) == 2  # both pages, read once
    with database.session() as session:
        assert session.scalar(select(SchoolContact.teams_user)) == "aad-principal"
        assert references.can_reach(session, "aad-principal")
    now = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.timezone.utc)
    assert Clock(world.runtime.settings, database, build_notifiers(world.runtime.settings, database),
                 now=lambda: now).nudges() == 1
    world.runtime.drain_outbox()
    chat = next(p for p in world.connector.posts if p["method"] == "CREATE")
    assert chat["parameters"]["members"] == [{"id": "29:principal", "aadObjectId": "AAD-PRINCIPAL"}]
    assert "Partnership paperwork at Garfield" in json.dumps(chat["activity"])


def test_a_chart_answer_is_drawn_when_sent_not_stored_in_the_outbox(world: TeamsWorld) -> None:
    """The answer is queued in its turn's transaction with the chart pending; the notifier draws it
    into the card when it sends (a tenth of a second no transaction waits for)."""
    import base64

    from bot.directory.importer import import_partners
    from bot.models import OutboxMessage
    from bot.platforms.teams.render import CHART_PENDING
    from tests.conftest import FIXTURES

    with world.runtime.database.session() as session:
        assert not import_partners(session, FIXTURES / "partners_health.csv").problems
    world.send(world.message("compliance by region"))
    card = card_of(world.connector.wait(1)[0])
    image = next(b for b in card["body"] if b["type"] == "Image")
    assert image["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["url"].split(",", 1)[1]).startswith(b"\x89PNG")
    with world.runtime.database.session() as session:
        stored = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "answer")).one().payload
    assert CHART_PENDING in json.dumps(stored) and "base64" not in json.dumps(stored)
