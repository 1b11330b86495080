"""What makes a message a follow-up to the last answer rather than a question of its own.

Shared by the router (may a follow-up refine the last answer?) and the handlers'
refiners (is this short or explicit enough to change one filter?).
"""

from __future__ import annotations

from bot.understanding.analysis import Understanding

FOLLOW_UP_MARKERS = ("and", "what about", "how about", "only", "just", "oops", "i meant", "actually", "also", "same",
                     "instead", "what if", "now", "so", "but", "then", "sorry", "ok so", "okay so")
"""Openings that tie a message to the previous answer ("what about Garfield?", "only the arts ones")."""
ANAPHORA = ("it", "that", "they", "them", "this", "one", "those", "these", "the rest", "the others", "other ones")
"""A short message that points back ("how long is it?", "does that include ...") refines the last answer."""
EXPLICIT_FOLLOW_UP_FACTOR = 2
"""A message that opens as a follow-up may run this many times longer and still be one
("what about the other K-8 up north, Hazel Wolf")."""


FILLERS = frozenset("hmm hm um uh oh ok okay well so right cool thanks".split())
"""Words before an opening that change nothing ("hmm what about the middle school?")."""
DETERMINERS = frozenset("the a an whole entire overall".split())
"""Words that only frame a name in a fragment ("the whole Southeast region?", "the Southeast region overall")."""
INTERJECTIONS = frozenset("wait sorry oops no nope actually oh ah".split())
"""Words that may stand before an opening, one after another ("hmm wait I meant Leschi")."""


def opens_as_follow_up(u: Understanding) -> bool:
    if not u.tokens:
        return False
    start = next((i for i, t in enumerate(u.tokens) if t not in FILLERS | INTERJECTIONS), len(u.tokens))
    return any((position := u.position(marker)) is not None and position <= start for marker in FOLLOW_UP_MARKERS)


WEAK_INTENTS = ("unknown", "smalltalk")
"""What the classifier says of a message it places nowhere."""
PLACED = 0.6
"""A question the classifier puts nowhere ("what's the first step?", "is it online?": unknown or small
talk, below this) asked right after an answer is about that answer; one it is sure is out of scope is not."""


def unplaced(u: Understanding) -> bool:
    return u.intent in WEAK_INTENTS and u.confidence < PLACED


def placed_elsewhere(u: Understanding, own: str, sure: float) -> bool:
    """The classifier is at least `sure` that a follow-up belongs to a topic other than `own` ("ok and which
    agreement if the partner funds it?" after a data-sharing answer): it leaves the last topic."""
    return u.intent != own and u.intent not in WEAK_INTENTS and u.confidence >= sure


def points_back(u: Understanding, within: int = 12) -> bool:
    return len(u.tokens) <= within and any(p in u.tokens[:5] for p in ANAPHORA)


def refers_back(u: Understanding, within: int = 12) -> bool:
    """A short message with a word pointing at the last answer anywhere ("where's the form for that one?")."""
    return len(u.tokens) <= within and u.has(*ANAPHORA)


def is_follow_up(u: Understanding, words: int) -> bool:
    """Short ("and at Garfield?"), or a little longer when it says it follows up; a long message
    that doesn't is a question of its own."""
    n = len(u.tokens)
    return n <= words or (n <= words * EXPLICIT_FOLLOW_UP_FACTOR and opens_as_follow_up(u))


WIDEN = ("all partners", "all of them", "all the partners", "every partner", "everyone", "everything", "any service",
         "all services", "every service", "whole list", "full list", "all of their", "all organizations",
         "without the filter", "not just")
"""Asking for everything again: a filter kept from the last answer is dropped ("all partners at Hamilton")."""


def widens(u: Understanding) -> bool:
    return u.has(*WIDEN)


def elliptical(u: Understanding, named: int = 0) -> bool:
    """A fragment that only makes sense against the last answer: it opens as a follow-up ("what about
    Garfield?", "and at Franklin") or is little more than the `named` tokens of a name ("Garfield?").
    A full question ("who works with REMS?") is not: it starts afresh, keeping no filter. Determiners around the
    name ("the whole Southeast region?") add nothing."""
    return opens_as_follow_up(u) or len([t for t in u.tokens if t not in DETERMINERS and t not in ALSO]) - named <= 1


ALSO = frozenset("any too also".split())
""""any at Cleveland too?": words that keep the last answer's filters, adding nothing of their own."""
