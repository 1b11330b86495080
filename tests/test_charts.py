"""Distribution and compliance answers come with their chart: inline in the web chat, an
uploaded PNG in Slack (exactly once, after the answer, in the same place), an image in the
Teams card."""

from __future__ import annotations

import base64
import json
import struct
import time
from typing import Iterator

import pytest
import requests

from bot import charts
from bot.core import Chart, Reply
from bot.db import Database
from bot.directory.importer import import_partners
from bot.notify import DeliveryError, Post
from bot.platforms.slack.notifier import SlackNotifier, chart_file_name
from bot.platforms.teams.render import reply_activity
from bot.seed import prepare
from bot.server import Runtime, build_app
from tests.conftest import FIXTURES, FROZEN_NOW, Harness, make_bot, make_settings
from tests.fakes import FakeSlack, ServerThread, slack_headers
from tests.test_slack import SlackWorld, world  # noqa: F401 (the fixture)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
REGIONS = Chart("Current partnerships by region", ("North", "Southeast", "Central"), (12.0, 30.0, 7.0))


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def h(harness: Harness) -> Iterator[Harness]:
    with harness.database.session() as session:
        assert not import_partners(session, FIXTURES / "partners_health.csv").problems
    yield harness


def test_distribution_answers_chart_the_figures_they_state(h: Harness) -> None:
    reply = h.ask("how are partnerships distributed by region?")
    rows = reply.data["distribution"]["rows"]
    assert reply.chart is not None and len(rows) > 1
    assert reply.chart.labels == tuple(r["region"] for r in rows)
    assert reply.chart.values == tuple(float(r["partnerships"]) for r in rows)
    assert reply.to_dict()["chart"]["labels"] == [r["region"] for r in rows]
    services = h.ask("which services do partners provide most?", session="s-2")
    assert services.chart is not None and services.chart.horizontal
    assert services.chart.values == tuple(float(r["partnerships"]) for r in services.data["distribution"]["rows"][:15])


def test_compliance_by_region_charts_the_share_with_everything_on_file(h: Harness) -> None:
    reply = h.ask("compliance by region")
    rows = reply.data["distribution"]["rows"]
    assert reply.chart is not None and reply.chart.percent
    assert dict(zip(reply.chart.labels, reply.chart.values)) == {r["region"]: float(r["rate"]) for r in rows}
    assert "Central 50%" in reply.chart.description  # 2 of Central's 4 partnerships are complete


def test_a_lookup_for_one_school_has_no_chart(h: Harness) -> None:
    assert h.ask("partners at Garfield").chart is None


def test_charts_are_drawn_as_png_and_svg() -> None:
    assert png_size(charts.png(REGIONS)) == (640, 340)
    svg = charts.svg(REGIONS).decode()
    assert "<svg" in svg and "Southeast" in svg and "Current partnerships by region" in svg
    tall = Chart("Services", tuple(f"service {i}" for i in range(20)), tuple(float(i) for i in range(20)), horizontal=True)
    assert png_size(charts.png(tall))[1] > 340  # one line per bar


def drawn(draw: charts.Draw) -> tuple[list[float], tuple[float, float]]:
    """The bar heights and the value axis of a drawing, on real matplotlib axes."""
    from matplotlib.figure import Figure

    axes = Figure().add_subplot()
    draw(axes)
    return [bar.get_height() for bar in axes.patches], axes.get_ylim()


def test_a_percent_chart_draws_its_percentages_on_a_0_to_100_axis() -> None:
    share = Chart("Share with all paperwork on file", ("Central", "North"), (50.0, 75.0), percent=True)
    assert drawn(charts._chart_bars(share)) == ([50.0, 75.0], (0.0, 100.0))
    heights, _ = drawn(charts._chart_bars(REGIONS))
    assert heights == [12.0, 30.0, 7.0]


def test_the_district_reports_compliance_bars_are_percentages(harness: Harness, monkeypatch) -> None:
    from bot import district_report

    with harness.database.session() as session:
        assert not import_partners(session, FIXTURES / "partners_health.csv").problems
        data = district_report.collect(session, harness.settings, FROZEN_NOW)
    drawings: dict[str, charts.Draw] = {}

    def keep(values, title, horizontal=False, percent=False):  # type: ignore[no-untyped-def]
        drawings[title] = charts.bars(values, title, horizontal, percent)
        return drawings[title]

    monkeypatch.setattr(district_report, "bars", keep)
    district_report.render(data)
    heights, limits = drawn(drawings["Share with all paperwork on file, per region"])
    assert dict(zip(data.compliance_per_region, heights))["Central"] == 50.0 and limits == (0.0, 100.0)


def test_the_teams_card_carries_the_chart_as_an_image() -> None:
    card = reply_activity(Reply("By region:", "partners", chart=REGIONS))["attachments"][0]["content"]
    images = [b for b in card["body"] if b["type"] == "Image"]
    assert len(images) == 1 and images[0]["altText"] == REGIONS.description
    prefix = "data:image/png;base64,"
    assert images[0]["url"].startswith(prefix)
    assert png_size(base64.b64decode(images[0]["url"][len(prefix):])) == (640, 340)


def test_the_web_chat_answer_carries_the_chart_inline(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url)
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    with database.session() as session:
        assert not import_partners(session, FIXTURES / "partners_health.csv").problems
    runtime = Runtime(settings, database, make_bot(settings, database))
    with ServerThread(build_app(runtime, drain_outbox=False)) as server:
        body = requests.post(f"{server.url}/chat", json={"session": "s", "text": "compliance by region"}, timeout=20).json()
    prefix = "data:image/svg+xml;base64,"
    assert body["chart"]["image"].startswith(prefix)
    svg = base64.b64decode(body["chart"]["image"][len(prefix):]).decode()
    assert all(label in svg for label in body["chart"]["labels"])
    assert body["chart"]["description"].startswith("Bar chart, Share of partnerships with all paperwork on file")


@pytest.fixture
def slack_world(world: SlackWorld) -> tuple[FakeSlack, ServerThread]:
    """test_slack's world (the real server, a fake Slack) with partnerships to chart."""
    with world.runtime.database.session() as session:
        assert not import_partners(session, FIXTURES / "partners_health.csv").problems
    return world.slack, world.server


def _dm(server: ServerThread, text: str, event_id: str) -> None:
    body = json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": event_id,
                       "event_time": int(time.time()), "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
                       "event": {"type": "message", "channel_type": "im", "user": "U1", "text": text,
                                 "ts": "1700000001.000100", "channel": "D1"}})
    assert requests.post(f"{server.url}/slack/events", data=body.encode(), headers=slack_headers(body),
                         timeout=10).status_code == 200


def test_slack_answer_is_followed_by_its_chart_uploaded_once(slack_world: tuple[FakeSlack, ServerThread]) -> None:
    slack, server = slack_world
    _dm(server, "compliance by region", "Ev-chart")
    slack.wait_for("files.completeUploadExternal")
    time.sleep(0.3)  # nothing else is on its way: the upload is the answer's last step
    answer = slack.named("chat.postMessage")
    files = slack.shared_files()
    assert len(answer) == 1 and len(files) == 1
    assert answer[0]["channel"] == "D1" and "Partnership paperwork by region" in answer[0]["text"]
    assert files[0]["channel"] == "D1" and files[0]["name"] == chart_file_name("answer:slack:Ev-chart:1")
    assert files[0]["title"].startswith("Share of partnerships with all paperwork on file")
    assert png_size(files[0]["data"]) == (640, 340)
    assert [m.get("files") is not None for m in slack.posted] == [False, True]  # the picture after the text
    upload = slack.named("files.getUploadURLExternal")[0]
    assert upload["alt_txt"].startswith("Bar chart, Share of partnerships")


def test_a_timed_out_upload_is_found_not_uploaded_again() -> None:
    slack = FakeSlack()
    slack.delay["files.completeUploadExternal"] = 1.5  # shared, but the answer comes after the client gave up
    with ServerThread(slack.app()) as fake:
        from slack_sdk import WebClient

        notifier = SlackNotifier(make_settings("sqlite://"), WebClient(token="xoxb-t", base_url=f"{fake.url}/api/",
                                                                       timeout=0.5, retry_handlers=[]))
        post = Post("chart", "slack", "D1", REGIONS.title, chart=REGIONS.to_dict(), key="answer:slack:Ev9:1")
        with pytest.raises(DeliveryError) as first:
            notifier.send(post, None)
        assert first.value.uncertain
        time.sleep(1.2)
        again = notifier.send(Post(**{**post.__dict__, "uncertain": True}), None)
    assert len(slack.shared_files()) == 1 and len(slack.named("files.getUploadURLExternal")) == 1
    assert again.external_ref == f"D1|{slack.shared_files()[0]['id']}"


def test_a_button_whose_answer_has_a_chart_shares_it_after_the_answer(slack_world: tuple[FakeSlack, ServerThread]) -> None:
    slack, server = slack_world
    payload = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "tr",
               "container": {"type": "message", "channel_id": "D1", "message_ts": "1700000000.000001"},
               "channel": {"id": "D1"}, "response_url": f"{server.url}/nowhere",
               "message": {"ts": "1700000000.000001", "thread_ts": "1700000000.000001", "text": "Did you mean", "blocks": []},
               "actions": [{"action_id": "pb:0:menu", "value": "compliance by region", "type": "button",
                            "block_id": "b1", "action_ts": "1"}]}
    body = "payload=" + requests.utils.quote(json.dumps(payload))
    headers = slack_headers(body, content_type="application/x-www-form-urlencoded")
    assert requests.post(f"{server.url}/slack/events", data=body, headers=headers, timeout=10).status_code == 200
    slack.wait_for("files.completeUploadExternal")
    files = slack.shared_files()
    assert len(files) == 1 and files[0]["channel"] == "D1" and files[0]["thread_ts"] == "1700000000.000001"
    assert png_size(files[0]["data"]) == (640, 340)
    assert "Partnership paperwork by region" in slack.named("chat.postMessage")[0]["text"]
