"""The flows of "answers staff can trust", on every platform: an agreement answer shows the words it
rests on and offers "That's not what I meant", which asks that fact again; a full new question keeps
no filter of the last one, and a follow-up that keeps one says so."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from tests.test_slack import SlackWorld, world as slack_world  # noqa: F401  (the fixture)
from tests.test_teams import TeamsWorld, card_of, teams_runtime, world as teams_world  # noqa: F401
from tests.test_web import server  # noqa: F401  (the fixture)

SITUATION = "A local bank pays the chess coach directly. Which agreement do we need?"
EVIDENCE = "“A local bank pays the chess coach directly”"


def test_web_chat_shows_the_evidence_and_takes_a_fact_back(server) -> None:  # noqa: F811
    browser = requests.Session()

    def say(**body: Any) -> dict[str, Any]:
        return browser.post(server.url + "/chat", json={"session": "trust", **body}, timeout=10).json()

    answer = say(text=SITUATION)
    assert answer["data"]["agreement"] == "mou" and f"You said {EVIDENCE}" in answer["text"]
    assert answer["data"]["evidence"] == {"payer": "A local bank pays the chess coach directly"}
    button = next(b for b in answer["buttons"] if b["label"] == "That's not what I meant")
    reopened = say(action=button["action"], value=button["value"])
    assert reopened["data"]["agreement"] is None and reopened["data"]["asking"] == "who_pays"
    assert say(text="the school pays him from our building budget")["data"]["agreement"] == "personal_services_contract"
    say(text=SITUATION)
    typed = say(text="that's not what I meant")
    assert typed["data"]["asking"] == "who_pays" and typed["data"]["agreement"] is None


def test_web_chat_follow_ups_keep_a_filter_only_when_elliptical_and_say_so(server) -> None:  # noqa: F811
    browser = requests.Session()

    def say(text: str) -> dict[str, Any]:
        return browser.post(server.url + "/chat", json={"session": "frames", "text": text}, timeout=10).json()

    assert say("tutoring partners at Rainier Beach")["data"]["service"] == "Tutoring and academic support"
    kept = say("what about Franklin?")
    assert kept["data"]["school"] == "Franklin" and kept["data"]["service"] == "Tutoring and academic support"
    assert "Still only tutoring" in kept["text"]
    fresh = say("who works with REMS?")
    assert fresh["data"]["school"] == "Robert Eagle Staff" and fresh["data"]["service"] is None


def test_slack_answer_blocks_carry_the_evidence_and_the_button_reopens_the_fact(slack_world: SlackWorld) -> None:  # noqa: F811
    world = slack_world
    world.event({"type": "message", "channel_type": "im", "user": "U1", "text": SITUATION,
                 "ts": "1700000002.000100", "channel": "D1"}, event_id="Ev-trust")
    answer = world.slack.wait_for("chat.postMessage")[0]
    blocks = json.dumps(answer["blocks"])
    assert "You said" in blocks and "A local bank pays the chess coach directly" in blocks
    button = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["text"]["text"] == "That's not what I meant")
    assert button["action_id"].endswith(":agreement.not_meant") and button["value"] == "payer"
    click = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "tr-trust",
             "channel": {"id": "D1"}, "response_url": f"{world.slack_url}/respond/1",
             "message": {"ts": "1700000000.000001", "text": answer["text"], "blocks": answer["blocks"]},
             "actions": [{**button, "block_id": "b1", "action_ts": "1"}]}
    assert world.interactive(click).status_code == 200
    asked = world.slack.wait_for("chat.postMessage", 2)[1]
    assert "Who pays" in json.dumps(asked["blocks"])


def test_teams_card_carries_the_evidence_and_the_submit_reopens_the_fact(teams_world: TeamsWorld) -> None:  # noqa: F811
    world = teams_world
    world.send(world.message(SITUATION))
    card = card_of(world.connector.wait(1)[0])
    assert "You said" in card["body"][0]["text"] and "A local bank pays the chess coach directly" in card["body"][0]["text"]
    action = next(a for a in card["actions"] if a["title"] == "That's not what I meant")
    assert action["data"]["action"] == "agreement.not_meant" and action["data"]["value"] == "payer"
    world.send(world.message(value=action["data"]))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(world.connector.posts) < 2:
        time.sleep(0.05)
    asked = card_of(world.connector.posts[1])
    assert "Who pays" in asked["body"][0]["text"]
