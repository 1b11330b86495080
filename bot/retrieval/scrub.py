"""Student-identifying details removed from a question before it leaves the server.

Names after "student" (or child, kid, son...: "my student Maria Lopez", "a student
named jo smith"), student ID
numbers, dates of birth and other full dates, e-mail addresses and phone
numbers are replaced by a placeholder; the kinds removed are returned so the
user can be told why. Deliberately broad: a false positive costs a word of the
question, a miss sends a child's details to a third party.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_NAMED = r"(?:named|called|name is|name's)"

_NAME_WORD = r"[^\W\d_][^\W\d_'\-]*"  # any alphabet: "José", "García"
_CAP_NAME = r"(?-i:[A-ZÀ-ÖØ-Þ])[^\W\d_'\-]*(?:['\-][^\W\d_]+)*"
_PERSON = r"\b(?i:(students?|child(?:ren)?|kids?|pupils?|learners?|son|daughter)(?:'s)?)"
_NAME_AFTER_PERSON = re.compile(
    rf"{_PERSON}(?:,|:)?\s+(?:(?i:{_NAMED}|name is|name's)\s+{_NAME_WORD}(?:\s+{_NAME_WORD})?"
    rf"|{_CAP_NAME}(?:\s+{_CAP_NAME}){{0,2}})"
    rf"(?:\s+(?:and|&)\s+{_CAP_NAME}(?:\s+{_CAP_NAME}){{0,2}})*")

PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("an e-mail address", "[e-mail]", re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")),
    ("a date of birth", "[date]", re.compile(
        rf"\b(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
        rf"(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}})\b", re.I)),
    ("a phone number", "[phone]", re.compile(r"(?:\+?1[\s.\-]?)?\(?\b\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}\b")),
    ("a student ID", "[id number]", re.compile(
        r"\b(?:id|ID|Id)\s*(?:number|no\.?|#)?\s*[:#]?\s*[A-Za-z]?\d[\d\-]{3,}\b|\b\d{6,10}\b")),
    ("a student's name", r"\1 [name]", _NAME_AFTER_PERSON),
)


@dataclass(frozen=True)
class Scrubbed:
    text: str
    removed: tuple[str, ...]  # the kinds of detail taken out, for telling the user

    @property
    def notice(self) -> str:
        if not self.removed:
            return ""
        kinds = list(dict.fromkeys(self.removed))
        listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
        return (f"I took {listed} out of your question before asking the language model: student details "
                "never leave the district's systems. Please leave them out of questions here.")


def scrub(text: str) -> Scrubbed:
    removed: list[str] = []
    for kind, placeholder, pattern in PATTERNS:
        text, count = pattern.subn(placeholder, text)
        removed += [kind] * min(count, 1)
    return Scrubbed(" ".join(text.split()), tuple(removed))
