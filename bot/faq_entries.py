"""The FAQ's topics and entries: kept in the database so staff change them on the desk without a redeploy.

knowledge/faq.yaml is the seed, as answers.yaml is for the department's answers (bot/department_answers.py):
a topic or entry shipped there and not yet in the database is added when the database is prepared; one the
department edited or deleted stays as they left it. An entry's key is its topic and its first shipped
question, so a release that adds entries adds only those. Which intents are FAQ topics stays in code
(handlers/faq.py); their words are data. Each process reads them through a `FaqSource`, which looks at
`stamp()` every few seconds, as the knowledge index does.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import insert_ignore, unused_key
from bot.models import FaqEntry, FaqTopicText
from knowledge import load_yaml, require

SLUG = re.compile(r"[^a-z0-9]+")
MAX_TITLE, MAX_TEXT, MAX_QUESTIONS, MAX_CUES = 300, 4000, 30, 30
CHECK_SECONDS = 10.0
SHIPPED_BY = "knowledge/faq.yaml"


@dataclass(frozen=True)
class Entry:
    cues: tuple[str, ...]
    questions: tuple[str, ...]
    answer: str
    key: str = ""


@dataclass(frozen=True)
class Topic:
    name: str
    title: str
    overview: str
    source: str
    entries: tuple[Entry, ...]


def _flat(text: object) -> str:
    return " ".join(str(text).split())


def _key(topic: str, words: str) -> str:
    return f"{topic}/{SLUG.sub('-', words.lower()).strip('-')[:100] or 'entry'}"


@lru_cache(maxsize=1)
def shipped() -> dict[str, Topic]:
    """The topics as knowledge/faq.yaml ships them (the classifier learns their questions; the seed)."""
    out: dict[str, Topic] = {}
    for name, body in (load_yaml("faq.yaml").get("topics") or {}).items():
        require(body, ("title", "overview", "source"), f"faq.yaml topic {name}")
        entries = tuple(Entry(tuple(_flat(c) for c in e.get("cues") or ()), tuple(_flat(q) for q in e.get("questions") or ()),
                              _flat(e["answer"]), _key(name, _flat((e.get("questions") or [e["answer"]])[0])))
                        for e in body.get("entries") or ())
        out[name] = Topic(name, _flat(body["title"]), _flat(body["overview"]), _flat(body["source"]), entries)
    return out


def seed(session: Session, now: dt.datetime) -> int:
    """Add the shipped topics and entries the database has never had; returns how many entries."""
    added = 0
    for topic in shipped().values():  # several processes start at once: the first insert of a key wins, quietly
        insert_ignore(session, FaqTopicText, {"name": topic.name, "title": topic.title, "overview": topic.overview,
                                              "source": topic.source, "updated_at": now, "updated_by": SHIPPED_BY},
                      ("name",))
        for position, entry in enumerate(topic.entries):
            added += bool(insert_ignore(session, FaqEntry, {
                "key": entry.key, "topic": topic.name, "position": position, "cues": list(entry.cues),
                "questions": list(entry.questions), "answer": entry.answer, "deleted": False, "updated_at": now,
                "updated_by": SHIPPED_BY}, ("key",)))
    return added


def load(session: Session) -> dict[str, Topic]:
    """The topics as the department keeps them; a topic the database lacks is as shipped."""
    entries: dict[str, list[Entry]] = {}
    for row in session.scalars(select(FaqEntry).where(FaqEntry.deleted.is_(False))
                               .order_by(FaqEntry.topic, FaqEntry.position, FaqEntry.id)):
        entries.setdefault(row.topic, []).append(Entry(tuple(row.cues or ()), tuple(row.questions or ()), row.answer,
                                                       row.key))
    out = dict(shipped())
    for row in session.scalars(select(FaqTopicText)):
        out[row.name] = Topic(row.name, row.title, row.overview, row.source, tuple(entries.get(row.name, ())))
    return out


def stamp(session: Session) -> tuple[int, int, str, str]:
    """Moves when a topic or an entry is added, changed or deleted."""
    count, gone, latest = session.execute(select(func.count(FaqEntry.id), func.count(FaqEntry.id).filter(FaqEntry.deleted),
                                                 func.max(FaqEntry.updated_at))).one()
    topics = session.scalar(select(func.max(FaqTopicText.updated_at)))
    return int(count or 0), int(gone or 0), str(latest or ""), str(topics or "")


class FaqError(ValueError):
    """What the form cannot save, said plainly."""


def _lines(text: str, limit: int, what: str) -> list[str]:
    found = [line for line in (_flat(raw) for raw in text.splitlines()) if line]
    if len(found) > limit:
        raise FaqError(f"Keep the {what} to {limit}, one a line.")
    return found


def save_topic(session: Session, name: str, title: str, overview: str, source: str, by: str,
               now: dt.datetime) -> tuple[FaqTopicText, dict[str, object]]:
    """Change a topic's words; returns it and what it was before."""
    row = session.scalar(select(FaqTopicText).where(FaqTopicText.name == name))
    if row is None:
        raise FaqError("That FAQ topic does not exist.")
    title, overview, source = _flat(title), " ".join(overview.split()), _flat(source)
    if not title or not overview:
        raise FaqError("A topic needs a title and an overview.")
    if len(title) > MAX_TITLE or len(overview) > MAX_TEXT:
        raise FaqError(f"Keep the title under {MAX_TITLE} characters and the overview under {MAX_TEXT}.")
    before: dict[str, object] = {"title": row.title, "overview": row.overview, "source": row.source}
    row.title, row.overview, row.source, row.updated_at, row.updated_by = title, overview, source, now, by[:200]
    return row, before


def topic_stored(session: Session, name: str) -> bool:
    return session.scalar(select(FaqTopicText.id).where(FaqTopicText.name == name)) is not None


def entry(session: Session, key: str) -> FaqEntry | None:
    return session.scalar(select(FaqEntry).where(FaqEntry.key == key, FaqEntry.deleted.is_(False)))


def save_entry(session: Session, topic: str, key: str | None, cues_text: str, questions_text: str, answer: str,
               by: str, now: dt.datetime) -> tuple[FaqEntry, dict[str, object] | None]:
    """Add (key None) or change an entry; returns it and what it was before (None when new)."""
    if not topic_stored(session, topic):
        raise FaqError("That FAQ topic does not exist.")
    answer = " ".join(answer.split())
    questions = _lines(questions_text, MAX_QUESTIONS, "questions")
    cues = [c for c in (_flat(c) for c in re.split(r"[,\n]", cues_text)) if c][:MAX_CUES]
    if not answer or not questions:
        raise FaqError("An entry needs at least one question it answers, and its answer.")
    if len(answer) > MAX_TEXT:
        raise FaqError(f"Keep the answer under {MAX_TEXT} characters.")
    row = entry(session, key) if key else None
    if key and (row is None or row.topic != topic):
        raise FaqError("That entry no longer exists.")
    before = None if row is None else {"cues": list(row.cues), "questions": list(row.questions), "answer": row.answer}
    if row is None:
        new_key = unused_key(session, FaqEntry.key, _key(topic, questions[0]), "-")
        last = session.scalar(select(func.max(FaqEntry.position)).where(FaqEntry.topic == topic))
        row = FaqEntry(key=new_key, topic=topic, position=(last or 0) + 1, cues=cues, questions=questions, answer=answer)
        session.add(row)
    row.cues, row.questions, row.answer, row.updated_at, row.updated_by = cues, questions, answer, now, by[:200]
    session.flush()
    return row, before


def delete_entry(session: Session, key: str, by: str, now: dt.datetime) -> FaqEntry | None:
    row = entry(session, key)
    if row is not None:
        row.deleted, row.updated_at, row.updated_by = True, now, by[:200]
    return row


class FaqSource:
    """The FAQ as one process reads it, through the turn's session: loaded once, read again when its stamp
    moves (looked at every `check_seconds`)."""

    def __init__(self, check_seconds: float = CHECK_SECONDS) -> None:
        self.check_seconds = check_seconds
        self._topics: dict[str, Topic] | None = None
        self._stamp: object = None
        self._checked = 0.0

    def topics(self, session: Session) -> dict[str, Topic]:
        if self._topics is not None and time.monotonic() - self._checked < self.check_seconds:
            return self._topics
        self._checked = time.monotonic()
        now_stamp = stamp(session)
        if self._topics is None or now_stamp != self._stamp:
            self._topics, self._stamp = load(session), now_stamp
        return self._topics
