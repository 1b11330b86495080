"""The app manifests and every payload the bot sends, checked against the platforms' own schemas.

Schemas are vendored under tests/schemas (see SOURCE.md). Block Kit has no published JSON
schema: Slack's own SDK models check its documented limits (`validate_json`).
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from jsonschema import Draft6Validator, Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.core import Button, Chart, Field, FormField, FormPart, Message, Reply, Table
from bot.platforms.slack.manifest import filled
from bot.platforms.slack.render import home_view, modal, render as slack_render
from bot.platforms.teams.package import build
from bot.platforms.teams.render import reply_activity

SCHEMAS = Path(__file__).parent / "schemas"
APP_ID = "00000000-0000-0000-0000-000000000001"


def _schema(*parts: str) -> dict[str, Any]:
    return json.loads((SCHEMAS.joinpath(*parts)).read_text(encoding="utf-8"))


def _slack_manifest_validator() -> Draft7Validator:
    """The top-level schema refers to the versioned ones by URL: serve them from the vendored copies."""
    resources = []
    for version in ("1.0.0", "2.0.0"):
        url = f"https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.{version}.json"
        resources.append((url, Resource.from_contents(_schema("slack", f"manifest.schema.{version}.json"), DRAFT7)))
    return Draft7Validator(_schema("slack", "manifest.schema.json"), registry=Registry().with_resources(resources))


def test_the_slack_manifest_is_valid_for_slack() -> None:
    manifest = yaml.safe_load(filled("https://bot.district.example"))
    errors = sorted(_slack_manifest_validator().iter_errors(manifest), key=str)
    assert not errors, [e.message for e in errors]
    assert all(len(s["name"]) <= 24 for s in manifest["features"]["shortcuts"])


def test_the_slack_manifest_asks_only_for_what_the_bot_uses() -> None:
    manifest = yaml.safe_load(filled("https://bot.district.example"))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read", "channels:history", "groups:history", "im:history", "chat:write", "commands",
        "channels:join", "users:read", "users:read.email", "files:write"}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) >= {
        "app_mention", "message.im", "message.channels", "message.groups", "app_home_opened"}
    urls = {c["url"] for c in manifest["features"]["slash_commands"]}
    urls |= {manifest["settings"]["event_subscriptions"]["request_url"], manifest["settings"]["interactivity"]["request_url"]}
    assert urls == {"https://bot.district.example/slack/events"}


def test_a_broken_slack_manifest_is_caught() -> None:
    manifest = yaml.safe_load(filled("https://bot.district.example"))
    manifest["features"]["shortcuts"][0]["name"] = "Ask the department about this"  # 29 characters
    assert list(_slack_manifest_validator().iter_errors(manifest))


def test_the_teams_package_is_valid_for_its_manifest_version(tmp_path: Path) -> None:
    bundle = build(APP_ID, "https://bot.district.example", tmp_path / "partnerbot-teams.zip")
    with zipfile.ZipFile(bundle) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(z.read("manifest.json"))
        icons = {name: struct.unpack(">II", z.read(name)[16:24]) for name in ("color.png", "outline.png")}
    schema = _schema("teams", "MicrosoftTeams.schema.1.16.json")
    assert manifest["manifestVersion"] == schema["properties"]["manifestVersion"]["const"]
    errors = sorted(Draft7Validator(schema).iter_errors(manifest), key=str)
    assert not errors, [e.message for e in errors]
    assert icons == {"color.png": (192, 192), "outline.png": (32, 32)}
    assert manifest["bots"][0]["botId"] == APP_ID and manifest["validDomains"] == ["bot.district.example"]


# ---- every payload the bot can send -------------------------------------------------------------

def buttons(n: int) -> tuple[Button, ...]:
    return tuple(Button(f"A rather long choice label number {i} " * 3, "agreement.answer", f"v{i}" * 400) for i in range(n))


SYNTHETIC = [
    Reply("plain text", "help"),
    Reply("x" * 9000 + " <!channel> [link](http://evil.example) <at>Everyone</at>", "help", 1.0, {}, buttons(9),
          tuple(Field(f"label {i}", "v" * 3000) for i in range(12)), "Source: " + "s" * 400),
    Reply("table", "partners", table=Table(("Region", "Partnerships", "Schools"), (("North", "12", "3"),) * 30)),
    Reply("chart", "partners", chart=Chart("Current partnerships by region", ("North", "South"), (12.0, 7.0))),
    Reply("form", "consultation", form=FormPart("Ask the department about something long", (
        FormField("topic", "Topic", "choice", tuple((f"t{i}", f"Topic {i}") for i in range(6)), value="t1"),
        FormField("school", "School", optional=True, placeholder="Any name", error="Not found"),
        FormField("description", "What?", "multiline", value="d" * 5000)), Button("Send request", "consultation.form", "s:1"))),
]


def _conversations() -> list[list[str]]:
    return [
        ["which agreement applies?", "not sure who pays", "It's about using space in our building"],
        ["We pay a tutor $12,000 from the school budget, which agreement?"],
        ["what's the difference between an MOU and a PSC?"],
        ["partners at West Seattle", "tutoring partners at Franklin", "only the arts ones"],
        ["which high schools have no mentoring partner?", "how are partnerships distributed by region?",
         "what kinds of services do partners provide?"],
        ["upcoming trainings", "any in the spring?", "my reminders"],
        ["I need a consultation", "data sharing", "Garfield", "wait, what is an MOU?",
         "the partner needs attendance data for the kids", "yes"],
        ["the partner list for Leschi is outdated", "Cedar Arts left in June"],
        ["status of C-1001", "my requests"],
        ["should we run WATCH checks on our partner's tutors?", "can a partner see test scores?",
         "where is the one-pager?", "how long is the training module?"],
        ["hi", "thanks", "help", "How do I book a field trip bus?", "watch training"],
    ]


def every_reply(harness) -> Iterator[Reply]:  # type: ignore[no-untyped-def]
    yield from SYNTHETIC
    for n, conversation in enumerate(_conversations()):
        for text in conversation:
            yield harness.ask(text, session=f"schema-{n}")
    yield harness.ask("claim C-1001", user="staff-1")
    yield harness.ask("resolve C-1001", user="staff-1", session="dept")
    yield harness.bot.handle(Message("draft", "U-1", "slack", "C1", "modal:U-1", action="consultation.draft",
                                     value="help " * 1000))
    yield harness.bot.handle(Message("home", "staff-1", "cli", "home", "home", action="home"))
    harness.deliver()
    for post, _ in harness.notifier.sent:
        yield Reply(post.text, post.kind, 1.0, post.data, post.buttons)


@pytest.fixture
def replies(harness) -> list[Reply]:  # type: ignore[no-untyped-def]
    from bot.trainings.sample import add_sample_calendar

    with harness.database.session() as s:
        add_sample_calendar(s)
    return list(every_reply(harness))


def test_every_adaptive_card_is_valid_for_teams(replies: list[Reply]) -> None:
    validator = Draft6Validator(_schema("adaptivecards", "adaptive-card.1.4.json"))
    cards = 0
    for reply in replies:
        activity = reply_activity(reply)
        for attachment in activity.get("attachments") or []:
            card = attachment["content"]
            errors = sorted(validator.iter_errors(card), key=str)
            assert not errors, (reply.text[:80], [e.message for e in errors][:5])
            assert len(card.get("actions") or []) <= 6
            cards += 1
    assert cards >= 25


def _validate(model: Any) -> None:
    """slack_sdk's limit checks, on a block and everything inside it (validate_json does not recurse)."""
    model.validate_json()  # raises SlackObjectFormationError past a documented limit
    for name in ("elements", "fields", "text", "element", "options", "label", "placeholder"):
        inner = getattr(model, name, None)
        for item in inner if isinstance(inner, list) else [inner]:
            if hasattr(item, "validate_json"):
                _validate(item)


def test_every_block_kit_payload_is_within_slack_limits(replies: list[Reply]) -> None:
    for reply in replies:
        for shared in (False, True):
            body = slack_render(reply, shared=shared)
            assert len(body["text"]) <= 3000 and len(body["blocks"]) <= 50
            for block in body["blocks"]:
                _validate(Block.parse(block))
        if reply.form is not None:
            view = modal(reply.form, "C1")
            parsed = View(**view)
            parsed.validate_json()
            for block in parsed.blocks:
                _validate(block)
            assert len(view["private_metadata"]) <= 3000 and len(view["blocks"]) <= 100
    View(**home_view(replies[0])).validate_json()


def test_a_block_past_a_limit_would_be_caught() -> None:
    from slack_sdk.errors import SlackObjectFormationError

    with pytest.raises(SlackObjectFormationError):
        _validate(Block.parse({"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}))
    with pytest.raises(SlackObjectFormationError):
        _validate(Block.parse({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "x" * 76}, "action_id": "a", "value": "v"}]}))
