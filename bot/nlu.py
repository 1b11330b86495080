"""Intent understanding: weighted cue phrases plus fuzzy closeness to examples.

Why not a trained model: the department must be able to read and edit what the
bot listens for (knowledge/intents.yaml), and answers must take well under a
millisecond. rapidfuzz handles typos (per word) and paraphrases (per example).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.text import MAX_TEXT, clean, expand, stem, words
from knowledge import KnowledgeError, load_yaml

INTENTS = (
    "agreement",
    "partners",
    "trainings",
    "consultation",
    "ticket_status",
    "report_outdated",
    "data_sharing",
    "background_checks",
    "partnership_tools",
    "training_module",
    "help",
    "unknown",
)
TICKET_NUMBER = re.compile(r"\b[cC][- ]?(\d{3,7})\b")
TICKET_REFERENCE = re.compile(r"\b(?:ticket|request|consult\w*)\s*(?:no\.?|number)?\s*#?\s*\d{1,7}\b", re.I)
MONEY = re.compile(
    r"\$\s?(\d[\d,]*(?:\.\d+)?)\s*([kK]\b|thousand)?"
    r"|\b(\d[\d,]*(?:\.\d+)?)\s*(?:([kK]|thousand)\b\s*(?:dollars|usd)?|(?:dollars|usd)\b)"
)
_STOPWORDS = frozenset(
    "a an the of to for in on at by with and or is are be we our my i me you your it its this that "
    "do does did can could would should will what which who how when where why there their they "
    "them has have had any some from as if not no so about into than then just also very please pleas "
    "thank thanks hello there here were was been being need want like know get got make made".split()
)


@dataclass(frozen=True)
class Cue:
    stems: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class IntentModel:
    name: str
    summary: str
    cues: tuple[Cue, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Understanding:
    """What the bot made of a message; handlers read entities from here."""

    text: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    intent: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    ticket_numbers: tuple[int, ...] = ()
    amounts: tuple[float, ...] = ()

    def boosted(self, boosts: dict[str, float]) -> "Understanding":
        """The same message with extra evidence (a school name, agreement facts) added."""
        if not boosts:
            return self
        scores = dict(self.scores)
        for name, extra in boosts.items():
            scores[name] = scores.get(name, 0.0) + extra
        intent, confidence = _decide(scores)
        return Understanding(self.text, self.tokens, self.stems, intent, confidence, scores, self.ticket_numbers,
                             self.amounts)

    @property
    def normalised(self) -> str:
        return " ".join(self.tokens)

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.scores.items(), key=lambda kv: kv[1], reverse=True)

    def position(self, phrase: str) -> int | None:
        """Where a phrase first occurs (token index), or None."""
        needle = phrase_stems(phrase)
        n = len(needle)
        for i in range(len(self.stems) - n + 1):
            if n and self.stems[i : i + n] == needle:
                return i
        return None

    def has(self, *phrases: str) -> bool:
        """Whether any phrase (matched on stems) occurs in the message."""
        present = self._stem_set
        for phrase in phrases:
            needle = phrase_stems(phrase)
            if needle and needle[0] in present and _contains(self.stems, needle):
                return True
        return False

    @property
    def _stem_set(self) -> frozenset[str]:
        cached = self.__dict__.get("_stem_set_cache")
        if cached is None:
            cached = frozenset(self.stems)
            object.__setattr__(self, "_stem_set_cache", cached)
        return cached


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    if n == 0 or n > len(haystack):
        return False
    first = needle[0]
    for i, token in enumerate(haystack[: len(haystack) - n + 1]):
        if token == first and haystack[i : i + n] == needle:
            return True
    return False


class IntentClassifier:
    """Loads knowledge/intents.yaml once; `understand(text)` is pure and fast."""

    def __init__(self, spec: dict) -> None:
        self.abbreviations: dict[str, str] = {str(k): str(v) for k, v in (spec.get("abbreviations") or {}).items()}
        intents = spec.get("intents") or {}
        unknown = set(intents) - set(INTENTS)
        if unknown:
            raise KnowledgeError(f"intents.yaml names unknown intents: {sorted(unknown)}")
        self.models: list[IntentModel] = []
        for name, body in intents.items():
            by_stems: dict[tuple[str, ...], float] = {}
            for phrase, weight in (body.get("cues") or {}).items():
                stems = tuple(stem(w) for w in expand(words(str(phrase)), self.abbreviations))
                by_stems[stems] = max(by_stems.get(stems, 0.0), float(weight))  # "partner at" == "partners at"
            cues = tuple(Cue(stems, weight) for stems, weight in by_stems.items() if stems)
            examples = tuple(" ".join(expand(words(e), self.abbreviations)) for e in body.get("examples") or ())
            if not cues:
                raise KnowledgeError(f"intent {name} has no cues")
            self.models.append(IntentModel(name, str(body.get("summary", name)), cues, examples))
        cue_words = {
            w
            for body in intents.values()
            for phrase in (body.get("cues") or {})
            for w in expand(words(str(phrase)), self.abbreviations)
        }
        self.vocabulary: tuple[str, ...] = tuple(sorted(w for w in cue_words if len(w) >= 4 and not w.isdigit()))
        self._vocab_set = frozenset(self.vocabulary)
        self._cues_by_first: dict[str, list[tuple[str, Cue]]] = {}
        for model in self.models:
            for cue in model.cues:
                self._cues_by_first.setdefault(cue.stems[0], []).append((model.name, cue))
        self._examples = [(m.name, e) for m in self.models for e in m.examples]

    def summary(self, intent: str) -> str:
        for model in self.models:
            if model.name == intent:
                return model.summary
        return intent

    def correct(self, token: str) -> str:
        """Map a misspelt word onto the words of the cues ("backround" -> "background")."""
        return _correct(token, self.vocabulary, self._vocab_set)

    def tokens(self, text: str) -> tuple[list[str], list[str]]:
        tokens = [self.correct(t) for t in expand(words(text), self.abbreviations)]
        stems = [stem(t) for t in tokens]
        return tokens, stems

    def understand(self, text: str, boosts: dict[str, float] | None = None) -> Understanding:
        text = clean(text)[:MAX_TEXT]
        tokens, stems = self.tokens(text)
        stem_tuple = tuple(stems)
        scores: dict[str, float] = {model.name: 0.0 for model in self.models}
        for name, cue in self._matching_cues(stem_tuple):
            scores[name] += cue.weight
        normalised = " ".join(tokens)
        if normalised and self._examples:
            for name, similarity in self._example_similarity(normalised).items():
                if similarity > 62:
                    scores[name] = scores.get(name, 0.0) + (similarity - 62) / 38 * 3.0
        if 0 < len(tokens) <= SHORT_MESSAGE:
            # "trainings", "mentoring?": the one word is the whole question.
            scores = {name: score * SHORT_BOOST for name, score in scores.items()}
        tickets = tuple(int(m.group(1)) for m in TICKET_NUMBER.finditer(text))
        if tickets or TICKET_REFERENCE.search(text):
            scores["ticket_status"] = scores.get("ticket_status", 0.0) + 6.0
        amounts = parse_amounts(text)
        if amounts:
            scores["agreement"] = scores.get("agreement", 0.0) + 2.0
        for name, extra in (boosts or {}).items():
            scores[name] = scores.get(name, 0.0) + extra
        intent, confidence = _decide(scores)
        return Understanding(text, tuple(tokens), stem_tuple, intent, confidence, scores, tickets, amounts)

    def _matching_cues(self, stems: tuple[str, ...]) -> list[tuple[str, Cue]]:
        """Every (intent, cue) whose phrase occurs in the stems, each counted once."""
        found: dict[tuple[str, tuple[str, ...]], Cue] = {}
        n = len(stems)
        for i, first in enumerate(stems):
            for name, cue in self._cues_by_first.get(first, ()):
                size = len(cue.stems)
                if i + size <= n and stems[i : i + size] == cue.stems:
                    found.setdefault((name, cue.stems), cue)
        return [(name, cue) for (name, _), cue in found.items()]

    def explain(self, text: str) -> dict[str, list[tuple[str, float]]]:
        """Which cues matched, per intent (for tuning knowledge/intents.yaml)."""
        _tokens, stems = self.tokens(clean(text)[:MAX_TEXT])
        found: dict[str, list[tuple[str, float]]] = {}
        for model in self.models:
            hits = [(" ".join(c.stems), c.weight) for c in model.cues if _contains(tuple(stems), c.stems)]
            if hits:
                found[model.name] = hits
        return found

    def _example_similarity(self, normalised: str) -> dict[str, float]:
        best: dict[str, float] = {}
        for (name, _), score, _idx in process.extract(
            normalised,
            self._examples,
            scorer=fuzz.token_sort_ratio,
            processor=lambda item: item[1] if isinstance(item, tuple) else item,
            limit=5,
            score_cutoff=55,
        ):
            best[name] = max(best.get(name, 0.0), score)
        return best


MIN_SCORE = 3.5
SHORT_MESSAGE = 2
SHORT_BOOST = 1.8
"""Below this the message has nothing the bot recognises: intent `unknown`."""


def _decide(scores: dict[str, float]) -> tuple[str, float]:
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] < MIN_SCORE:
        top = ranked[0][1] if ranked else 0.0
        return "unknown", round(max(0.0, 0.5 - top / 10), 3)
    (best, s1), s2 = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    strength = s1 / (s1 + 3.0)
    margin = (s1 - s2) / s1
    confidence = strength * (0.45 + 0.55 * margin)
    return best, round(min(0.99, confidence), 3)


@lru_cache(maxsize=50000)
def _correct_cached(token: str, vocabulary: tuple[str, ...]) -> str:
    # One edit (a swap counts as one) for short words, two for long ones.
    allowed = 1 if len(token) < 8 else 2
    match = process.extractOne(token, vocabulary, scorer=OSA.distance, score_cutoff=allowed)
    # Typos rarely touch the first letter; requiring it avoids "pleas" -> "leas".
    if not match or match[0][0] != token[0] or _inflection_of(token, match[0]):
        return token
    return match[0]


_INFLECTIONS = ("ing", "ed", "s", "es", "er", "ers", "ion", "ions", "ly")


def _inflection_of(token: str, candidate: str) -> bool:
    """"coordinating" is another form of "coordination", not a misspelling of it."""
    prefix = 0
    for a, b in zip(token, candidate):
        if a != b:
            break
        prefix += 1
    return prefix >= min(len(token), len(candidate)) - 2 and token.endswith(_INFLECTIONS)


def _correct(token: str, vocabulary: tuple[str, ...], vocab_set: frozenset[str]) -> str:
    if len(token) < 5 or token in vocab_set or token in _STOPWORDS or token.isdigit():
        return token
    return _correct_cached(token, vocabulary)


def parse_amounts(text: str) -> tuple[float, ...]:
    """Dollar amounts mentioned ("$12,000", "12k dollars", "10 thousand dollars")."""
    found: list[float] = []
    for m in MONEY.finditer(text):
        number = m.group(1) or m.group(3)
        suffix = (m.group(2) or m.group(4) or "").lower()
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            continue
        if suffix in ("k", "thousand"):
            value *= 1000
        found.append(value)
    return tuple(found)


@lru_cache(maxsize=20000)
def phrase_stems(phrase: str) -> tuple[str, ...]:
    """A cue phrase tokenised exactly like user text (abbreviations, stems)."""
    return tuple(stem(w) for w in expand(words(phrase), default_classifier().abbreviations))


@lru_cache(maxsize=1)
def default_classifier() -> IntentClassifier:
    return IntentClassifier(load_yaml("intents.yaml"))
