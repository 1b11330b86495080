"""First-use seeding: the real school list and, by default, sample data."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import department_answers, faq_entries
from bot.db import Database
from bot.directory.importer import fill_attention, import_partners, import_schools
from bot.directory.sample import generate
from bot.models import Partnership, School, TrainingSession
from knowledge import load_csv_rows

log = logging.getLogger(__name__)

SAMPLE_PARTNERSHIPS = 600
SAMPLE_ORGANISATIONS = 90


def seed_database(session: Session, load_samples: bool = True) -> None:
    if not session.scalar(select(func.count()).select_from(School)):
        import_schools(session, rows=load_csv_rows("schools.csv"))
    if not load_samples:
        return
    if not session.scalar(select(func.count()).select_from(Partnership)):
        names = list(session.scalars(select(School.name).order_by(School.id)))
        rows = generate(names, SAMPLE_PARTNERSHIPS, SAMPLE_ORGANISATIONS)
        report = import_partners(session, rows=rows, sample=True)
        if report.problems:
            log.warning("sample partnerships had %d problems", len(report.problems))
    if not session.scalar(select(func.count()).select_from(TrainingSession)):
        from bot.trainings.sample import add_sample_calendar

        add_sample_calendar(session)


def prepare(database: Database, *, load_samples: bool = True, auto_migrate: bool | None = None,
            refresh: bool = False) -> bool:
    """Migrate the schema, and seed the database if it was empty. True when it was.

    After a migration (or with `refresh`: `partnerbot db upgrade`), data the new schema derives
    from what was stored is filled in by the code that owns the rule (migrations never import it)."""
    fresh = database.prepare(auto_migrate=auto_migrate)
    with database.session() as session:  # answers and FAQ entries a release ships appear; the department's edits stay
        department_answers.seed(session, dt.datetime.now(dt.timezone.utc))
        faq_entries.seed(session, dt.datetime.now(dt.timezone.utc))
    if fresh:
        with database.session() as session:
            seed_database(session, load_samples=load_samples)
    elif refresh or database.migrated:
        with database.session() as session:
            filled = fill_attention(session)
        if filled:
            log.info("filled the attention dates of %d partnerships", filled)
    return fresh
