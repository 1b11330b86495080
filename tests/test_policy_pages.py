"""/privacy and /terms (linked by the Teams manifest): the default says what this deployment's settings keep
and for how long; a district's own text replaces it, shown as text, never as markup."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from aiohttp import web

from bot.config import ConfigError, Settings
from bot.policy_route import install, parse
from tests.fakes import ServerThread


class _Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


def _pages(settings: Settings) -> ServerThread:
    app = web.Application()
    install(app, _Runtime(settings))  # type: ignore[arg-type]
    return ServerThread(app)


def test_the_default_privacy_page_says_what_is_kept_where_and_for_how_long() -> None:
    settings = Settings.from_env({"RETENTION_DAYS": "90", "TICKET_RETENTION_DAYS": "730",
                                  "DEPARTMENT_EMAIL": "partners@district.example"})
    with _pages(settings) as server:
        page = requests.get(server.url + "/privacy", timeout=10)
        terms = requests.get(server.url + "/terms", timeout=10)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.text
    assert "<h1>Privacy</h1>" in text and "<h2>How long</h2>" in text
    assert "notices, reminders and e-mail addresses: 90 days, then deleted." in text
    assert "Resolved consultation requests and their history: 730 days, then deleted." in text
    assert "The audit log of staff actions: kept until the department deletes them." in text
    assert "partners@district.example" in text and "e-mail address a web-chat user gives" not in text  # no SMTP_URL
    assert terms.status_code == 200 and "<h1>Terms of use</h1>" in terms.text


def test_the_districts_own_text_replaces_the_default_as_plain_text(tmp_path: Path) -> None:
    own = tmp_path / "privacy.txt"
    own.write_text("# Our notice\nWe keep <script>alert(1)</script> nothing but:\n- one item\n- two\n", encoding="utf-8")
    with _pages(Settings.from_env({"PRIVACY_FILE": str(own)})) as server:
        text = requests.get(server.url + "/privacy", timeout=10).text
    assert "<h2>Our notice</h2>" in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>" not in text
    assert "<li>one item</li><li>two</li>" in text and "How long" not in text
    assert text.index("nothing but:") < text.index("<li>one item</li>")  # in the file's order
    with pytest.raises(ConfigError, match="PRIVACY_FILE"):
        install(web.Application(), _Runtime(Settings.from_env({"PRIVACY_FILE": str(tmp_path / "missing.txt")})))  # type: ignore[arg-type]


def test_text_becomes_headings_paragraphs_and_lists() -> None:
    blocks = parse("Intro line one\nline two\n\n# Heading\nWe keep:\n- a\n- b\nafter\n\nlast")
    assert [(b.heading, b.parts) for b in blocks] == [
        ("", [("p", "Intro line one line two")]),
        ("Heading", [("p", "We keep:"), ("ul", ["a", "b"]), ("p", "after"), ("p", "last")])]


def test_the_privacy_page_names_the_language_model_service_when_one_is_configured() -> None:
    from bot.policy_route import default_privacy

    assert "language model" not in default_privacy(Settings.from_env({}))
    text = default_privacy(Settings.from_env({"LLM_MODEL": "gpt-x", "LLM_BASE_URL": "https://llm.district.example/v1",
                                              "LLM_API_KEY": "k"}))
    assert "language model service the district chose (llm.district.example)" in text
    assert "e-mail address a web-chat user gives" in default_privacy(Settings.from_env({"SMTP_URL": "smtp://relay"}))
