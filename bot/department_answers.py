"""The department's own answers: kept in the database so staff change them on the desk without a redeploy.

knowledge/answers.yaml is the seed: an answer shipped there and not yet in the database is added when the
database is prepared (a new release's answers appear); one the department edited or deleted stays as they
left it. Every process's knowledge index looks at `stamp()` every few seconds and rebuilds when it moves,
as it does for taught examples.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import faq_entries
from bot.db import Database, insert_ignore, unused_key
from bot.faq_entries import Topic
from bot.models import DepartmentAnswer
from knowledge import load_yaml

KEY = re.compile(r"[^a-z0-9]+")
MAX_TITLE, MAX_ANSWER, MAX_QUESTIONS = 300, 4000, 30


@dataclass(frozen=True)
class Answer:
    key: str
    title: str
    source: str
    questions: tuple[str, ...]
    answer: str


def _flat(text: object) -> str:
    return " ".join(str(text).split())


def shipped() -> list[Answer]:
    return [Answer(key, _flat(entry["title"]), _flat(entry["source"]),
                   tuple(_flat(q) for q in entry.get("questions") or ()), _flat(entry["answer"]))
            for key, entry in (load_yaml("answers.yaml").get("answers") or {}).items()]


def seed(session: Session, now: dt.datetime) -> int:
    """Add the shipped answers the database has never had; returns how many."""
    known = set(session.scalars(select(DepartmentAnswer.key)))
    added = 0
    for a in shipped():  # several processes start at once: whoever inserts a key first wins, quietly
        if a.key not in known:
            added += bool(insert_ignore(session, DepartmentAnswer, {
                "key": a.key, "title": a.title, "source": a.source, "questions": list(a.questions), "answer": a.answer,
                "deleted": False, "updated_at": now, "updated_by": "knowledge/answers.yaml"}, ("key",)))
    return added


def current(session: Session) -> list[Answer]:
    return [Answer(r.key, r.title, r.source, tuple(r.questions or ()), r.answer) for r in session.scalars(
        select(DepartmentAnswer).where(DepartmentAnswer.deleted.is_(False)).order_by(DepartmentAnswer.title))]


def one(session: Session, key: str) -> DepartmentAnswer | None:
    return session.scalar(select(DepartmentAnswer).where(DepartmentAnswer.key == key,
                                                         DepartmentAnswer.deleted.is_(False)))


class AnswerError(ValueError):
    """An answer the form cannot save, said plainly."""


def save(session: Session, key: str | None, title: str, source: str, questions_text: str, answer: str,
         by: str, now: dt.datetime) -> tuple[DepartmentAnswer, dict[str, object] | None]:
    """Add (key None) or change an answer; returns it and what it was before (None when new)."""
    title, source, answer = _flat(title), _flat(source), " ".join(answer.split())
    questions = [q for q in (_flat(line) for line in questions_text.splitlines()) if q]
    if not title or not answer:
        raise AnswerError("An answer needs a title and its text.")
    if len(title) > MAX_TITLE or len(answer) > MAX_ANSWER or len(questions) > MAX_QUESTIONS:
        raise AnswerError(f"Keep the title under {MAX_TITLE} characters, the answer under {MAX_ANSWER} and the "
                          f"questions to {MAX_QUESTIONS}.")
    row = one(session, key) if key else None
    if key and row is None:
        raise AnswerError("That answer no longer exists.")
    before = None if row is None else {"title": row.title, "source": row.source, "questions": list(row.questions),
                                       "answer": row.answer}
    if row is None:
        new_key = unused_key(session, DepartmentAnswer.key, KEY.sub("_", title.lower()).strip("_")[:60] or "answer", "_")
        row = DepartmentAnswer(key=new_key, title=title, source=source, questions=questions, answer=answer)
        session.add(row)
    row.title, row.source, row.questions, row.answer = title, source, questions, answer
    row.updated_at, row.updated_by = now, by[:200]
    session.flush()
    return row, before


def delete(session: Session, key: str, by: str, now: dt.datetime) -> DepartmentAnswer | None:
    row = one(session, key)
    if row is not None:
        row.deleted, row.updated_at, row.updated_by = True, now, by[:200]
    return row


class StoredAnswers:
    """The answers and the FAQ as the knowledge index reads them, from any process."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def load(self) -> list[Answer]:
        with self.database.session() as session:
            return current(session)

    def faq(self) -> dict[str, Topic]:
        with self.database.session() as session:
            return faq_entries.load(session)

    def stamp(self) -> tuple[object, ...]:
        """Moves when an answer or an FAQ entry is added, changed or deleted."""
        with self.database.session() as session:
            count, gone, latest = session.execute(select(
                func.count(DepartmentAnswer.id), func.count(DepartmentAnswer.id).filter(DepartmentAnswer.deleted),
                func.max(DepartmentAnswer.updated_at))).one()
            return int(count or 0), int(gone or 0), str(latest or ""), faq_entries.stamp(session)
