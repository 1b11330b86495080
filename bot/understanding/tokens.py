"""Words of a message: abbreviations expanded, typos corrected against known words.

Typo correction maps a word the bot has never seen onto a word of its examples
("backround" -> "background") with rapidfuzz: one edit for short words, two for
long ones, same first letter, and never between two forms of one word
("coordinating" is not a misspelling of "coordination").
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.text import TYPO_MIN_LENGTH, base_tokens, stem, typos_allowed

STOPWORDS = frozenset(
    "a an the of to for in on at by with and or is are be we our my i me you your it its this that "
    "do does did can could would should will what which who how when where why there their they "
    "them has have had any some from as if not no so about into than then just also very please pleas "
    "thank thanks hello there here were was been being need want like know get got make made".split()
)
_INFLECTIONS = ("ing", "ed", "s", "es", "er", "ers", "ion", "ions", "ly")
MIN_CORRECTED = TYPO_MIN_LENGTH


class Tokenizer:
    def __init__(self, abbreviations: dict[str, str], vocabulary: Iterable[str] = ()) -> None:
        self.abbreviations = abbreviations
        words = {w for w in vocabulary if len(w) >= MIN_CORRECTED and w.isalpha()}
        self.vocabulary: tuple[str, ...] = tuple(sorted(words))
        self._known = frozenset(words)

    def tokens(self, text: str) -> list[str]:
        return [self.correct(t) for t in base_tokens(text, self.abbreviations)]

    def correct(self, token: str) -> str:
        if len(token) < MIN_CORRECTED or token in self._known or token in STOPWORDS or not token.isalpha():
            return token
        return _closest(token, self.vocabulary)


@lru_cache(maxsize=50000)
def _closest(token: str, vocabulary: tuple[str, ...]) -> str:
    allowed = typos_allowed(token)
    # Typos rarely touch the first letter: only words sharing it are candidates, which avoids "pleas" -> "leas"
    # and lets "trama" find "trauma" although "drama" is as close.
    match = process.extractOne(token, _starting_with(token[0], vocabulary), scorer=OSA.distance, score_cutoff=allowed)
    if not match or _inflection_of(token, match[0]):
        return token
    return match[0]


@lru_cache(maxsize=64)
def _starting_with(letter: str, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word for word in vocabulary if word.startswith(letter))


def _inflection_of(token: str, candidate: str) -> bool:
    prefix = 0
    for a, b in zip(token, candidate):
        if a != b:
            break
        prefix += 1
    return prefix >= min(len(token), len(candidate)) - 2 and token.endswith(_INFLECTIONS)


def stems(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(stem(t) for t in tokens)
