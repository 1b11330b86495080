"""A linear text classifier: trained with scikit-learn, answered with NumPy.

Training (`train`) fits two scikit-learn `TfidfVectorizer`s (sub-linear tf, l2
norm), one for words, word pairs and evidence and one for character n-grams,
side by side (so the many n-grams don't drown the evidence), and a
`LogisticRegression` on both. The fitted vocabulary, idf
weights and coefficients are kept as plain arrays (`LinearModel`), so answering
a question needs NumPy only: importing scikit-learn costs over a second, which
`partnerbot ask` and every worker would pay at start. `tests/test_classifier.py`
checks that `LinearModel.probabilities` equals scikit-learn's `predict_proba`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

REGULARISATION = 8.0
"""LogisticRegression's C: how closely to fit the examples (chosen on held-out phrasings)."""


CHAR_PREFIX = "c:"


def is_char(feature: str) -> bool:
    return feature.startswith(CHAR_PREFIX)


def _words(features: list[str]) -> list[str]:
    return [f for f in features if not is_char(f)]


def _chars(features: list[str]) -> list[str]:
    return [f for f in features if is_char(f)]


@dataclass
class LinearModel:
    labels: tuple[str, ...]
    vocabulary: dict[str, int]  # word-block features first, then character n-grams
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_features, n_labels)
    intercept: np.ndarray  # (n_labels,)

    def weights(self, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The tf-idf vector of a feature list, as (column indexes, weights), each block l2-normalised."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        known = self.vocabulary
        word_counts: Counter[str] = Counter()
        char_counts: Counter[str] = Counter()
        for f in features:
            if f in known:
                (char_counts if f.startswith(CHAR_PREFIX) else word_counts)[f] += 1
        for counts in (word_counts, char_counts):
            if not counts:
                continue
            cols = np.fromiter((known[f] for f in counts), dtype=np.int64, count=len(counts))
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
            vals = tf * self.idf[cols]
            columns.append(cols)
            values.append(vals / np.linalg.norm(vals))
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(columns), np.concatenate(values)

    def probabilities(self, features: Sequence[str]) -> dict[str, float]:
        return self.probabilities_of(*self.weights(features))

    def probabilities_of(self, columns: np.ndarray, values: np.ndarray) -> dict[str, float]:
        logits = self.intercept + values @ self.coef[columns]
        logits = logits - logits.max()
        exp = np.exp(logits)
        probs = exp / exp.sum()
        return {label: float(p) for label, p in zip(self.labels, probs)}


def train(documents: list[list[str]], labels: list[str], regularisation: float = REGULARISATION) -> LinearModel:
    """Fit the model (imports scikit-learn, so only when the examples changed)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    words = TfidfVectorizer(analyzer=_words, lowercase=False, sublinear_tf=True, norm="l2")
    chars = TfidfVectorizer(analyzer=_chars, lowercase=False, sublinear_tf=True, norm="l2")
    matrix = hstack([words.fit_transform(documents), chars.fit_transform(documents)]).tocsr()
    vocabulary = {str(k): int(v) for k, v in words.vocabulary_.items()}
    offset = len(words.vocabulary_)
    vocabulary.update({str(k): int(v) + offset for k, v in chars.vocabulary_.items()})
    idf = np.concatenate([words.idf_, chars.idf_])
    classifier = LogisticRegression(C=regularisation, max_iter=3000, class_weight="balanced")
    classifier.fit(matrix, labels)
    coef = classifier.coef_
    intercept = classifier.intercept_
    if coef.shape[0] == 1:  # two labels: scikit-learn keeps one row
        coef = np.vstack([-coef[0], coef[0]]) / 2
        intercept = np.array([-intercept[0], intercept[0]]) / 2
    return LinearModel(
        labels=tuple(str(c) for c in classifier.classes_),
        vocabulary=vocabulary,
        idf=np.asarray(idf, dtype=np.float64),
        coef=np.ascontiguousarray(coef.T, dtype=np.float64),
        intercept=np.asarray(intercept, dtype=np.float64),
    )
