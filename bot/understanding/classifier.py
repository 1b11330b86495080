"""The intent classifier: examples in, `Understanding` out.

Built from the example phrasings in knowledge/intents/<label>.yaml, the FAQ's
example questions and the examples the department taught (`partnerbot teach`).
The fitted model is cached on disk under a digest of everything that shapes it,
so a process trains only when examples or feature code changed.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from bot import diskcache
from bot.directory.schools import SchoolIndex, name_tokens
from bot.text import MAX_TEXT, base_tokens, clean
from bot.understanding import entities as entity_finder
from bot.understanding.analysis import Understanding
from bot.understanding.facts import (NONE, QUALIFIERS, STRUCTURE_WORDS, FactExample, FactModels, PROPER_NAME,
                                     writes_from)
from bot.understanding.facts import read as read_facts
from bot.understanding.facts import train as train_facts
from bot.understanding.features import featurise
from bot.understanding.model import REGULARISATION, LinearModel, train
from bot.understanding.tokens import Tokenizer, stems
from bot.directory.vocab import region_sayings
from knowledge import (abbreviations, fact_activities, fact_examples, fact_files, intent_examples, load_csv_rows,
                       school_funds)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from importlib.resources.abc import Traversable

log = logging.getLogger("partnerbot.understanding")

Evidence = Callable[[Understanding], Iterable[str]]
"""A capability's reading of a message, given to the classifier as features ("payer:school")."""
SCHOOL_FUNDS = "<schoolfunds>"
"""What a name of school money ("LAP", "Title I", "building budget") is to the fact models."""
FACT_PLACEHOLDERS = entity_finder.PLACEHOLDERS | {PROPER_NAME, SCHOOL_FUNDS}
ACTIVITY_WITH_WORDS = 8
"""Example clauses this short are also taught with an activity after them (see `_with_activities`)."""
ORG_PLACEHOLDER = "{org}"
EXAMPLE_ORGANISATION = "Example Partner Collective"
FORMAT = 7
"""Bump when the cache file's layout changes."""
PASSAGE_CACHE = 5000
UNKNOWN_INTENT = "unknown"
UNPLACED = 0.4
"""Below this (the default CONFIDENCE_THRESHOLD), a message's question may be read apart from the sentences around it
(see `_asked_apart`), whose intent counts when it is at least ASKED_APART."""
ASKED_APART = 0.5
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+(?=\S)")


def _asked_apart(text: str) -> list[str]:
    """The message without its first sentence, and each sentence that asks ("?"), when it has several."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) < 2:
        return []
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    # the message after a preamble, unless the first sentence is the question ("can I book time with ...? our PTSA ...")
    rest = [" ".join(sentences[1:])] if not sentences[0].rstrip().endswith("?") else []
    return list(dict.fromkeys([*rest, *asking]))
SOURCES = ("understanding/analysis.py", "understanding/entities.py", "understanding/features.py",
           "understanding/model.py", "understanding/tokens.py", "understanding/classifier.py", "understanding/facts.py",
           "text.py", "directory/schools.py")
"""The code that turns an example into features (paths in the `bot` package): the cache file's digest
covers it, so an edit there trains again. Text cleaning and the school placeholders are part of it."""


@dataclass(frozen=True)
class Example:
    text: str
    label: str


class _TrainingLookups:
    """Entity lookups for example sentences: the shipped school list, one stand-in organisation."""

    def __init__(self) -> None:
        rows = [(i, r["name"], r.get("building", ""), r.get("type", "")) for i, r in
                enumerate(load_csv_rows("schools.csv"), start=1)]
        self.schools = SchoolIndex.build(rows)

    def organisation_in(self, text: str) -> tuple[int, str] | None:
        return (0, EXAMPLE_ORGANISATION) if EXAMPLE_ORGANISATION.lower() in text.lower() else None


def shipped_examples() -> list[Example]:
    return [Example(text, label) for label, texts in intent_examples().items() for text in texts]


class Reader:
    """Text to (features, `Understanding` without an intent): the same for examples and messages.
    With fact models, the `Understanding` carries each clause's facts (who pays, use of space)."""

    def __init__(self, tokenizer: Tokenizer, evidence: Sequence[Evidence] = (), facts: FactModels | None = None) -> None:
        self.tokenizer = tokenizer
        self.evidence = tuple(evidence)
        self.facts = facts
        self.funds = tuple(tuple(name.split()) for name in school_funds())

    def fact_tokens(self, text: str, lookups: entity_finder.Lookups) -> list[str]:
        """A clause's tokens as the fact models see them: names (of schools, organisations, school money)
        as placeholders, typos corrected."""
        tokens = entity_finder.find(text, self.tokenizer.tokens(entity_finder.masked(text)), lookups).feature_tokens
        return _funds_masked(tokens, self.funds)

    def read(self, text: str, lookups: entity_finder.Lookups) -> tuple[list[str], Understanding]:
        typed = base_tokens(text, self.tokenizer.abbreviations)
        tokens = [self.tokenizer.correct(t) for t in typed]
        found = entity_finder.find(text, self.tokenizer.tokens(entity_finder.masked(text)), lookups)
        clauses = () if self.facts is None else read_facts(
            text, self.facts, lambda words: self.fact_tokens(words, lookups), FACT_PLACEHOLDERS, SCHOOL_FUNDS,
            lambda name: _is_school(name, lookups))
        writer = writes_from(text, lambda name: _names_a_school(name, lookups))
        base = Understanding(text, tuple(tokens), stems(tokens), entities=found.entities, typed_stems=stems(typed),
                             clauses=clauses, writes_from=writer)
        evidence = _entity_evidence(found)
        for reader in self.evidence:
            evidence.extend(reader(base))
        tokens = _without_salutation(found.feature_tokens)
        return featurise(tokens, evidence, question=text.rstrip().endswith("?")), base


class Classifier:
    """Turns text into an `Understanding`: tokens, entities, intent and confidence."""

    def __init__(self, model: LinearModel, reader: Reader, digest: str = "") -> None:
        self.model = model
        self.reader = reader
        self.digest = digest
        self._passages: dict[str, dict[int, float]] = {}

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels

    def understand(self, text: str, lookups: entity_finder.Lookups) -> Understanding:
        text = clean(text)[:MAX_TEXT]
        features, base = self.reader.read(text, lookups)
        columns, values = self.model.weights(features)
        self._remember(text, dict(zip(columns, values)))  # for `similarity` in the same turn
        scores = self.model.probabilities_of(columns, values)
        intent = max(scores, key=scores.__getitem__)
        if intent == UNKNOWN_INTENT or scores[intent] < UNPLACED:
            scores = self._the_question_apart(text, lookups, scores)
            intent = max(scores, key=scores.__getitem__)
        return replace(base, intent=intent, confidence=round(scores[intent], 3), scores=scores)

    def _the_question_apart(self, text: str, lookups: entity_finder.Lookups,
                            scores: dict[str, float]) -> dict[str, float]:
        """"Prepping for our council meeting on Thursday. Can you pull up who's working with Rainier Beach?": a
        message whose whole reads as nothing surely may hold its question in a sentence of its own, after a
        preamble or before an aside. That sentence's intent, read alone, is the message's when it is surer."""
        best = scores
        for sentence in _asked_apart(text):
            features, _ = self.reader.read(sentence, lookups)
            read = self.model.probabilities_of(*self.model.weights(features))
            top = max(read, key=read.__getitem__)
            if top != UNKNOWN_INTENT and read[top] >= ASKED_APART and read[top] > max(best.values()):
                best = read
        return best

    def vector(self, text: str, lookups: entity_finder.Lookups) -> dict[int, float]:
        """The text in the classifier's tf-idf space (l2-normalised), for resemblance between texts."""
        features, _ = self.reader.read(clean(text)[:MAX_TEXT], lookups)
        columns, values = self.model.weights(features)
        return dict(zip(columns, values))

    def similarity(self, text: str, others: Sequence[str], lookups: entity_finder.Lookups) -> list[float]:
        """Cosine similarity of `text` to each of `others` (known passages are vectorised once)."""
        mine = self._vector_of(text, lookups)
        out = []
        for other in others:
            theirs = self._vector_of(other, lookups)
            out.append(sum(weight * theirs.get(column, 0.0) for column, weight in mine.items()))
        return out

    def _vector_of(self, text: str, lookups: entity_finder.Lookups) -> dict[int, float]:
        vector = self._passages.get(clean(text)[:MAX_TEXT])
        return vector if vector is not None else self._remember(clean(text)[:MAX_TEXT], self.vector(text, lookups))

    def _remember(self, text: str, vector: dict[int, float]) -> dict[int, float]:
        if len(self._passages) > PASSAGE_CACHE:
            self._passages.clear()
        self._passages[text] = vector
        return vector

    def refresh(self, session: object) -> None:
        """A fixed classifier never changes (see `LearningClassifier`)."""

    @classmethod
    def build(cls, examples: Sequence[Example], evidence: Sequence[Evidence] = (), cache_dir: Path | None = None,
              lookups: entity_finder.Lookups | None = None, teaching: FactTeaching | None = None) -> "Classifier":
        """Load the cached models for these examples (intents, and the facts clauses state), or train
        and cache them. The fact models come first: the intents learn from what they read."""
        teaching = teaching or FactTeaching()
        digest = _digest(examples, evidence, teaching)
        path = (cache_dir / f"intent-model-{digest[:20]}.pickle") if cache_dir else None
        fitted = diskcache.read(path, _Fitted)
        if fitted is not None:
            tokenizer = Tokenizer(abbreviations(), fitted.spelling)
            return cls(fitted.model, Reader(tokenizer, evidence, fitted.facts), digest)
        started = time.perf_counter()
        facts = teaching.examples()
        tokenizer = Tokenizer(abbreviations(), _vocabulary([*examples, *(Example(f.text, f.slot) for f in facts)])
                              | STRUCTURE_WORDS)
        lookups = lookups or _TrainingLookups()
        fact_reader = Reader(tokenizer)
        fact_models = train_facts([replace(f, text=_with_organisation(clean(f.text))) for f in facts],
                                  lambda words: fact_reader.fact_tokens(words, lookups),
                                  FACT_PLACEHOLDERS) if facts else None
        reader = Reader(tokenizer, evidence, fact_models)
        documents = [reader.read(clean(_with_organisation(e.text)), lookups)[0] for e in examples]
        model = train(documents, [e.label for e in examples])
        log.info("classifier trained", extra={"turn": {"examples": len(examples), "labels": len(model.labels),
                                                       "fact_examples": len(facts),
                                                       "seconds": round(time.perf_counter() - started, 2)}})
        diskcache.write(path, _Fitted(model, tokenizer.vocabulary, fact_models))
        return cls(model, reader, digest)


@dataclass(frozen=True)
class _Fitted:
    """What the cache file holds: the models, and the words typos are corrected to (reading every
    example again for them cost a warm start as much as loading the model)."""

    model: LinearModel
    spelling: tuple[str, ...]
    facts: FactModels | None = None


@dataclass(frozen=True)
class FactTeaching:
    """What the fact models learn from, named without building it: the bytes of knowledge/facts/ and the
    clauses the department taught name the cache, and the examples (every file parsed, each short clause
    again with an activity) are built only to train."""

    shipped: bool = False
    taught: tuple[FactExample, ...] = ()

    def files(self) -> list[Traversable]:
        return fact_files() if self.shipped else []

    def examples(self) -> list[FactExample]:
        return (shipped_facts() if self.shipped else []) + list(self.taught)


def shipped_facts() -> list[FactExample]:
    """The example clauses of knowledge/facts/<slot>.yaml. An example clause states one fact, so each
    slot's examples also teach every other slot what saying nothing about it looks like ("they lease
    two classrooms for three years" says nothing about who pays). A qualifier's examples teach no other slot:
    "the PTSA paid last spring" does say who paid."""
    files = fact_examples()
    own = [FactExample(slot, value, text) for slot, values in files.items()
           for value, texts in values.items() for text in texts]
    listed = {(e.slot, e.text) for e in own}
    other = [FactExample(slot, NONE, e.text) for e in own if e.value != NONE and e.slot not in QUALIFIERS
             for slot in files if slot != e.slot and (slot, e.text) not in listed]
    return own + other + _with_activities(own, list(files))


def _with_activities(own: list[FactExample], slots: list[str]) -> list[FactExample]:
    """What partners do is no fact: each short example clause is taught again with an activity after it
    ("we pay them" + "to run a program for our students", the same fact), and each activity alone, or said
    of the partner, states nothing, so talk of programs and students means nothing by itself."""
    activities = fact_activities()
    if not activities:
        return []
    out = []
    for e in own:
        if len(e.text.split()) <= ACTIVITY_WITH_WORDS:
            pick = activities[int(diskcache.key([e.slot, e.value, e.text], [])[:8], 16) % len(activities)]
            out.append(FactExample(e.slot, e.value, f"{e.text} {pick}"))
    for activity in activities:
        for said in (activity, f"they come in {activity}", f"{{org}} wants to partner with us {activity}"):
            out += [FactExample(slot, NONE, said) for slot in slots]
    return out


SALUTATIONS = frozenset({"hi", "hello", "hey", "hiya", "morning", "afternoon", "good", "greetings", "dear", "team",
                         "folks", "all", "there", "yo", "ok", "okay", "so", "um", "hmm", "quick", "question"})
"""Leading words that greet rather than ask: "hi! question about agreements" is about agreements."""


REQUEST_PREAMBLES = (("can", "you", "help", "me"), ("could", "you", "help", "me"), ("can", "you", "please", "help", "me"),
                     ("please", "help", "me"), ("help", "me"), ("can", "you", "help", "us"), ("could", "you", "help", "us"),
                     ("i", "need", "help"), ("can", "you", "help"))
"""A polite opening, or the same said last: what follows (or comes before) says what is asked ("can you help me find
the lunch menu" is about the menu, not about the bot's capabilities). Kept when nothing, or only "with this",
follows."""
PREAMBLE_MIN_REST = 2
PREAMBLE_FILLER = frozenset("with something a question quick real please out thing stuff few things one".split())


def _without_salutation(tokens: list[str]) -> list[str]:
    rest = list(tokens)
    while len(rest) > 2 and rest[0] in SALUTATIONS:
        rest.pop(0)
    for preamble in REQUEST_PREAMBLES:
        n = len(preamble)
        if tuple(rest[:n]) == preamble and len(rest) - n >= PREAMBLE_MIN_REST:
            return rest if all(t in PREAMBLE_FILLER for t in rest[n:]) else rest[n:]
    for preamble in REQUEST_PREAMBLES:  # "... who is doing STEM at Concord, can you help?": the same, said last
        n = len(preamble)
        if tuple(rest[-n:]) == preamble and len(rest) - n >= PREAMBLE_MIN_REST \
                and not all(t in PREAMBLE_FILLER for t in rest[:-n]):
            return rest[:-n]
    return rest


def _entity_evidence(found: entity_finder.Found) -> list[str]:
    e = found.entities
    out = []
    if e.school is not None:
        out.append("school" if len(e.school.schools) == 1 else "school_ambiguous")
    for name, present in (("organisation", e.organisation), ("service", e.service), ("money", e.amounts),
                          ("ticket", e.tickets or found.ticket_reference), ("level", e.level), ("region", e.region)):
        if present:
            out.append(name)
    return out


def _is_school(name: str, lookups: entity_finder.Lookups) -> bool:
    """The whole written name is one of the district's schools ("Garfield High School"; not "Rainier School of
    Music", where a school's name is only a part)."""
    found = lookups.schools.find(name, fuzzy=False)
    return found.found is not None and found.end - found.start >= len(name_tokens(name))


BODY_HEADS = frozenset("club league foundation collective alliance society project studio fund llc inc".split())
"""Last words of a body's name that a school's name never ends with ("Alki Beach Volleyball Club")."""


def _names_a_school(name: str, lookups: entity_finder.Lookups) -> bool:
    """The name a writer says they are with is one of the district's schools ("Franklin", "Garfield High School"), not
    a body whose name holds a school's ("Alki Beach Volleyball Club")."""
    name = _SENTENCE_END.split(name)[0].rstrip(" .")  # "Franklin. For" was read on past the sentence
    words = name.split()
    return bool(lookups.schools.find(name).schools) and not (words and words[-1].lower() in BODY_HEADS)


def _funds_masked(tokens: list[str], funds: Sequence[tuple[str, ...]]) -> list[str]:
    """Each name of school money (longest first) as one placeholder: "paid from our title i money" ->
    "paid from <schoolfunds> money"."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        name = next((f for f in funds if tuple(tokens[i:i + len(f)]) == f), None)
        if name is None:
            out.append(tokens[i])
            i += 1
        else:
            out.append(SCHOOL_FUNDS)
            i += len(name)
    return out


def _with_organisation(text: str) -> str:
    return text.replace(ORG_PLACEHOLDER, EXAMPLE_ORGANISATION)


def _vocabulary(examples: Sequence[Example]) -> set[str]:
    # One text of all examples (the same words as one by one, at start-up cost a few times lower).
    words = set(clean(" ".join(e.text for e in examples)).lower().replace("-", " ").split())
    return {w.strip(".,!?;:()\"'") for w in words}


def _digest(examples: Sequence[Example], evidence: Sequence[Evidence], teaching: FactTeaching = FactTeaching()) -> str:
    here = Path(__file__).parent.parent
    modules = [__import__(reader.__module__, fromlist=["__file__"]) for reader in evidence]
    readers = [Path(m.__file__) for m in modules if m.__file__]  # a capability's evidence code shapes features too
    unfiled = [r.__qualname__ for r, m in zip(evidence, modules) if not m.__file__]
    return diskcache.key([FORMAT, REGULARISATION, unfiled, sorted(abbreviations().items()), list(region_sayings()),
                          list(school_funds()),
                          [(e.label, e.text) for e in examples], [(f.slot, f.value, f.text) for f in teaching.taught]],
                         [here / name for name in SOURCES] + readers + teaching.files())


