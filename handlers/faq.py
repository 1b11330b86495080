"""FAQ answers (data sharing, background checks, tools, training module) from knowledge/faq.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.core import Message, Reply, Turn
from bot.router import registry
from handlers.common import consult_button, fill_links
from knowledge import load_yaml, require

TOPICS = ("data_sharing", "background_checks", "partnership_tools", "training_module")
CONSULT_TOPIC = {"data_sharing": "data_sharing", "background_checks": "background_checks", "training_module": "trainings"}


@dataclass(frozen=True)
class Entry:
    cues: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Topic:
    name: str
    title: str
    overview: str
    source: str
    entries: tuple[Entry, ...]


@lru_cache(maxsize=1)
def topics() -> dict[str, Topic]:
    spec = load_yaml("faq.yaml")
    out: dict[str, Topic] = {}
    for name in TOPICS:
        body = spec["topics"].get(name)
        if body is None:
            raise ValueError(f"faq.yaml lacks topic {name}")
        require(body, ("title", "overview", "source"), f"faq.yaml topic {name}")
        entries = tuple(Entry(tuple(e["cues"]), " ".join(str(e["answer"]).split())) for e in body.get("entries") or ())
        out[name] = Topic(name, body["title"], " ".join(body["overview"].split()), body["source"], entries)
    return out


def link_defaults() -> dict[str, str]:
    return {k: str(v) for k, v in (load_yaml("faq.yaml").get("links") or {}).items()}


def best_entry(topic: Topic, turn: Turn) -> Entry | None:
    """The entry whose cues the question mentions most, if any."""
    scored = [(sum(1 for cue in e.cues if turn.understanding.has(cue)), i, e) for i, e in enumerate(topic.entries)]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        return None
    return max(scored, key=lambda s: (s[0], -s[1]))[2]


@registry.intent(*TOPICS)
def handle(message: Message, turn: Turn) -> Reply:
    intent = turn.understanding.intent
    topic = topics()[intent]
    entry = best_entry(topic, turn)
    body = entry.answer if entry else topic.overview
    text = fill_links(body, turn.settings, link_defaults())
    buttons = (consult_button(CONSULT_TOPIC.get(intent, "other")),)
    return Reply(
        f"*{topic.title}*\n{text}",
        intent,
        turn.understanding.confidence,
        {"topic": intent, "entry": None if entry is None else topic.entries.index(entry), "source": topic.source},
        buttons=buttons,
        footer=f"Source: {topic.source}",
    )
