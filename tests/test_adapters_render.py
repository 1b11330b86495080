"""Pure adapter translations: Block Kit and Adaptive Card rendering, and module boundaries."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.platforms.slack import render as slack_render
from bot.core import Button, Field, Reply

ROOT = Path(__file__).resolve().parent.parent


def buttons(n: int) -> tuple[Button, ...]:
    return tuple(Button(f"Choice {i}", "agreement.answer", f"v{i}") for i in range(n))


def test_block_kit_has_sections_fields_footer_and_at_most_five_elements() -> None:
    reply = Reply("*Title* <b>x</b>", "agreement", 1.0, {}, buttons(7), (Field("Agreement", "MOU"),), "Source: x")
    body = slack_render.render(reply)
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds == ["section", "section", "context", "actions"]
    assert body["blocks"][0]["text"]["text"] == "*Title* &lt;b&gt;x&lt;/b&gt;"
    elements = body["blocks"][-1]["elements"]
    assert len(elements) == 5 and elements[-1]["type"] == "overflow"
    assert [o["value"] for o in elements[-1]["options"]] == ["agreement.answer|v4", "agreement.answer|v5", "agreement.answer|v6"]


def test_overflow_choice_comes_back_as_an_action() -> None:
    body = {"user": {"id": "U1"}, "channel": {"id": "C1"}, "message": {"ts": "1"},
            "actions": [{"type": "overflow", "action_id": "pb:more:overflow",
                         "selected_option": {"text": {"type": "plain_text", "text": "Choice 5"}, "value": "agreement.answer|v5"}}]}
    message, shared = slack_render.action_to_message(body)
    assert (message.action, message.value, message.text, shared) == ("agreement.answer", "v5", "Choice 5", False)


def test_long_text_is_split_into_sections() -> None:
    body = slack_render.render(Reply("x" * 7000, "help"))
    assert [len(b["text"]["text"]) for b in body["blocks"]] == [2900, 2900, 1200]


def test_slack_event_filters() -> None:
    assert slack_render.event_to_message({"type": "message", "bot_id": "B1", "text": "x", "channel": "D1"}) is None
    assert slack_render.event_to_message({"type": "message", "subtype": "message_changed", "channel": "D1"}) is None
    m = slack_render.event_to_message({"type": "app_mention", "user": "U1", "text": "<@UBOT> hi &lt;there&gt; <@U2>",
                                       "ts": "5.1", "channel": "C1"})
    assert m.text == "hi <there> <@U2>" and m.session_key == "C1:5.1"


def test_adaptive_card_limits_actions_to_six() -> None:
    from bot.platforms.teams.render import render_card

    card = render_card(Reply("hi <at>you</at>", "help", 1.0, {}, buttons(9), (Field("A", "B"),)))
    assert card["version"] == "1.4" and "<at>" not in card["body"][0]["text"]
    assert len(card["actions"]) == 6 and card["actions"][-1]["type"] == "Action.ShowCard"
    assert [a["data"]["value"] for a in card["actions"][-1]["card"]["actions"]] == ["v5", "v6", "v7", "v8"]
    assert card["body"][1] == {"type": "FactSet", "facts": [{"title": "A", "value": "B"}]}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_handlers_never_import_a_platform_sdk() -> None:
    for path in (ROOT / "handlers").glob("*.py"):
        assert not _imports(path) & {"slack_bolt", "slack_sdk", "botbuilder", "botframework", "microsoft_agents"}, path


def test_each_teams_sdk_is_imported_only_by_its_runtime() -> None:
    def users(sdks: set[str]) -> list[str]:
        return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "bot").rglob("*.py") if _imports(p) & sdks)

    assert users({"botbuilder", "botframework"}) == ["bot/platforms/teams/botbuilder_runtime.py"]
    assert users({"microsoft_agents"}) == ["bot/platforms/teams/agents_runtime.py"]


def test_migrations_match_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from bot.db import Database
    from bot.models import Base

    database = Database.connect(f"sqlite:///{tmp_path / 'm.db'}")
    database.prepare()
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], diff
