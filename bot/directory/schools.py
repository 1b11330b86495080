"""Find schools in free text by any of their names, typos included.

Staff say "Hamilton", "Hamilton International Middle School", "REMS", "Rainer
Beach" or "Whitmen". The index holds every name form (display name, building,
suffix-free core, aliases from knowledge/school_aliases.yaml); a message is
scanned for the longest exact name first, then for close spellings. A name
shared by several schools is reported as ambiguous, never guessed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import diskcache
from bot.models import School
from bot.text import base_tokens, clean
from knowledge import abbreviations, intent_examples, load_yaml

SUFFIXES = frozenset({"international", "elementary", "middle", "high", "school", "k", "8", "stem", "jr", "the"})
TYPE_HINTS = {
    "elementary": ("Elementary", "Option Elementary"),
    "middle": ("Middle School",),
    "high": ("High School", "Option High School", "Service School"),
    "hi": ("High School", "Option High School", "Service School"),  # "west seattle hi"
    "k": ("K-8",),
}
LEVEL_TYPES = {"elementary": TYPE_HINTS["elementary"], "middle": TYPE_HINTS["middle"], "high": TYPE_HINTS["high"],
               "k8": ("K-8",)}
DISPLAY, ALIAS, BUILDING = 3, 2, 1


def name_tokens(text: str) -> list[str]:
    """Words of a name or message, abbreviations expanded ("Int'l", "MS", "Elem")."""
    return base_tokens(clean(text), abbreviations())


def core(tokens: list[str]) -> list[str]:
    """Drop trailing type words: "hamilton international middle school" -> "hamilton"."""
    out = list(tokens)
    while out and out[-1] in SUFFIXES:
        out.pop()
    return out


@dataclass(frozen=True)
class SchoolRef:
    id: int
    name: str
    type: str


@dataclass(frozen=True)
class SchoolMatch:
    """Schools a message names: one (found), several (ambiguous) or none."""

    schools: tuple[SchoolRef, ...] = ()
    span: str = ""
    score: float = 0.0
    start: int = 0  # token positions of the name in `name_tokens(text)`
    end: int = 0

    @property
    def found(self) -> SchoolRef | None:
        return self.schools[0] if len(self.schools) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.schools) > 1


@dataclass
class SchoolIndex:
    schools: dict[int, SchoolRef]
    names: dict[str, dict[int, int]] = field(default_factory=dict)  # name -> {school id: strength}
    generic: frozenset[str] = frozenset()
    not_school: tuple[tuple[str, ...], ...] = ()
    _memo: dict[tuple[str, bool], SchoolMatch] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, rows: list[tuple[int, str, str, str]]) -> "SchoolIndex":
        spec = load_yaml("school_aliases.yaml")
        index = cls(
            {sid: SchoolRef(sid, name, stype) for sid, name, _building, stype in rows},
            generic=frozenset(" ".join(name_tokens(g)) for g in spec.get("generic") or ()),
            not_school=tuple(tuple(name_tokens(p)) for p in spec.get("not_school") or ()),
        )
        by_name = {name.lower(): sid for sid, name, _b, _t in rows}
        for sid, name, building, _type in rows:
            for variant in _name_variants(name):
                index._add(variant, sid, DISPLAY)
            for variant in _name_variants(building):
                index._add(variant, sid, BUILDING)
        for alias, targets in (spec.get("aliases") or {}).items():
            for target in targets if isinstance(targets, list) else [targets]:
                sid = by_name.get(str(target).lower())
                if sid is not None:
                    index._add(name_tokens(str(alias)), sid, ALIAS + 1)
        return index

    @classmethod
    def from_session(cls, session: Session, cache_dir: Path | None = None) -> "SchoolIndex":
        """Built from the schools table, or read from `cache_dir` when built before from the same
        rows, knowledge and code: building it (every name form, and which example words are not
        names) is a fifth of a one-question run's own work."""
        rows: list[tuple[int, str, str, str]] = [
            tuple(r) for r in  # type: ignore[misc]
            session.execute(select(School.id, School.name, School.building, School.type).order_by(School.id))
        ]
        path = cache_dir / f"school-index-{_index_digest(rows)[:20]}.pickle" if cache_dir else None
        index = diskcache.read(path, cls)
        if index is None:
            index = cls.build(rows)
            _ = index.common_words  # kept in the file with the names
            diskcache.write(path, index)
        return index

    def _add(self, tokens: list[str], sid: int, strength: int) -> None:
        key = " ".join(tokens)
        if not key or key in self.generic or (len(tokens) == 1 and len(key) < 3):
            return
        slot = self.names.setdefault(key, {})
        slot[sid] = max(slot.get(sid, 0), strength)

    @property
    def keys(self) -> list[str]:
        return list(self.names)

    def find(self, text: str, fuzzy: bool = True) -> SchoolMatch:
        """The schools a text names (memoised: the booster and the handler ask twice per turn)."""
        key = (text, fuzzy)
        cached = self._memo.get(key)
        if cached is None:
            if len(self._memo) >= 4096:
                self._memo.clear()
            cached = self._memo[key] = self._find(text, fuzzy)
        return cached

    def _find(self, text: str, fuzzy: bool) -> SchoolMatch:
        tokens = name_tokens(text)
        blocked = self._blocked_positions(tokens)
        corrected = _after_correction(tokens)
        if corrected:  # "Franklin -- wait no, I meant Cleveland": the school named after the correction
            found = self._exact(tokens, blocked | set(range(corrected)))
            if found is None and fuzzy:
                found = self._fuzzy(tokens, blocked | set(range(corrected)))
            if found is not None and found.schools:
                return found
        exact = self._exact(tokens, blocked)
        if exact is not None:
            return exact
        if fuzzy:
            return self._fuzzy(tokens, blocked)
        return SchoolMatch()

    def _blocked_positions(self, tokens: list[str]) -> set[int]:
        """Where words that are not a school's name stand ("early learning" is a service), unless they
        are part of a longer name a school is called by ("the Early Learning Center" is a school)."""
        blocked: set[int] = set()
        for phrase in self.not_school:
            n = len(phrase)
            for i in range(len(tokens) - n + 1):
                if tuple(tokens[i : i + n]) == phrase and not self._inside_a_school_name(tokens, i, i + n):
                    blocked.update(range(i, i + n))
        return blocked

    def _inside_a_school_name(self, tokens: list[str], start: int, end: int) -> bool:
        for n in range(end - start + 1, min(6, len(tokens)) + 1):
            for i in range(max(0, end - n), min(start, len(tokens) - n) + 1):
                hits = self.names.get(" ".join(tokens[i : i + n]))
                if hits and max(hits.values()) >= DISPLAY:
                    return True
        return False

    def _exact(self, tokens: list[str], blocked: set[int]) -> SchoolMatch | None:
        """The longest name said; but a name two schools share ("West Seattle") gives way to one
        that names a single school elsewhere in the message ("over in West Seattle, Alki")."""
        shared: SchoolMatch | None = None
        for n in range(min(6, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                if blocked.intersection(range(i, i + n)):
                    continue
                key = " ".join(tokens[i : i + n])
                hits = self.names.get(key)
                if not hits:
                    continue
                if max(hits.values()) == BUILDING:  # a school's own name before a building's
                    key, hits = self._named_rather(tokens[i : i + n], key, hits)
                found = self._resolve(hits, tokens[i + n : i + n + 3], key, 100.0, i, i + n)
                if len(found.schools) == 1:
                    return found
                if shared is None:
                    shared = found
                    blocked = blocked | set(range(i, i + n))
        return shared

    def _named_rather(self, words: list[str], key: str, hits: dict[int, int]) -> tuple[str, dict[int, int]]:
        """"Van Asselt Elementary" is the school Van Asselt with its type said, not the building called
        VAN ASSELT ELEM (where Wing Luke is housed): the name without its type words, if that is a
        school's own name or alias, and of one school only ("West Seattle" is two: "West Seattle High
        School" keeps naming the high school's building)."""
        shorter = " ".join(core(words))
        named = self.names.get(shorter)
        if shorter == key or not named:
            return key, hits
        strongest = max(named.values())
        if strongest > BUILDING and list(named.values()).count(strongest) == 1:
            return shorter, named
        return key, hits

    @property
    def common_words(self) -> frozenset[str]:
        """Everyday words (the bot's example phrasings), minus any that look like a school's name.

        A misspelt name ("Garfeild") may appear in an example; it must still be matched."""
        cached = self.__dict__.get("_common")
        if cached is None:
            name_words = sorted({w for key in self.names for w in key.split() if len(w) >= 4})
            cached = frozenset(w for w in _example_words()
                               if not process.extractOne(w, name_words, scorer=fuzz.ratio, score_cutoff=80))
            cached |= ALWAYS_COMMON | SUFFIXES | {w for g in self.generic for w in g.split()}
            self.__dict__["_common"] = cached
        return cached

    def _fuzzy(self, tokens: list[str], blocked: set[int]) -> SchoolMatch:
        vocabulary = self.common_words
        best: tuple[float, str, list[str], int, int] | None = None
        for n in (3, 2, 1):
            for i in range(len(tokens) - n + 1):
                gram = tokens[i : i + n]
                if blocked.intersection(range(i, i + n)) or all(t in vocabulary or len(t) < 4 for t in gram):
                    continue
                phrase = " ".join(gram)
                if len(phrase) < 5:
                    continue
                cutoff = 85 if len(phrase) >= 7 else 90
                match = process.extractOne(phrase, self.names.keys(), scorer=fuzz.ratio, score_cutoff=cutoff)
                if match and (best is None or match[1] > best[0]):
                    best = (match[1], match[0], tokens[i + n : i + n + 3], i, i + n)
        if best is None:
            return SchoolMatch()
        score, key, after, start, end = best
        return self._resolve(self.names[key], after, key, score, start, end)

    def _resolve(self, hits: dict[int, int], after: list[str], key: str, score: float, start: int,
                 end: int) -> SchoolMatch:
        strongest = max(hits.values())
        ids = [sid for sid, strength in hits.items() if strength == strongest]
        if len(ids) > 1 and after:
            allowed = TYPE_HINTS.get(after[0])
            if allowed:
                narrowed = [sid for sid in ids if self.schools[sid].type in allowed]
                if narrowed:
                    ids = narrowed
        refs = tuple(sorted((self.schools[sid] for sid in ids), key=lambda s: s.name))
        return SchoolMatch(refs, key, score, start, end + _rest_of_name(after, refs))

    def of_level(self, match: SchoolMatch, level: str) -> tuple[SchoolRef, ...]:
        """The schools called like `match` at another level ("I meant the middle school")."""
        allowed = LEVEL_TYPES.get(level, ())
        key = " ".join(core(match.span.split())) or match.span
        candidates = {sid for name in (match.span, key) for sid in self.names.get(name, {})}
        candidates |= {s.id for s in match.schools}
        return tuple(sorted((self.schools[sid] for sid in candidates if self.schools[sid].type in allowed),
                            key=lambda s: s.name))

    def suggestions(self, text: str, limit: int = 3) -> list[SchoolRef]:
        """Closest school names for "did you mean" after a failed lookup: whole-name similarity, since
        partial matching finds a short name inside any word ("Hogwarts" would suggest TOPS)."""
        phrase = " ".join(core(name_tokens(text)))
        if not phrase:
            return []
        found = process.extract(phrase, self.names.keys(), scorer=fuzz.ratio, limit=limit * 3,
                                score_cutoff=SUGGESTION_CUTOFF)
        out: list[SchoolRef] = []
        for key, _score, _ in found:
            for sid in self.names[key]:
                ref = self.schools[sid]
                if ref not in out:
                    out.append(ref)
        return out[:limit]


SUGGESTION_CUTOFF = 65
"""Similarity (0-100) a name needs to be offered: "Bryent" gives Bryant (83), "Lowel Elementry" Lowell (73),
"Springfield" nothing (Garfield, 63)."""
NAME_TAIL = frozenset({"elementary", "middle", "high", "hi", "school", "international", "k", "8", "academy"})


def _rest_of_name(after: list[str], schools: tuple[SchoolRef, ...]) -> int:
    """How many of the next words still belong to the name said: a school-type tail ("Roosevelt hi",
    "Mercer middle school") or a word of the school's own name ("Boren STEM" is Louisa Boren STEM,
    so "STEM" there is no service; after "Garfield" it is)."""
    own = set.intersection(*(set(name_tokens(s.name)) for s in schools)) if schools else set()
    count = 0
    for word in after:
        if word not in NAME_TAIL and word not in own:
            break
        count += 1
    return count


def _name_variants(name: str) -> list[list[str]]:
    name = name.replace("BLDG", "").replace("Bldg", "")
    variants: list[list[str]] = []
    full = name_tokens(name)
    variants.append(full)
    variants.append(core(full))
    for separator in ("(", " at ", "/"):
        if separator in name:
            head = name_tokens(name.split(separator)[0])
            variants.append(head)
            variants.append(core(head))
    no_stem = [t for t in full if t not in ("stem",)]
    variants.append(core(no_stem))
    site = list(full)
    while site and site[-1] in SITE_WORDS:
        site.pop()
    variants.append(site)  # "COLMAN SITE" is also "Colman", "the Colman building"
    return [v for v in variants if v]


SITE_WORDS = frozenset({"site", "building", "campus", "bldg"})
"""Words that end a building's name and may be left off or said otherwise."""


ALWAYS_COMMON = frozenset({
    "partner", "partners", "school", "schools", "student", "students", "program", "programs", "organization",
    "serve", "serves", "works", "which", "where", "there", "their", "about", "outdated", "database",
})


def _example_words() -> frozenset[str]:
    """Not memoised: it must follow `intent_examples()`, which is reloaded when the files change
    (each index computes it once, and the cache directory keeps it between processes)."""
    vocab: set[str] = set()
    for examples in intent_examples().values():
        for example in examples:
            vocab.update(name_tokens(example))
    return frozenset(vocab)


def _index_digest(rows: list[tuple[int, str, str, str]]) -> str:
    """Of what `build` and `common_words` will read, as this process holds it (not the files on
    disk: a server that has not reloaded an edited file must not file its index under the
    edit's digest), and of the code that turns it into an index."""
    return diskcache.key([rows, load_yaml("school_aliases.yaml"), sorted(abbreviations().items()),
                          sorted(intent_examples().items())], [Path(__file__), Path(__file__).parent.parent / "text.py"])


class SchoolDirectory:
    """A per-process cache of the index, rebuilt when the schools table changes."""

    TTL_SECONDS = 300.0

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        self._index: SchoolIndex | None = None
        self._built_at = 0.0
        self._url: str | None = None

    def index(self, session: Session) -> SchoolIndex:
        url = str(session.get_bind().engine.url)
        with self._lock:
            stale = time.monotonic() - self._built_at > self.TTL_SECONDS
            if self._index is None or stale or url != self._url:
                self._index = SchoolIndex.from_session(session, self._cache_dir)
                self._built_at = time.monotonic()
                self._url = url
            return self._index

    def invalidate(self) -> None:
        with self._lock:
            self._index = None


CORRECTIONS = (("i", "meant"), ("i", "mean"), ("wait", "no"), ("no", "wait"), ("sorry",), ("correction",),
               ("make", "that"), ("scratch", "that"), ("oops",))
"""Words after which a second school name replaces the first. ("Not" is no such word: "Franklin, not
Cleveland" keeps Franklin.)"""


def _after_correction(tokens: list[str]) -> int:
    """The position just past the last correction marker that has words after it, or 0."""
    last = 0
    for i in range(len(tokens)):
        for marker in CORRECTIONS:
            n = len(marker)
            if tuple(tokens[i : i + n]) == marker and i + n < len(tokens):
                last = i + n
    return last
