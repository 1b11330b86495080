"""`partnerbot db`, `staff`, `tickets` and `report`: the department's terminal tools."""

from __future__ import annotations

import argparse

from bot.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.required = True
    upgrade = db_sub.add_parser("upgrade", help="migrate the database to the current schema")
    upgrade.set_defaults(run=run_db_upgrade)
    current = db_sub.add_parser("current", help="show the schema revision")
    current.set_defaults(run=run_db_current)


def run_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import Database

    database = Database.connect(settings.database_url)
    database.prepare(auto_migrate=True, load_samples=settings.load_sample_data)
    from bot.db import current_revision

    print(f"database is at revision {current_revision(database.engine)}")
    return 0


def run_db_current(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import Database, current_revision, head_revision

    database = Database.connect(settings.database_url)
    current, head = current_revision(database.engine), head_revision(database.engine)
    print(f"current: {current or 'empty'}; head: {head}" + ("" if current == head else " (run `partnerbot db upgrade`)"))
    return 0 if current == head else 1
