"""Which agreement applies: facts read from a message, and the decision.

Pure functions over an `Understanding`, so every rule is testable without a
database. The order of the rules follows the department's guidance: a lease
means an Alignment Agreement, a PTSA coordinating means PTSA enrichment, the
school or district paying means a PSC, the partner's own funding an MOU.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import re
from functools import lru_cache

from bot.text import base_tokens, phrase_stems, stem
from bot.understanding import Understanding
from knowledge import abbreviations

PSC, MOU, ALIGN, PTSA = "personal_services_contract", "mou", "alignment_agreement", "ptsa_enrichment"
PERMIT = "building_use_permit"
NAMES = {PSC: ("personal services contract", "psc"), MOU: ("memorandum of understanding", "mou"),
         ALIGN: ("alignment agreement",), PTSA: ("letter of agreement", "ptsa agreement", "ptsa enrichment")}

_NEGATED_PAY = (
    "not pay", "not be pay", "no pay", "don't pay", "dont pay", "won't pay", "wont pay", "doesn't pay",
    "without pay", "unpaid", "not charge", "no charge", "won't charge", "doesn't charge", "no money",
    "not cost", "no cost", "doesn't cost", "free of charge", "at no cost", "zero dollar", "0 dollar",
    "isn't pay", "aren't pay", "never pay", "not being pay", "not going to pay", "not spend",
    "not paying them", "not pay them", "we're not paying", "aren't paying",
)
_PARTNER_FUNDS = (
    "own funding", "own fund", "own money", "own budget", "own grant", "its own", "their own", "self fund",
    "grant fund", "fund by a grant", "fund through a grant", "funded by their", "fund by their",
    "free", "no cost", "for free", "volunteer their time", "pro bono", "donat", "at no charge",
    "partner bring", "partner pay", "partner cover", "organization pay", "nonprofit pay", "non profit pay",
    "they pay for", "they cover", "bring their own", "bring its own", "zero dollar", "they fund",
    "partner fund", "own resource", "external fund", "outside fund", "in kind", "their grant", "grant cover",
    "grant pay", "grant will pay", "grant will cover", "funder pay", "funder cover", "foundation pay",
    "foundation cover", "foundation fund", "paid by a grant", "paid by the grant", "paid for by a grant",
    "paid by a foundation", "funded by a grant", "funded by a foundation", "funded by the city", "city grant",
    "directly to the partner", "directly to them", "straight to the partner", "straight to them", "sponsor pay",
    "sponsor cover", "their funding", "its funding", "their budget", "its budget", "cost themselves",
    "costs themselves", "it themselves", "everything themselves", "pay themselves", "paying themselves",
    "fund themselves", "funding themselves", "cover themselves", "covering themselves", "their own dime", "own dime", "self funded", "fully funded by them", "they cover", "they are cover",
    "they're cover", "they will cover", "they'll cover", "partner cover", "partner is cover", "org cover",
    "organization cover", "organization is cover", "nonprofit cover", "non profit cover", "it covers everything",
    "grant that covers", "grant cover everything",
)
_SCHOOL_PAYS = (
    "we pay", "we are pay", "we will pay", "we'll pay", "we would pay", "we plan to pay", "we want to pay",
    "we'd pay", "we re pay", "school pay", "school is pay", "school will pay", "school fund", "school budget",
    "building budget", "our budget", "our fund", "district pay", "district fund", "district money",
    "pay by the school", "pay by the district", "pay by us", "pay from", "paying from", "pay them", "pay her",
    "pay him", "pay a", "pay an", "pay the", "pay for", "hire", "stipend", "invoice", "honorarium",
    "purchase", "title i", "title 1", "lap fund", "grant we", "our grant", "compensat", "fee", "charge us",
    "charges us", "cost us", "contract with", "pay $", "pay out", "cut a check", "cut her a check",
    "cut him a check", "cut them a check", "cutting a check", "discretionary", "set aside money", "our money",
    "district cover", "district is cover", "district will cover", "school cover", "school is cover",
    "school will cover", "we cover", "we are cover", "we'll cover", "we will cover", "central office",
    "office is cover", "office will cover", "we're cover", "building is cover",
)
_SCHOOL_EXPLICIT = (
    "we pay", "we are pay", "we will pay", "we'll pay", "we would pay", "we plan to pay", "we want to pay", "we'd pay",
    "we re pay", "school pay", "school is pay", "school will pay", "district pay", "district will pay", "pay them",
    "pay her", "pay him", "pay by the school", "pay by the district", "pay by us", "from our budget", "school fund",
    "school budget", "building budget", "our budget", "district fund", "we hire", "we are hir", "we'll hire",
    "stipend", "invoice", "honorarium", "cut a check", "cut her a check", "cut him a check", "cut them a check",
)
_SCHOOL_IS_PAYER = ("we pay", "we are pay", "we will pay", "we'll pay", "school pay", "school is pay", "school will pay",
                    "district pay", "district will pay", "pay by the school", "pay by the district", "our budget",
                    "school fund", "school budget", "district fund")
_WE_DONT_PAY = (
    "we won't pay", "we will not pay", "we don't pay", "we do not pay", "we are not pay", "we're not pay",
    "we aren't pay", "school won't pay", "school will not pay", "school isn't pay", "school is not pay",
    "no cost to us", "no cost to the school", "free to us", "free to the school", "free for us", "not charg us",
    "won't charge us", "doesn't charge us", "not charg the school", "doesn't cost us", "won't cost us",
    "at no cost", "free of charge", "zero dollar", "no money changes hands", "no money will change hands",
    "cost nothing", "cost us nothing", "cost the school nothing", "cost the district nothing",
    "won't cost anything", "doesn't cost anything", "will not cost anything", "does not cost anything",
    "nothing goes through our budget", "nothing through our budget", "not through our budget",
    "not from our budget", "not out of our budget", "doesn't come from our budget", "does not come from our budget",
    "no school money", "no district money", "not school money", "not district money", "no school funds",
    "no district funds", "not school funds", "not our money", "none of our money", "nothing from our budget",
    "doesn't cost the school", "not costing us", "won't cost the school", "no cost for us", "not paying them",
    "we're not paying", "we aren't paying", "we are not paying", "school isn't paying", "district isn't paying",
    "not coming out of our budget", "not out of school funds",
)
_DONATION = ("donat", "gift to the school", "give us money", "gift us", "grant to the school", "give the school")
_PTSA = ("ptsa", "parent group", "parent association", "parent organization", "parent teacher",
         "booster club", "parents group", "family association", "parent led", "parent run")
_PTSA_ROLE = ("coordinat", "manag", "organiz", "run", "pay", "fund", "sponsor", "host", "arrang", "contract",
              "hire", "set up", "oversee", "handle", "book", "money", "budget", "dollar", "cover", "account",
              "raise", "fundrais", "grant", "their dime", "foot the bill", "footing the bill", "bill", "tab",
              "bankroll", "underwrite", "pick up the cost", "picking up the cost")
_LEASE = ("lease", "long term space", "long-term space", "year round space", "office in our building",
          "office space", "dedicated space", "permanent space", "space all year", "rent space long",
          "rent a classroom for the year", "occupy", "tenant", "co locat")
_LONG_DURATION = ("multi year", "several years", "multiple years", "for years", "whole school year",
                  "entire school year", "full year", "long term", "all year", "year long", "yearlong", "whole year",
                  "for the year", "next few years", "couple of years", "for 2 years", "for 3 years", "for 5 years",
                  "for two years", "for three years", "for five years", "indefinitely", "permanently")
"""Long use counts as a lease only when the message is about space ("all year" alone may be a program)."""
_SHORT_USE = ("one evening", "one night", "one day", "one time", "once a", "once", "one off", "a weekend", "weekend",
              "occasional", "hourly", "by the hour", "a few weeks", "few hours", "an event", "for an event",
              "one event", "single event", "short term", "short-term", "a couple of weeks", "two weeks", "ten weeks",
              "a night", "an afternoon", "one saturday", "building use", "facility rental", "summer camp",
              "tournament", "evenings a month", "two evenings", "once a month", "a few evenings", "evening a week",
              "twice a month", "a month", "one month", "about a month", "for a month", "few evenings",
              "couple of evenings", "a few saturdays", "a few sundays", "a couple of saturdays", "one weekend",
              "a few nights", "few times", "a handful of", "once or twice", "for the day", "an evening",
              "a performance", "a concert", "a fundraiser", "a meeting", "next month", "this month",
              "over the next few weeks", "the next few weeks", "this spring break", "over the summer")
"""How long: occasional or short use (under about twelve weeks). Space itself is _SPACE."""
_SPACE = ("space", "room", "classroom", "gym", "building", "auditorium", "cafeteria", "field", "portable",
          "office", "facility", "facilities", "library", "commons", "lunchroom", "playground", "stage", "kitchen",
          "track", "pool", "hallway", "multipurpose", "theater", "parking lot")
_USE_OF_SPACE = ("use", "using", "uses", "used", "rent", "borrow", "meet in", "meet at", "rehearse", "rehearsal", "host", "hold", "space in", "space at",
                 "want our", "wants our", "want the", "wants the", "need our", "needs our", "asked for our",
                 "asked to use", "request our", "requested our", "on our field", "play on", "practice on",
                 "room for", "book", "reserve", "access to", "practice in", "perform in", "set up in", "store",
                 "office in", "operate out of", "run out of", "based in", "located in", "located at")
_PROGRAM = ("student", "program", "class", "tutor", "mentor", "teach", "serve", "serving", "instruct", "club",
            "workshop", "lesson", "service")
_INDIVIDUAL_VOLUNTEER = ("individual volunteer", "parent volunteer", "volunteer on their own", "volunteer on my own",
                         "volunteer on his own", "volunteer on her own", "on his own", "on her own", "by himself",
                         "by herself", "not part of an organization", "not with an organization",
                         "no organization", "not through an organization", "want to volunteer", "wants to volunteer",
                         "community volunteer", "volunteer individually", "as an individual", "just a parent",
                         "a parent who wants to help", "help out in the classroom", "volunteer in the classroom",
                         "volunteer at our school", "volunteer at the school")
GRANT_APPLICATION = ("grant application", "applying for a grant", "apply for a grant", "applies for a grant",
                     "grant proposal", "name our school in a grant", "in their grant", "in a grant", "on a grant",
                     "write a grant", "writing a grant", "intent to apply")
_GRANT_WORK = ("apply", "application", "applying", "proposal", "write", "writing", "submit", "submitting",
               "name", "naming", "list", "listing", "partner school", "letter of support", "funder")
"""Said in the same clause as "grant": an organisation is applying for it (with the school in it)."""
_DIFFERENCE = ("difference between", "differ", "compare", "vs", "versus")
_ABOUT_THE_PAPERWORK = ("how long", "deadline", "approval", "approve", "submit", "reuse", "renew", "who sign",
                        "turnaround", "due", "template", "form", "copy of", "link", "document", "paperwork")
"""Words of a question about both agreements' paperwork ("can I reuse last year's MOU or PSC template?",
"how long does approval take for an MOU or PSC?"), which is not a choice between them."""


@lru_cache(maxsize=1)
def _choices() -> tuple[str, ...]:
    """"MOU or PSC", "an MOU or a PSC", ... for every pair of agreement names."""
    names = [name for code_names in NAMES.values() for name in code_names]
    return tuple(f"{a} or {article}{b}" for a in names for b in names if a != b for article in ("", "a ", "an "))


def asks_which_of(u: Understanding, named: list[str]) -> bool:
    """Two agreements named as alternatives ("MOU or PSC for a yoga org?", "do we need an MOU or PSC",
    "for a tutoring nonprofit, MOU or PSC?"): both are shown, then the facts decide."""
    return len(named) >= 2 and u.has(*_choices()) and not u.has(*_ABOUT_THE_PAPERWORK)
_TEMPLATE = ("template", "where is", "where can i find", "where do i find", "copy of", "form", "download", "link")
_DOCUMENTS = ("document", "paperwork", "what do i need", "what does", "require", "need for", "checklist",
              "what is needed", "needed", "submit", "insurance", "w 9", "business license")


_PAY_UNSURE = ("not sure who", "don't know who", "dont know who", "do not know who", "no idea who", "unsure who",
               "not sure if we", "not sure whether", "not sure if the", "not sure if they", "haven't decided who",
               "have not decided who", "not decided who", "undecided", "might pay", "may pay", "maybe pay",
               "or maybe", "might be", "either", "not sure yet", "still figuring out", "still working out",
               "tbd", "to be determined", "not sure about the funding", "not sure about funding",
               "not sure how", "don't know how", "unsure how", "no idea how", "not sure where the money",
               "don't know where the money", "who would pay", "who should pay", "who pays", "who is paying",
               "who's paying", "who will pay", "depends on who", "not sure who's paying", "could be",
               "nobody told", "nobody's told", "no one told", "no one's told", "haven't been told",
               "not been told", "wasn't told", "weren't told", "nobody has told", "no one has told",
               "still waiting to hear", "waiting to find out", "haven't heard")
_LEASE_NEGATED = ("no lease", "not a lease", "not lease", "without a lease", "isn't a lease", "is not a lease",
                  "not leas", "don't need a lease", "doesn't need a lease", "no long term", "not long term",
                  "not for long", "don't want a lease", "won't be a lease", "not going to lease", "never leas")
_LEASE_QUESTION = ("need a lease", "need lease", "require a lease", "required to lease", "have to lease",
                   "have to sign a lease", "should we lease", "should they lease", "do a lease", "sign a lease",
                   "get a lease", "is a lease", "would a lease", "does a lease", "need an alignment",
                   "require an alignment", "is it an alignment", "alignment agreement required")
_LEASE_STATED = ("tenant", "occupy", "co locat", "leases space", "leases a", "leases the", "leases two", "leases our",
                 "leasing space", "leasing a", "leasing the", "leasing our", "has a lease", "have a lease",
                 "signed a lease", "under a lease", "on a lease", "lease for", "leased space", "leased to")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "few": 3, "several": 4}


@dataclass(frozen=True)
class Facts:
    """What we know about the partnership so far (None = not said)."""

    payer: str | None = None  # school | district | partner | ptsa
    lease: str | None = None  # lease | short
    ptsa: bool = False
    space: bool = False
    amount: float | None = None
    program: bool = False
    individual_volunteer: bool = False
    conflict: str | None = None  # coordinator: both the school and a PTSA are said to pay
    unsure: str | None = None  # the question the user said they can't answer yet

    def merge(self, newer: "Facts") -> "Facts":
        """Later answers win; a PTSA or space mention is never forgotten."""
        return Facts(
            payer=newer.payer or self.payer,
            lease=newer.lease or self.lease,
            ptsa=self.ptsa or newer.ptsa,
            space=self.space or newer.space,
            amount=newer.amount if newer.amount is not None else self.amount,
            program=self.program or newer.program,
            individual_volunteer=self.individual_volunteer or newer.individual_volunteer,
            conflict=newer.conflict,
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Facts":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def known(self) -> bool:
        return bool(self.payer or self.lease or self.ptsa)


NEGATORS = frozenset("no not none nothing never without dont doesnt isnt arent wont cant cannot didnt wasnt werent "
                     "neither nor zero nobody".split())
AFTER_NEGATORS = frozenset(("nothing", "zero", "none"))
"""Negators that follow the phrase: "costs us nothing"."""
_CLAUSE = re.compile(r"[.;:!?,()]|\s(?:but|although|though|while|whereas|however)\s", re.I)
_SCHOOL_MONEY = ("our budget", "school budget", "building budget", "school fund", "district fund", "school money",
                 "district money", "our money", "our fund", "title i", "title 1", "pay", "cost us", "charge us")


@lru_cache(maxsize=2048)
def _clauses(text: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """The message's clauses as (words, stems): negation only reaches within its own clause."""
    out = []
    for part in _CLAUSE.split(text):
        words = tuple(base_tokens(part, abbreviations())) if part else ()
        if words:
            out.append((words, tuple(stem(w) for w in words)))
    return tuple(out)


def _negated_in(clause: tuple[tuple[str, ...], tuple[str, ...]], needle: tuple[str, ...]) -> bool | None:
    """None if the phrase isn't in the clause; else whether a negation governs it."""
    words, stems = clause
    n = len(needle)
    found = None
    for i in range(len(stems) - n + 1):
        if stems[i : i + n] == needle:
            negated = any(w in NEGATORS for w in words[:i]) or any(w in AFTER_NEGATORS for w in words[i + n : i + n + 2])
            found = negated if found is None else (found and negated)
    return found


def affirmed(u: Understanding, *phrases: str) -> bool:
    """A phrase the message states without negating it ("we pay", not "we don't pay")."""
    present = [p for p in phrases if u.has(p)]
    return any(_negated_in(c, phrase_stems(p)) is False for p in present for c in _clauses(u.text))


def negated(u: Understanding, *phrases: str) -> bool:
    """A phrase the message negates ("none of it comes through our school budget")."""
    present = [p for p in phrases if u.has(p)]
    return any(_negated_in(c, phrase_stems(p)) is True for p in present for c in _clauses(u.text))


def grant_application(u: Understanding) -> bool:
    """A community organisation applying for a grant to work with the school ("writing a 4Culture
    grant and we'd like to name Van Asselt as our partner school")."""
    if u.has(*GRANT_APPLICATION):
        return True
    if not u.has("grant"):
        return False
    work = [phrase_stems(p) for p in _GRANT_WORK]
    return any("grant" in stems and any(_contains(stems, w) for w in work) for _words, stems in _clauses(u.text))


def _contains(stems: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(stems[j : j + n] == phrase for j in range(len(stems) - n + 1))


HEDGES = frozenset(("might", "maybe", "perhaps", "possibly", "could", "unsure", "unclear", "hopefully"))
"""Words that make what follows a possibility, not a fact ("they might have a grant")."""
NOT_HEDGES = frozenset(("you", "i", "we", "u"))
"""After "could" these make a request ("could you tell me", "could we pay them?"), not a hedge."""
_PAYMENT = ("pay", "paid", "fund", "grant", "budget", "money", "cover", "cost", "dime", "fundrais", "stipend")


def hedged_payment(u: Understanding) -> bool:
    """Who pays is said only as a possibility: a hedge before a payment word in the same clause
    ("I think they might have a grant but it could also end up being us paying")."""
    if not u.has(*_PAYMENT):
        return False
    payment = [phrase_stems(p) for p in _PAYMENT]
    for words, stems in _clauses(u.text):
        for i, word in enumerate(words):
            if word not in HEDGES or (word == "could" and i + 1 < len(words) and words[i + 1] in NOT_HEDGES):
                continue
            if any(_contains(stems[i + 1 :], p) for p in payment):
                return True
    return False


def pay_unsure(u: Understanding) -> bool:
    """The message says who pays is not known yet ("not sure who's paying yet"), or only guesses."""
    return u.has(*_PAY_UNSURE) or hedged_payment(u)


def _payer(u: Understanding, ptsa: bool) -> tuple[str | None, str | None]:
    """Who pays: (payer, conflict). Explicit statements beat loose words like "free";
    a hedge ("not sure who's paying") is never read as an answer."""
    if pay_unsure(u):
        return None, None
    ptsa_pays = ptsa and not _ptsa_declines(u) and (u.has(*_PTSA_ROLE) or u.has("pay", "fund", "hire", "contract",
                                                                             "sponsor"))
    school_explicit = affirmed(u, *_SCHOOL_EXPLICIT)
    donation = u.has(*_DONATION)
    school_money = school_explicit or affirmed(u, *_SCHOOL_PAYS) or (bool(u.amounts) and not donation)
    if ptsa_pays:
        return "ptsa", ("coordinator" if affirmed(u, *_SCHOOL_IS_PAYER) else None)
    if u.has(*_WE_DONT_PAY) or donation or (negated(u, *_SCHOOL_MONEY) and not school_explicit):
        return "partner", None
    district = u.has("district pay", "district fund", "district money", "pay by the district", "central office",
                     "district will pay", "district is pay", "district would pay") or (
        u.has("district") and not u.has("school pay", "we pay", "our budget", "school fund", "school budget",
                                         "school will pay"))
    if school_money and (school_explicit or bool(u.amounts) or not u.has(*_PARTNER_FUNDS)):
        return ("district" if district else "school"), None
    if u.has(*_PARTNER_FUNDS) or u.has(*_NEGATED_PAY):
        return "partner", None
    if affirmed(u, "pay", "paid", "cost"):
        return ("district" if district else "school"), None
    return None, None


_OTHER_PAYERS = ("school", "we", "district", "partner", "nonprofit", "non profit", "organization", "org", "us",
                 "our budget", "grant")
_PARTLY = ("whole", "all of", "entire", "full", "just", "only", "half", "part", "rest")
"""Words that make a negation partial: "the PTSA can't cover the whole fee", "doesn't just sponsor it"."""


def _ptsa_declines(u: Understanding) -> bool:
    """"the PTSA isn't paying anything": a clause names the PTSA and wholly negates its paying, and no
    clause says someone pays after all ("isn't hiring the coach, but they are paying for it")."""
    names = [phrase_stems(p) for p in _PTSA]
    roles = [phrase_stems(p) for p in ("pay", "fund", "cover", "sponsor", "hire")]
    partly = [phrase_stems(p) for p in _PARTLY]
    clauses = _clauses(u.text)
    declined = any(any(_negated_in(c, n) is not None for n in names) and any(_negated_in(c, r) is True for r in roles)
                   and not any(_negated_in(c, p) is not None for p in partly) for c in clauses)
    # taken back only when someone pays after all and no one else is named as paying ("isn't hiring the
    # coach, but they are paying for it"); "the school is paying $900" leaves the decline standing
    others = [phrase_stems(p) for p in _OTHER_PAYERS]
    taken_back = any(_negated_in(c, phrase_stems("pay")) is False and not any(_negated_in(c, o) is not None
                                                                            for o in others) for c in clauses)
    return declined and not taken_back


def use_of_space(u: Understanding, about_space: bool) -> str | None:
    """"lease" for long-term use through a lease, "short" for occasional use, else None.

    `about_space`: the message is known to be about space (it says so, or answers "how long will
    the partner use the space?"); durations alone ("all year", "a month") count only then."""
    negated = u.has(*_LEASE_NEGATED)
    # "do they need a lease?" asks; it doesn't say there is one. "a tenant that leases space" does.
    stated = u.has(*_LEASE_STATED) or (u.has(*_LEASE) and not u.has(*_LEASE_QUESTION))
    if not negated and not u.has("short term", "short-term") and (
            stated or (about_space and not u.has(*_LEASE_QUESTION) and u.has(*_LONG_DURATION))):
        return "lease"
    if about_space and (u.has(*_SHORT_USE) or _few_weeks(u) or negated):
        return "short"
    return None


_ORGANISATION = ("organization", "nonprofit", "non profit", "company", "agency", "group", "program", "business",
                 "community based organization")
_ONE_PERSON = ("he", "she", "him", "her", "retired", "neighbor", "grandparent", "grandfather", "grandmother",
               "parent", "individual", "person", "community member", "alum", "alumni", "dad", "mom")


def individual_volunteer(u: Understanding) -> bool:
    """One person helping on their own: named as such, or a person "not with any organization"."""
    if affirmed(u, "organization", "nonprofit", "non profit", "company", "agency"):
        return False
    return u.has(*_INDIVIDUAL_VOLUNTEER) or (negated(u, *_ORGANISATION) and u.has(*_ONE_PERSON))


def read_facts(u: Understanding) -> Facts:
    """Everything the message tells us about payment, space and coordination (read once per message)."""
    return u.memo("agreement_facts", _read_facts)


def _read_facts(u: Understanding) -> Facts:
    ptsa = u.has(*_PTSA)
    payer, conflict = _payer(u, ptsa)
    lease = use_of_space(u, about_space=u.has(*_SPACE) and u.has(*_USE_OF_SPACE))
    volunteer = individual_volunteer(u)
    return Facts(
        payer=payer,
        lease=lease,
        ptsa=ptsa,
        space=lease is not None or (u.has(*_SPACE) and u.has(*_USE_OF_SPACE)),
        amount=max(u.amounts) if u.amounts else None,
        program=u.has(*_PROGRAM),
        individual_volunteer=volunteer,
        conflict=conflict,
    )


MONTH_NAMES = ("january", "february", "march", "april", "june", "july", "august", "september", "october",
               "november", "december")


COUNT_REACH = 3
"""How far after a count its unit may come ("three family movie nights")."""
DAYS = ("day", "evening", "night", "afternoon", "morning", "weekend", "saturday", "sunday", "monday", "tuesday",
        "wednesday", "thursday", "friday", "session", "date")


def _few_weeks(u: Understanding) -> bool:
    """"for 6 weeks", "three weeks", "a couple of months", "two Saturdays", "on saturdays in april":
    under about twelve weeks."""
    months = MONTH_NAMES + ("may",)
    if u.has(*(f"in {m}" for m in months), *(f"during {m}" for m in months), *(f"this {m}" for m in months)):
        return True
    tokens = [t for t in u.tokens if t != "of"]
    for i, number in enumerate(tokens):
        count = int(number) if number.isdigit() else NUMBER_WORDS.get(number)
        # a word or two may sit between: "a few family nights", "two Saturday mornings"
        if count is not None and count <= 12 and any(
                unit.startswith(DAYS) for unit in tokens[i + 1 : i + 1 + COUNT_REACH]):
            return True
    for number, unit in zip(tokens, tokens[1:]):
        count = int(number) if number.isdigit() else NUMBER_WORDS.get(number)
        if count is None:
            continue
        if unit.startswith(("week", "weekend")) and count < 12:
            return True
        if unit.startswith("month") and count < 3:
            return True
    return False


def named_agreements(u: Understanding) -> list[str]:
    """Agreements the message names outright ("MOU", "PSC", ...), in a stable order."""
    return [code for code, names in NAMES.items() if u.has(*names)]


@dataclass(frozen=True)
class Decision:
    """The outcome: an agreement, something else (`outcome`), or a question to ask."""

    agreement: str | None
    reason: str | None = None  # key into the agreement's `why`
    asking: str | None = None  # who_pays | lease | coordinator
    outcome: str | None = None  # building_use_permit | volunteer_process | unclear
    candidates: tuple[str, ...] = ()
    rfq: bool = False


def decide(facts: Facts, rfq_threshold: float = 9999) -> Decision:
    if facts.conflict == "coordinator":
        return Decision(None, asking="coordinator")
    if facts.lease == "lease" and facts.payer in ("school", "district"):
        # a leased partner that is also paid: the department decides
        return Decision(None, outcome="unclear", candidates=(ALIGN, PSC))
    if facts.lease == "lease":
        return Decision(ALIGN, reason="lease")
    if facts.payer == "ptsa":
        return Decision(PTSA, reason="ptsa")
    if facts.payer in ("school", "district"):
        rfq = facts.amount is not None and facts.amount > rfq_threshold
        return Decision(PSC, reason=facts.payer, rfq=rfq)
    if facts.payer == "partner":
        return Decision(MOU, reason="partner")
    if facts.lease == "short":
        return Decision(None, reason="short_use", outcome=PERMIT)
    if facts.individual_volunteer:
        return Decision(None, outcome="volunteer_process")
    if facts.ptsa:
        return Decision(None, asking="coordinator")
    if facts.space:
        return Decision(None, asking="lease")
    return Decision(None, asking="who_pays")


def facts_from_button(question: str, value: str, facts: Facts) -> Facts:
    """Apply a clarifying button's answer to what we knew."""
    if question == "who_pays":
        if value == "space":
            return replace(facts, space=True, conflict=None)
        return replace(facts, payer=value, ptsa=facts.ptsa or value == "ptsa", conflict=None)
    if question == "lease":
        return replace(facts, lease=value, space=True, conflict=None)
    if question == "coordinator":
        return replace(facts, payer=value, conflict=None, ptsa=value == "ptsa" or facts.ptsa)
    return facts


YES = ("yes", "yep", "yeah", "correct", "right", "sure", "it is", "they do", "we do", "true")
NO = ("no", "nope", "not really", "it isn't", "it's not", "they don't", "we don't", "false", "isn't", "not long")


SHORT_ANSWER = 6
"""Loose answers ("the school", "no", "us") count only in a short reply, not inside a new question."""


def answer_from_text(question: str, u: Understanding, facts: Facts) -> Facts | None:
    """Read a typed answer to the question we asked; None if it isn't one."""
    fresh = read_facts(u)
    short = len(u.tokens) <= SHORT_ANSWER
    if question == "lease":
        use = use_of_space(u, about_space=True)
        if use:
            return replace(facts.merge(fresh), lease=use, space=True)
        if short and (u.has(*NO) or u.has("not")):
            return replace(facts, lease="short", space=True)
        if short and u.has(*YES):
            return replace(facts, lease="lease", space=True)
    if question == "coordinator":
        if fresh.payer == "ptsa" or (u.has(*_PTSA) and not u.has("school", "district")):
            return replace(facts, payer="ptsa", ptsa=True, conflict=None)
        if short and u.has("school", "district", "we do", "we pay"):
            return replace(facts, payer="school", conflict=None)
    if question == "who_pays":
        if fresh.payer or fresh.lease or fresh.ptsa or fresh.space:
            return replace(facts.merge(fresh), space=facts.space or fresh.space)
        if short and u.has("school", "district", "we do", "us", "we will", "we are", "our budget"):
            return replace(facts, payer="district" if u.has("district") else "school")
        if short and u.has("partner", "they do", "nonprofit", "organization", "them", "they will", "the org"):
            return replace(facts, payer="partner")
        if short and u.has(*_SPACE):
            return replace(facts, space=True)
    if fresh.known:
        return facts.merge(fresh)
    return None
