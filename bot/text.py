"""Text clean-up shared by understanding, school matching and rendering.

`clean` makes user input safe to process (control characters, smart quotes,
length); `normalise` makes it comparable (case, punctuation, abbreviations);
`stem` folds simple English endings so "pays", "paying" and "paid" meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from knowledge import abbreviations

MAX_TEXT = 2000
"""Longer messages are understood from their first MAX_TEXT characters."""

_SMART = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def clean(text: str | None) -> str:
    """Printable, single-spaced text with straight quotes; never raises."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_SMART)
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())


def is_meaningful(text: str) -> bool:
    """True when the text has at least one letter or digit to understand."""
    return any(ch.isalnum() for ch in text)


def words(text: str) -> list[str]:
    """Lower-case word tokens; apostrophes inside words are kept ("int'l")."""
    text = text.lower().replace("&", " and ").replace("-", " ").replace("/", " ").replace(" @ ", " at ")
    return _WORD.findall(text)


_K8 = re.compile(r"\bk\s*-\s*8\b", re.I)


def base_tokens(text: str, abbreviations: dict[str, str]) -> list[str]:
    """The word tokens everything is matched on: "K-8" kept whole, abbreviations expanded.

    School names, cue phrases and the classifier all use this, so token positions agree."""
    return expand(words(_K8.sub(" k 8 ", text)), abbreviations)


def expand(tokens: list[str], abbreviations: dict[str, str]) -> list[str]:
    """Replace abbreviations ("psc", "pta") with their full words."""
    out: list[str] = []
    for token in tokens:
        full = abbreviations.get(token)
        if full is None and token.endswith("'s"):
            token = token[:-2]
            full = abbreviations.get(token)
        if full is None:
            out.append(token.replace("'", ""))
        else:
            out.extend(full.split())
    return out


_IRREGULAR = {"paid": "pay", "children": "child", "ran": "run", "left": "leav", "men": "man", "women": "woman",
              "signature": "sign", "signatures": "sign"}


@lru_cache(maxsize=20000)
def stem(token: str) -> str:
    """A deliberately small suffix stripper: enough to match cue phrases."""
    if token in _IRREGULAR:
        return _IRREGULAR[token]
    if len(token) <= 3 or token.isdigit():
        return token
    base = _strip_suffix(token)
    if base != token and base.endswith(("ing", "ed")):
        base = _strip_suffix(base)  # "trainings" -> "training" -> "train"
    if len(base) >= 4 and base.endswith("e"):
        base = base[:-1]
    return base


def _strip_suffix(token: str) -> str:
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            if suffix == "es" and not token.endswith(("ches", "shes", "sses", "xes")):
                continue
            if suffix == "s" and token.endswith(("ss", "us", "is")):
                return token
            base = token[: -len(suffix)] + keep
            if suffix in ("ing", "ed") and len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "ls":
                base = base[:-1]
            return base
    return token


TYPO_MIN_LENGTH = 5
"""Words shorter than this are never taken for a typo of another (names and the tokenizer alike)."""


def typos_allowed(word: str) -> int:
    """Edits a typo of `word` may hold: one, or two in a long word."""
    return 1 if len(word) < 8 else 2


def alike(said: str, word: str) -> bool:
    """A word of a name as typed: the word itself, or one typo away from it (two in a long word), with its
    first letter kept ("colective" for "collective"); short words must be exact."""
    if said == word:
        return True
    if min(len(said), len(word)) < TYPO_MIN_LENGTH or said[0] != word[0]:
        return False
    from rapidfuzz.distance import OSA

    return OSA.distance(said, word, score_cutoff=2) <= typos_allowed(word)


def normalise(text: str) -> str:
    """Lower-case words joined by single spaces, for fuzzy comparison."""
    return " ".join(words(clean(text)))


_MRKDWN_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape_mrkdwn(text: str) -> str:
    """Escape user text for Slack mrkdwn so `<!channel>` or `<@U1>` never pings."""
    return text.translate(_MRKDWN_ESCAPES)


def article_of(name: str) -> str:
    """ "a" Memorandum of Understanding, "an" Alignment Agreement: by the written name's first letter
    (an abbreviation's article, "an MOU", goes by its sound, and is kept with it in the knowledge files)."""
    return "an" if name[:1].lower() in "aeiou" else "a"


def with_article(name: str) -> str:
    return f"{article_of(name)} {name}"


def truncate(text: str, limit: int, notice: str = "…") -> str:
    return text if len(text) <= limit else text[: max(0, limit - len(notice))].rstrip() + notice


@lru_cache(maxsize=20000)
def phrase_stems(phrase: str) -> tuple[str, ...]:
    """A phrase tokenised exactly like user text (abbreviations expanded, stems)."""
    return tuple(stem(w) for w in base_tokens(phrase, abbreviations()))


def spellings(*names: str) -> tuple[str, ...]:
    """The words, and each abbreviation staff use for one of them alone ("agmt" for agreement): for patterns read on
    a message as written, so "which agmt for the bike club?" asks as "which agreement ..." does."""
    return names + tuple(sorted(short for short, full in abbreviations().items() if full in names))


def contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    """Whether `needle` occurs as a contiguous run in `haystack`."""
    return position(haystack, needle) is not None


def position(haystack: tuple[str, ...], needle: tuple[str, ...]) -> int | None:
    """Where `needle` first occurs as a contiguous run in `haystack`, or None."""
    n = len(needle)
    if n == 0 or n > len(haystack):
        return None
    first = needle[0]
    for i, token in enumerate(haystack[: len(haystack) - n + 1]):
        if token == first and haystack[i : i + n] == needle:
            return i
    return None


_EMAIL_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+\.[^\s<>()\[\],;:\"'.]{2,}")


def without_addresses(text: str) -> str:
    """`text` with e-mail addresses replaced, for what is kept to learn from (the question log): a
    person's address is theirs to give for updates, not something the department's reports should list."""
    return _EMAIL_ADDRESS.sub("[e-mail address]", text)
