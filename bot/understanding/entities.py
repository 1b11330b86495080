"""Things a message names: schools, organisations, services, money, tickets, levels.

Found with the directory's own matchers (any of a school's names, typos
included; organisation names word for word) and a few patterns. The classifier
sees them as placeholders ("partners at <school>"), so one example about
Franklin teaches every school.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.directory.schools import SchoolIndex, SchoolMatch, name_tokens
from bot.directory.vocab import Service, find_service, region_sayings
from bot.text import alike, normalise
from bot.understanding.analysis import Entities
from bot.understanding.tokens import stems

TICKET_NUMBER = re.compile(r"\b[cC][- ]?(\d{3,7})\b")
TICKET_REFERENCE = re.compile(r"\b(?:ticket|request|consult\w*|case)\s*(?:no\.?|number)?\s*#\s*\d{1,7}\b"
                              r"|\b(?:ticket|case)\s+(?:no\.?\s*|number\s*)?\d{1,7}\b", re.I)
MONEY = re.compile(
    r"\$\s?(\d[\d,]*(?:\.\d+)?)\s*([kK]\b|thousand|grand)?"
    r"|\b(\d[\d,]*(?:\.\d+)?)\s*(?:([kK]|thousand|grand)\b\s*(?:dollars|usd)?|(?:dollars|usd|bucks)\b)"
)
LEVELS = {"elementary": "elementary", "middle": "middle", "high": "high", "k8": "k8"}
PLACEHOLDER_SCHOOL, PLACEHOLDER_ORG, PLACEHOLDER_REGION = "<school>", "<org>", "<region>"
MONEY_WORD, TICKET_WORD = " moneyamount ", " ticketnumber "
PLACEHOLDERS = frozenset({PLACEHOLDER_SCHOOL, PLACEHOLDER_ORG, MONEY_WORD.strip(), TICKET_WORD.strip()})


class Lookups(Protocol):
    """What entity finding needs from the directory (a database session's view of it)."""

    @property
    def schools(self) -> SchoolIndex: ...

    def organisation_in(self, text: str) -> tuple[int, str] | None: ...


def parse_amounts(text: str) -> tuple[float, ...]:
    """Dollar amounts mentioned ("$12,000", "12k dollars", "10 thousand dollars", "11 grand")."""
    found: list[float] = []
    for m in MONEY.finditer(text):
        number = m.group(1) or m.group(3)
        suffix = (m.group(2) or m.group(4) or "").lower()
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            continue
        if suffix in ("k", "thousand", "grand"):
            value *= 1000
        found.append(value)
    return tuple(found)


def ticket_numbers(text: str) -> tuple[int, ...]:
    return tuple(int(m.group(1)) for m in TICKET_NUMBER.finditer(text))


EXACT = 100.0
OUT_OF_SIGHT = "xx"
"""Stands in for each word of an organisation's name while a school is looked for elsewhere: too
short to be read as any name, and one token each, so positions stay where they were."""


def masked(text: str) -> str:
    """Money and ticket numbers replaced by a word each, for the classifier."""
    return TICKET_NUMBER.sub(TICKET_WORD, MONEY.sub(MONEY_WORD, text))


@dataclass(frozen=True)
class Found:
    entities: Entities
    feature_tokens: list[str]  # the masked message's tokens, entity spans replaced by placeholders
    ticket_reference: bool


def find(text: str, tokens: list[str], lookups: Lookups) -> Found:
    """Entities of `text`; `tokens` are the (typo-corrected) tokens of `masked(text)`."""
    school = lookups.schools.find(masked(text))
    names = name_tokens(masked(text))
    feature_tokens = list(tokens) if len(tokens) == len(names) else list(names)
    spans: list[tuple[int, int, str]] = []
    organisation = lookups.organisation_in(text)
    named = _locate(names, normalise(organisation[1]).split()) if organisation is not None else None
    if named is not None and school.schools and _read_inside(school, named):
        # the school was read inside the organisation's own name ("Cascade Arts Partners" is not
        # Cascade PPP): look for a school in the rest of the message
        school = lookups.schools.find(" ".join(names[:named[0]] + [OUT_OF_SIGHT] * (named[1] - named[0])
                                               + names[named[1]:]))
    if school.schools and school.end > school.start:
        spans.append((school.start, school.end, PLACEHOLDER_SCHOOL))
    if named is not None and not _overlaps(named, spans):
        spans.append((named[0], named[1], PLACEHOLDER_ORG))
    region = _region(names)
    if region is not None and _overlaps(region[:2], spans):
        region = None
    if region is not None:
        spans.append((region[0], region[1], PLACEHOLDER_REGION))  # "the north end" reads as a region, not "end"
    for start, end, word in sorted(spans, reverse=True):
        feature_tokens[start:end] = [word]
    outside = [t for i, t in enumerate(names) if not any(s <= i < e for s, e, _ in spans)]
    service = _service(outside)
    entities = Entities(
        school=school if school.schools else None,
        organisation=organisation,
        service=service,
        amounts=parse_amounts(text),
        tickets=ticket_numbers(text),
        level=_level(outside),
        region=region[2] if region is not None else None,
    )
    return Found(entities, feature_tokens, bool(TICKET_REFERENCE.search(text)))


NOT_A_SERVICE = {("partnership", "health"), ("partnerships", "health")}
"""Word pairs whose second word is not the service it names alone: "partnership health" is how
the partnerships are doing (their paperwork), not health services."""


def _service(tokens: list[str]) -> Service | None:
    kept = [t for i, t in enumerate(tokens) if i == 0 or (tokens[i - 1], t) not in NOT_A_SERVICE]
    return find_service(stems(kept))


def _level(tokens: list[str]) -> str | None:
    for a, b in zip(tokens, tokens[1:] + [""]):
        if a == "k" and b == "8":
            return "k8"
        if a in LEVELS and a != "k8":
            return LEVELS[a]
    return None


def region_words(tokens: list[str]) -> int:
    """How many of the message's words name its region ("southeast region": 2), 0 for none."""
    found = _region(tokens)
    return found[1] - found[0] if found is not None else 0


def _region(tokens: list[str]) -> tuple[int, int, str] | None:
    """Where the message names a region, by its name or what staff call it ("west seattle"), and which."""
    for said, region in region_sayings().items():
        words = said.split()
        for start in range(len(tokens) - len(words) + 1):
            if tokens[start:start + len(words)] == words:
                return start, start + len(words), region
    return None


def _locate(haystack: list[str], needle: list[str]) -> tuple[int, int] | None:
    """Where a name's words are in the message, as written or with a typo each (see `bot.text.alike`)."""
    n = len(needle)
    for i in range(len(haystack) - n + 1):
        if n and all(alike(said, word) for said, word in zip(haystack[i : i + n], needle)):
            return i, i + n
    return None


def _read_inside(school: SchoolMatch, named: tuple[int, int]) -> bool:
    """The school was read within an organisation's exact name: part of it ("Cascade" of "Cascade Arts
    Partners"), or all of it by a fuzzy match (the name is the organisation's, not the school's)."""
    inside = named[0] <= school.start and school.end <= named[1]
    return inside and ((school.start, school.end) != named or school.score < EXACT)


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int, str]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e, _ in spans)

