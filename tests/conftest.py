"""Shared fixtures: a fresh database per test (SQLite always, PostgreSQL when
reachable), a bot with a frozen clock and a recording notifier."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

os.environ.setdefault("PARTNERBOT_CACHE_DIR", os.path.join(tempfile.gettempdir(), "partnerbot-test-model"))

from bot.app import build_grounded, build_registry, classifier_builder  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Message, Reply  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.notify import RecordingNotifier, deliver_pending  # noqa: E402
from bot.router import Bot, Registry  # noqa: E402
from bot.seed import prepare  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FROZEN_NOW = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.timezone.utc)  # Tue Dec 1, 09:00 in Seattle


def _postgres_available() -> bool:
    if os.environ.get("TEST_POSTGRES", "").lower() in ("0", "no", "off"):
        return False
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


POSTGRES = _postgres_available()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database.connect(f"sqlite:///{path}")
    prepare(database, load_samples=False)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES:
        pytest.skip("PostgreSQL is not reachable at TEST_POSTGRES_URL; PostgreSQL variants skipped")
    name = f"pb_template_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    database = Database.connect(url)
    prepare(database, load_samples=False, auto_migrate=True)
    database.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_postgres(template: str) -> Iterator[str]:
    name = f"pb_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "partnerbot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """Run the test on SQLite and, when reachable, on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "partnerbot.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    yield from _fresh_postgres(template)


def make_settings(url: str, **overrides: object) -> Settings:
    env = {"DATABASE_URL": url, "DEPARTMENT_STAFF": "cli:staff-1,cli:staff-2,slack:U0STAFF1,teams:staff-teams-1",
           "DEPARTMENT_EMAIL": "partnerships@district.example", "PARTNERBOT_SPOOL_DIR": tempfile.mkdtemp(prefix="spool-")}
    env.update({k: str(v) for k, v in overrides.items()})
    return Settings.from_env(env)


_BRAIN: tuple[Registry, object] | None = None


def brain() -> tuple[Registry, object]:
    """One registry and classifier for the whole test session (training takes seconds)."""
    global _BRAIN
    if _BRAIN is None:
        registry = build_registry()
        _BRAIN = registry, classifier_builder(Settings.from_env({}), registry)(())
    return _BRAIN


def make_bot(settings: Settings, database: Database, **kw: object) -> Bot:
    from bot.platforms import outbox

    registry, classifier = brain()
    return Bot(settings, database, registry, classifier, outbox=outbox(settings), **kw)  # type: ignore[arg-type]


class Harness:
    """A bot plus helpers to talk to it the way a chat platform would."""

    def __init__(self, settings: Settings, notifier: RecordingNotifier, now: dt.datetime, grounded: bool = False) -> None:
        """`grounded`: answers from the department's knowledge as `partnerbot` gives them (the shared eval's way)."""
        self.settings = settings
        self.database = Database.connect(settings.database_url)
        prepare(self.database, load_samples=False)
        self.now = now
        self.notifier = notifier
        knowledge = {"grounded": build_grounded(settings, self.database)} if grounded else {}
        self.bot = make_bot(settings, self.database, clock=lambda: self.now, **knowledge)

    def ask(self, text: str, user: str = "U-1", session: str = "s-1", platform: str = "cli", **kw: object) -> Reply:
        return self.bot.handle(Message(text, user, platform, session, session, **kw))  # type: ignore[arg-type]

    def press(self, button_or_reply, user: str = "U-1", session: str = "s-1", platform: str = "cli", label: str | None = None) -> Reply:  # type: ignore[no-untyped-def]
        button = button_or_reply
        if isinstance(button_or_reply, Reply):
            matches = [b for b in button_or_reply.buttons if label is None or b.label == label]
            assert matches, f"no button {label!r} in {[b.label for b in button_or_reply.buttons]}"
            button = matches[0]
        return self.bot.handle(Message(button.label, user, platform, session, session, action=button.action, value=button.value))

    def open_ticket(self, text: str, **kw: object) -> Reply:
        """Ask for a consultation and answer the form until the ticket exists (no school if asked)."""
        reply = self.ask(text, **kw)  # type: ignore[arg-type]
        answers = {"topic": "other", "school": "no specific school", "description": "Please help with this partnership.",
                   "confirm": "yes"}
        for _ in range(5):
            asking = reply.data.get("asking")
            if reply.intent != "consultation" or asking not in answers:
                return reply
            reply = self.ask(answers[asking], **kw)  # type: ignore[arg-type]
        return reply

    def deliver(self) -> int:
        return deliver_pending(self.database.sessions, {p: self.notifier for p in ("slack", "teams", "cli", "web", "log")}, self.now)

    def close(self) -> None:
        self.database.dispose()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def harness(sqlite_url: str, notifier: RecordingNotifier) -> Iterator[Harness]:
    h = Harness(make_settings(sqlite_url), notifier, FROZEN_NOW)
    yield h
    h.close()


@pytest.fixture
def any_harness(any_db_url: str, notifier: RecordingNotifier) -> Iterator[Harness]:
    h = Harness(make_settings(any_db_url), notifier, FROZEN_NOW)
    yield h
    h.close()


FIXTURES = Path(__file__).parent / "fixtures"
