"""A linear text classifier: trained with scikit-learn, answered with plain Python.

Training (`train`) fits two scikit-learn `TfidfVectorizer`s (sub-linear tf, l2
norm), one for words, word pairs and evidence and one for character n-grams,
side by side (so the many n-grams don't drown the evidence), and a
`LogisticRegression` on both. The fitted vocabulary, idf weights and
coefficients are kept as flat `array('d')`s (`LinearModel`): a question has a
few dozen features, so answering it is a few thousand multiply-adds, and
needs neither scikit-learn (over a second to import) nor NumPy (~0.08 s), which
`partnerbot ask` and every worker would otherwise pay at start.
`tests/test_classifier.py` checks that `LinearModel.probabilities` equals
scikit-learn's `predict_proba`.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

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
    idf: array  # (n_features,)
    coef: array  # (n_features * n_labels,): row `feature` holds that feature's weight for each label
    intercept: tuple[float, ...]  # (n_labels,)

    def weights(self, features: Sequence[str]) -> tuple[list[int], list[float]]:
        """The tf-idf vector of a feature list, as (column indexes, weights), each block l2-normalised."""
        columns: list[int] = []
        values: list[float] = []
        known = self.vocabulary
        word_counts: Counter[str] = Counter()
        char_counts: Counter[str] = Counter()
        for f in features:
            if f in known:
                (char_counts if f.startswith(CHAR_PREFIX) else word_counts)[f] += 1
        for counts in (word_counts, char_counts):
            if not counts:
                continue
            cols = [known[f] for f in counts]
            vals = [(1.0 + math.log(c)) * self.idf[col] for col, c in zip(cols, counts.values())]
            norm = math.sqrt(sum(v * v for v in vals))
            columns.extend(cols)
            values.extend(v / norm for v in vals)
        return columns, values

    def probabilities(self, features: Sequence[str]) -> dict[str, float]:
        return self.probabilities_of(*self.weights(features))

    def probabilities_of(self, columns: Sequence[int], values: Sequence[float]) -> dict[str, float]:
        n = len(self.labels)
        logits = list(self.intercept)
        coef = self.coef
        for column, value in zip(columns, values):
            row = coef[column * n:(column + 1) * n]
            for label in range(n):
                logits[label] += value * row[label]
        top = max(logits)
        exp = [math.exp(logit - top) for logit in logits]
        total = sum(exp)
        return {label: p / total for label, p in zip(self.labels, exp)}


def train(documents: list[list[str]], labels: list[str], regularisation: float = REGULARISATION,
          balance: float = 1.0) -> LinearModel:
    """Fit the model (imports scikit-learn and NumPy, so only when the examples changed). `balance`: 1 weighs each
    label alike however many examples it has; 0 keeps a label's share of the examples as its prior; between,
    a rare label is weighed up part of the way."""
    import numpy as np
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
    counts = Counter(labels)
    weights = {label: (len(labels) / (len(counts) * n)) ** balance for label, n in counts.items()}
    classifier = LogisticRegression(C=regularisation, max_iter=3000, class_weight=weights)
    classifier.fit(matrix, labels)
    coef = classifier.coef_
    intercept = classifier.intercept_
    if coef.shape[0] == 1:  # two labels: scikit-learn keeps one row
        coef = np.vstack([-coef[0], coef[0]]) / 2
        intercept = np.array([-intercept[0], intercept[0]]) / 2
    return LinearModel(
        labels=tuple(str(c) for c in classifier.classes_),
        vocabulary=vocabulary,
        idf=array("d", np.asarray(idf, dtype=np.float64).tobytes()),
        coef=array("d", np.ascontiguousarray(coef.T, dtype=np.float64).tobytes()),
        intercept=tuple(float(x) for x in intercept),
    )
