"""Build the bot from settings: one database, migrated and seeded, one `Bot`."""

from __future__ import annotations

from bot.config import Settings
from bot.db import Database
from bot.router import Bot


def open_database(settings: Settings, *, seed: bool = True) -> Database:
    database = Database.connect(settings.database_url)
    database.prepare(seed=seed, load_samples=settings.load_sample_data)
    return database


def create_bot(settings: Settings, notifier: object | None = None) -> Bot:
    return Bot(settings, open_database(settings), notifier=notifier)
