"""What the bot made of one message; handlers and slot parsers read it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, TypeVar

from bot.text import contains, phrase_stems

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bot.directory.schools import SchoolMatch
    from bot.directory.vocab import Service
    from bot.understanding.facts import ClauseReading, Fact


T = TypeVar("T")


@lru_cache(maxsize=8192)
def _by_first_stem(phrases: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """A phrase list indexed by first stem, so `has` looks only at phrases that can match."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        needle = phrase_stems(phrase)
        if needle:
            index.setdefault(needle[0], []).append(needle)
    return {first: tuple(needles) for first, needles in index.items()}


@dataclass(frozen=True)
class Entities:
    """Things a message names. `school` is a `SchoolMatch` (one, several or none)."""

    school: "SchoolMatch | None" = None
    organisation: tuple[int, str] | None = None
    service: "Service | None" = None
    amounts: tuple[float, ...] = ()
    tickets: tuple[int, ...] = ()
    level: str | None = None  # elementary | middle | high | k8, said outside a school's name
    region: str | None = None

    @property
    def has_school(self) -> bool:
        return bool(self.school and self.school.schools)


@dataclass(frozen=True)
class Understanding:
    text: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    intent: str = "unknown"
    confidence: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    entities: Entities = field(default_factory=Entities)
    typed_stems: tuple[str, ...] = ()
    """Stems of the words as typed, before typo correction: "forget it" must not become "forgot it"."""
    clauses: "tuple[ClauseReading, ...]" = ()
    """The message's clauses, each with what it states of the decision facts (bot/understanding/facts.py)."""
    writes_from: str = ""
    """The body the writer says they are with, when it is none of the district's schools ("I'm the coordinator at
    Greenway Outdoor School"): their "we" is an outside organisation's (see `facts.writes_from`)."""

    def facts(self, slot: str) -> "list[Fact]":
        """Every clause's reading of `slot` that is a fact (not "says nothing"), in message order."""
        return [fact for clause in self.clauses if (fact := clause.fact(slot)) is not None]

    @property
    def ticket_numbers(self) -> tuple[int, ...]:
        return self.entities.tickets

    @property
    def amounts(self) -> tuple[float, ...]:
        return self.entities.amounts

    @property
    def normalised(self) -> str:
        return " ".join(self.tokens)

    def memo(self, key: str, compute: Callable[["Understanding"], T]) -> T:
        """`compute(self)` once per message: several capabilities read the same facts."""
        cache = self.__dict__.get("_memo")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_memo", cache)
        if key not in cache:
            cache[key] = compute(self)
        return cache[key]  # type: ignore[no-any-return]

    def as_intent(self, intent: str, confidence: float = 1.0) -> "Understanding":
        """The same message read as `intent` (a button the user pressed to choose)."""
        return replace(self, intent=intent, confidence=confidence)

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.scores.items(), key=lambda kv: kv[1], reverse=True)

    def position(self, phrase: str) -> int | None:
        """Where a phrase first occurs (token index), or None."""
        needle = phrase_stems(phrase)
        n = len(needle)
        for stems in self._readings:
            for i in range(len(stems) - n + 1):
                if n and stems[i : i + n] == needle:
                    return i
        return None

    def opens_with(self, *phrases: str) -> bool:
        """Whether the message starts with any of the phrases ("wait, ...", "same rule for ...")."""
        return any(self.position(phrase) == 0 for phrase in phrases)

    def has(self, *phrases: str) -> bool:
        """Whether any phrase (matched on stems, abbreviations expanded) occurs in the message,
        as corrected for typos or as typed."""
        index = _by_first_stem(phrases)
        for first in self._stem_set.intersection(index):
            for needle in index[first]:
                if any(contains(stems, needle) for stems in self._readings):
                    return True
        return False

    @property
    def _readings(self) -> tuple[tuple[str, ...], ...]:
        if self.typed_stems and self.typed_stems != self.stems:
            return (self.stems, self.typed_stems)
        return (self.stems,)

    @property
    def _stem_set(self) -> frozenset[str]:
        cached = self.__dict__.get("_stem_set_cache")
        if cached is None:
            cached = frozenset(self.stems) | frozenset(self.typed_stems)
            object.__setattr__(self, "_stem_set_cache", cached)
        return cached
