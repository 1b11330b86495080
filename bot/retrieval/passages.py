"""The department's knowledge as passages to search: each with the words it is found by
and the text shown, and its `source` (the topic page a fact comes from).

Every FAQ overview and entry (faq.yaml), every agreement's description and the
agreement notes (agreements.yaml), and the department's own added answers
(answers.yaml). Adding an answer there needs no code change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

from bot.department_answers import shipped
from bot.faq_entries import Topic, shipped as faq_shipped
from bot.text import with_article
from knowledge import load_yaml, path_of

FILES = ("faq.yaml", "agreements.yaml", "answers.yaml")


@dataclass(frozen=True)
class Passage:
    key: str  # stable: "faq:data_sharing:2", "agreement:mou", "answer:board_policy"
    title: str
    text: str  # what is shown (may hold {link:NAME} and {email}, filled when shown)
    source: str
    questions: tuple[str, ...] = ()  # phrasings it answers: searched, never shown

    @property
    def searchable(self) -> str:
        return " ".join((self.title, self.text, *self.questions))


def knowledge_paths() -> list[Path]:
    return [path_of(name) for name in FILES]


class StoredAnswer(Protocol):
    key: str
    title: str
    source: str
    questions: tuple[str, ...]
    answer: str


def load_passages(stored: Sequence[StoredAnswer] | None = None, faq: "dict[str, Topic] | None" = None) -> list[Passage]:
    """`stored` and `faq`: the department's answers and FAQ as kept in the database (bot/department_answers.py,
    bot/faq_entries.py); without them, as shipped in answers.yaml and faq.yaml (read the same way)."""
    if stored is None:
        stored = shipped()
    answers = [Passage(f"answer:{a.key}", a.title, a.answer, a.source, tuple(a.questions)) for a in stored]
    return [*_faq(faq if faq is not None else faq_shipped()), *_agreements(), *answers]


def digest(passages: list[Passage]) -> str:
    payload = json.dumps([(p.key, p.title, p.text, p.source, p.questions) for p in passages])
    return hashlib.sha256(payload.encode()).hexdigest()


def _flat(text: object) -> str:
    return " ".join(str(text).split())


def _faq(topics: "dict[str, Topic]") -> list[Passage]:
    out = []
    for name, topic in topics.items():
        out.append(Passage(f"faq:{name}", topic.title, topic.overview, topic.source))
        for n, entry in enumerate(topic.entries):
            out.append(Passage(f"faq:{name}:{n}", topic.title, entry.answer, topic.source,
                               (*entry.questions, " ".join(entry.cues))))
    return out


def _agreements() -> list[Passage]:
    spec = load_yaml("agreements.yaml")
    out = []
    for name, agreement in (spec.get("agreements") or {}).items():
        needs = "; ".join(_flat(n) for n in agreement.get("needs") or ())
        parts = [f"{agreement['name']} applies when {_flat(agreement['applies_when'])}.", f"What you need: {needs}."]
        parts += [_flat(agreement[k]) for k in ("rfq_note", "template_note") if agreement.get(k)]
        out.append(Passage(f"agreement:{name}", _flat(agreement["name"]), " ".join(parts), _flat(agreement["source"])))
        for n, need in enumerate(agreement.get("needs") or ()):  # one fact each: found by its own words
            out.append(Passage(f"agreement:{name}:need:{n}", f"{_flat(agreement['name'])}: what it needs",
                               f"For {with_article(_flat(agreement['name']))}: {_flat(need)}.",
                               _flat(agreement["source"])))
    notes = spec.get("notes") or {}
    source = _flat(notes.get("source", "Partnership agreements"))
    for name, text in notes.items():
        if name not in ("source", "unsure"):
            out.append(Passage(f"agreement-note:{name}", "Partnership agreements", _flat(text), source))
    return out
