"""What the intent classifier sees of a message.

Word stems and word pairs (meaning), character n-grams (typos and word forms),
and evidence: which entities the message names and what capabilities add
(agreement facts such as who pays). Placeholders stand for named entities.
"""

from __future__ import annotations

from typing import Iterable

from bot.text import stem
from bot.understanding.entities import PLACEHOLDERS

CHAR_NGRAMS = (3, 5)
QUESTION_WORDS = frozenset("what which who whom whose where when why how is are do does can could should would will "
                           "any".split())
SHORT = 2


def featurise(tokens: list[str], evidence: Iterable[str] = (), question: bool = False) -> list[str]:
    stems = [t if t in PLACEHOLDERS else stem(t) for t in tokens]
    features = [f"w:{s}" for s in stems]
    features += [f"b:{a} {b}" for a, b in zip(stems, stems[1:])]
    low, high = CHAR_NGRAMS
    for token in tokens:
        if token in PLACEHOLDERS or token.isdigit():
            continue
        padded = f" {token} "
        for n in range(low, high + 1):
            if n > len(padded):
                break
            features += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    features += [f"e:{name}" for name in evidence]
    if 0 < len(tokens) <= SHORT:
        features.append("s:short")
    if tokens and all(t in PLACEHOLDERS for t in tokens):
        features.append("s:only_entity")
    if question or (tokens and tokens[0] in QUESTION_WORDS):
        features.append("s:question")
    return features
