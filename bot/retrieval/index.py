"""Search over the knowledge passages: tf-idf with the intent classifier's vectoriser.

scikit-learn's `TfidfVectorizer` (sub-linear tf, l2 norm), the same as the
classifier's, is fitted on the passages' words (stems and stem pairs, without
function words); its vocabulary, idf weights and the passages' vectors are
cached on disk under a digest of the passages, so a process fits only when the
knowledge changed, and a search is plain Python (no scikit-learn import). A
query's typos are corrected against the passages' own words first.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, Sequence

from bot import diskcache
from bot.retrieval.passages import Passage, StoredAnswer, digest, knowledge_paths, load_passages
from bot.text import clean, stem
from bot.understanding.tokens import STOPWORDS, Tokenizer
from knowledge import abbreviations, load_yaml

log = logging.getLogger("partnerbot.retrieval")
CHECK_SECONDS = 10.0
"""How often the knowledge files are looked at for edits."""


def analyse(tokens: Sequence[str]) -> list[str]:
    """Search terms: stems of the content words, and pairs of neighbouring ones."""
    stems = [stem(t) for t in tokens if t not in STOPWORDS and len(t) > 1]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # cosine similarity, 0..1


@dataclass
class FittedIndex:
    """What is cached: the fitted vocabulary and idf, and each passage's l2-normalised vector."""

    digest: str
    passages: list[Passage]
    vocabulary: dict[str, int]
    idf: list[float]
    vectors: list[dict[int, float]]
    words: tuple[str, ...]  # the passages' own words, for typo correction

    def vector(self, terms: Sequence[str]) -> dict[int, float]:
        counts = Counter(self.vocabulary[t] for t in terms if t in self.vocabulary)
        weights = {column: (1.0 + math.log(n)) * self.idf[column] for column, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {column: w / norm for column, w in weights.items()}


ANALYSIS_SOURCES = (Path(__file__), Path(__file__).parent.parent / "text.py",
                    Path(__file__).parent.parent / "understanding" / "tokens.py")


def fit(passages: list[Passage], tokenizer: Callable[[str], list[str]]) -> FittedIndex:
    """Fit the vectoriser (imports scikit-learn, so only when the passages changed)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [analyse(tokenizer(p.searchable)) for p in passages]
    vectoriser = TfidfVectorizer(analyzer=lambda terms: terms, lowercase=False, sublinear_tf=True, norm="l2")
    matrix = vectoriser.fit_transform(documents).tocsr()
    vectors = []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        vectors.append({int(c): float(v) for c, v in zip(matrix.indices[start:end], matrix.data[start:end])})
    words = sorted({w for p in passages for w in tokenizer(p.searchable) if w.isalpha()})
    return FittedIndex("", passages, {str(k): int(v) for k, v in vectoriser.vocabulary_.items()},
                       [float(x) for x in vectoriser.idf_], vectors, tuple(words))


class AnswerStore(Protocol):
    """Where the department's own answers and FAQ entries are kept (bot.department_answers.StoredAnswers)."""

    def load(self) -> Sequence[StoredAnswer]: ...

    def faq(self) -> "dict[str, Topic]": ...

    def stamp(self) -> object: ...


class KnowledgeIndex:
    """The passages and their index, rebuilt when a knowledge file or the department's stored answers change
    (checked every few seconds)."""

    def __init__(self, cache_dir: Path | None = None, files: Sequence[Path] | None = None,
                 check_seconds: float = CHECK_SECONDS, answers: AnswerStore | None = None) -> None:
        self._cache_dir = cache_dir
        self._files = tuple(files if files is not None else knowledge_paths())
        self._check_seconds = check_seconds
        self._answers = answers
        self._lock = threading.Lock()
        self._stamp: tuple[object, ...] = ()  # what the index was built from: taken with the first build
        self._checked = time.monotonic()
        self._built: tuple[FittedIndex, Tokenizer] | None = None  # on first search: `ask` rarely needs it

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        fitted, tokenizer = self._current()
        query = fitted.vector(analyse(tokenizer.tokens(clean(question).lower())))
        if not query:
            return []
        scored = [(sum(w * vector.get(c, 0.0) for c, w in query.items()), n) for n, vector in enumerate(fitted.vectors)]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [Hit(fitted.passages[n], round(score, 4)) for score, n in scored[:limit] if score > 0]

    @property
    def passages(self) -> list[Passage]:
        return list(self._current()[0].passages)

    def _current(self) -> tuple[FittedIndex, Tokenizer]:
        with self._lock:
            if self._built is None:  # on first search: a process that never searches reads nothing
                self._stamp = self._sources_stamp()
                self._built = self._build()
            else:
                self._refresh()
            return self._built

    def _build(self) -> tuple[FittedIndex, Tokenizer]:
        stored = self._answers
        passages = load_passages(stored.load(), stored.faq()) if stored is not None else load_passages()
        # the passages, and the code that turns text into search terms (a stem rule) with its abbreviations
        key = diskcache.key([digest(passages), sorted(abbreviations().items())], ANALYSIS_SOURCES)
        path = self._cache_dir / f"retrieval-index-{key[:20]}.pickle" if self._cache_dir else None
        fitted = diskcache.read(path, FittedIndex)
        if fitted is None or fitted.digest != key:
            plain = Tokenizer(abbreviations())
            fitted = fit(passages, lambda text: plain.tokens(clean(text).lower()))
            fitted.digest = key
            diskcache.write(path, fitted)
            log.info("knowledge index built", extra={"turn": {"passages": len(passages)}})
        return fitted, Tokenizer(abbreviations(), fitted.words)

    def _refresh(self) -> None:
        """Rebuild when a knowledge file changed (looked at every `check_seconds`); under the lock."""
        if time.monotonic() - self._checked < self._check_seconds:
            return
        self._checked = time.monotonic()
        try:
            stamp = self._sources_stamp()
        except Exception:  # the database is away: answer from the index we have
            log.warning("the department's answers could not be checked; the current index stays")
            return
        if stamp == self._stamp:
            return
        load_yaml.cache_clear()  # the files were edited: read them again
        try:
            self._built = self._build()
            self._stamp = stamp
        except Exception:  # a half-saved or broken file: keep answering from the last good index
            log.exception("knowledge index not rebuilt; the previous one stays")

    def _sources_stamp(self) -> tuple[object, ...]:
        files = tuple((str(p), p.stat().st_mtime if p.exists() else 0.0) for p in self._files)
        return (files, self._answers.stamp() if self._answers is not None else None)
