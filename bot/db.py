"""Engine, sessions and schema management (Alembic) for SQLite and PostgreSQL.

The embedded default is an SQLite file that is created, migrated and seeded on
first use; PostgreSQL is migrated automatically only when it is empty, otherwise
with `partnerbot db upgrade` (several web processes must not race a migration).
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:  # pragma: no cover - typing only
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_TIMEOUT = 30.0
"""Seconds an SQLite write waits for another connection's lock before failing."""
LOCK_POLL = 0.001
"""How often `Database.write_promptly` asks again for SQLite's write lock."""


class DatabaseError(RuntimeError):
    """The database cannot be reached or is not at the expected schema."""


def is_busy(exc: BaseException) -> bool:
    """SQLite refused a write because another connection wrote first ("database is locked").

    In WAL mode a transaction that read an older snapshot cannot start writing; the
    whole unit of work is safe to run again.
    """
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text


def make_engine(url: str, sqlite_timeout: float = SQLITE_TIMEOUT) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": sqlite_timeout},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # pysqlite starts a transaction at the first write, so reads never hold a lock
            # and writes are short. Its SAVEPOINTs are unreliable, so the code uses
            # INSERT ... ON CONFLICT DO NOTHING (bot.db.insert_ignore) instead of them.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # No pre-ping (a round trip per turn): a connection the server dropped is detected on
    # use, invalidated by SQLAlchemy, and the turn is retried (bot.router).
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800, hide_parameters=True)


def unused_key(session: Session, column: Any, base: str, joiner: str) -> str:
    """`base`, or `base<joiner>2`, `base<joiner>3`… : the first value `column` (a unique key) does not hold yet."""
    key, n = base, 1
    while session.scalar(select(func.count()).where(column == key)):
        n += 1
        key = f"{base}{joiner}{n}"
    return key


def insert_ignore(session: Session, model: type, values: dict, conflict: tuple[str, ...]) -> bool:  # type: ignore[type-arg]
    """Insert a row unless one with the same unique key exists; True if inserted.

    One statement (ON CONFLICT DO NOTHING) on SQLite and PostgreSQL, so two processes
    racing to record the same key can't both win, and no savepoint is needed.
    """
    return insert_ignore_returning(session, model, values, conflict, conflict[0]) is not None


def insert_ignore_returning(session: Session, model: type, values: dict,  # type: ignore[type-arg]
                            conflict: tuple[str, ...], column: str) -> object | None:
    """`insert_ignore`, giving the new row's `column` (its id, say), or None when the key existed."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = (dialect_insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
                 .returning(getattr(model, column)))
    return session.execute(statement).scalar()


def insert_many_ignore(session: Session, model: type, rows: list[dict], conflict: tuple[str, ...]) -> None:  # type: ignore[type-arg]
    """Insert many rows in one statement, skipping those whose unique key exists (a batch of
    acknowledged events, some of them retries)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    session.execute(dialect_insert(model).on_conflict_do_nothing(index_elements=list(conflict)), rows)


def upsert(session: Session, model: type, values: dict, conflict: tuple[str, ...], update: tuple[str, ...]) -> None:  # type: ignore[type-arg]
    """Insert a row, or update `update` columns of the row with the same unique key (one statement)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(model).values(**values)
    statement = statement.on_conflict_do_update(index_elements=list(conflict),
                                                set_={name: statement.excluded[name] for name in update})
    session.execute(statement)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # Alembic only when migrations are looked at: a faster start

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(conn).get_current_revision()


SCHEMA_HEAD = "0014"
"""The newest migration's revision (tests/test_operations.py checks it against Alembic's own
head). A database already at it is current without importing Alembic: ~0.15 s off every start."""


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in `alembic_version`, read with plain SQL; None if there is none
    or more than one (branches: Alembic decides)."""
    with engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except SQLAlchemyError:
            return None
    return str(rows[0]) if len(rows) == 1 else None


def is_current(engine: Engine) -> bool:
    if stored_revision(engine) == SCHEMA_HEAD:
        return True
    return current_revision(engine) == head_revision(engine)


def upgrade(engine: Engine) -> None:
    """Bring the schema to head (serialised by an advisory lock on PostgreSQL)."""
    with _migration_lock(engine):
        from alembic import command

        command.upgrade(alembic_config(engine), "head")


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(815462)"))
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(815462)"))
            conn.commit()


@dataclass
class Database:
    """One engine and session factory per process."""

    engine: Engine
    sessions: sessionmaker[Session]
    migrated: bool = False
    """`prepare` upgraded the schema in this process (data a new revision derives is then filled in)."""
    prompt_sessions: sessionmaker[Session] | None = None
    """SQLite: sessions whose connections never wait for a lock (see `write_promptly`)."""

    @classmethod
    def connect(cls, url: str) -> "Database":
        engine = make_engine(url)
        prompt = sessionmaker(make_engine(url, sqlite_timeout=0), expire_on_commit=False) \
            if engine.dialect.name == "sqlite" else None
        return cls(engine, sessionmaker(engine, expire_on_commit=False), prompt_sessions=prompt)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def syncs_commits(self) -> bool:
        """Whether a commit is on disk when it returns: PostgreSQL's are; SQLite's here (WAL, synchronous=NORMAL)
        survive a crash of the process, not of the machine."""
        return self.engine.dialect.name != "sqlite"

    def write_promptly(self, work: Callable[[Session], None], wait: float = SQLITE_TIMEOUT) -> None:
        """Run `work` in a unit of work, for a short write someone is waiting on. On SQLite the write lock
        is asked for every millisecond (for up to `wait` seconds), on connections of their own that never
        wait inside SQLite, whose busy handler sleeps in steps growing to 100 ms; `work` then runs again
        after a refusal, so it must only write. Elsewhere, as `session` does."""
        if self.engine.dialect.name != "sqlite":
            with self.session() as session:
                work(session)
            return
        assert self.prompt_sessions is not None
        deadline = time.monotonic() + wait
        while True:
            with self.prompt_sessions() as session:
                try:
                    work(session)
                    session.commit()
                    return
                except OperationalError as exc:
                    session.rollback()
                    if not is_busy(exc) or time.monotonic() > deadline:
                        raise
            time.sleep(LOCK_POLL)

    def prepare(self, *, auto_migrate: bool | None = None) -> bool:
        """Create/migrate the schema where allowed (seeding is the caller's: bot.seed.prepare).

        Returns True when the database was empty and has just been set up.
        """
        try:
            tables = set(inspect(self.engine).get_table_names())
        except Exception as exc:  # the driver's own error types vary
            raise DatabaseError(f"cannot reach the database: {exc.__class__.__name__}") from exc
        fresh = "alembic_version" not in tables
        is_sqlite = self.engine.dialect.name == "sqlite"
        allowed = is_sqlite or fresh if auto_migrate is None else auto_migrate
        if not is_current(self.engine):
            if not allowed:
                raise DatabaseError(
                    "the database schema is behind this version of partnerbot: run `partnerbot db upgrade`"
                )
            upgrade(self.engine)
            self.migrated = True
        return fresh

    def dispose(self) -> None:
        self.engine.dispose()
        if self.prompt_sessions is not None:
            self.prompt_sessions.kw["bind"].dispose()
