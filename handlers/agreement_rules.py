"""Which agreement applies: facts read from a message, and the decision.

Pure functions over an `Understanding`, so every rule is testable without a
database. The order of the rules follows the department's guidance: a lease
means an Alignment Agreement, a PTSA coordinating means PTSA enrichment, the
school or district paying means a PSC, the partner's own funding an MOU.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.nlu import Understanding

PSC, MOU, ALIGN, PTSA = "personal_services_contract", "mou", "alignment_agreement", "ptsa_enrichment"
PERMIT = "building_use_permit"
NAMES = {PSC: ("personal services contract", "psc"), MOU: ("memorandum of understanding", "mou"),
         ALIGN: ("alignment agreement",), PTSA: ("letter of agreement", "ptsa agreement", "ptsa enrichment")}

_NEGATED_PAY = (
    "not pay", "not be pay", "no pay", "don't pay", "dont pay", "won't pay", "wont pay", "doesn't pay",
    "without pay", "unpaid", "not charge", "no charge", "won't charge", "doesn't charge", "no money",
    "not cost", "no cost", "doesn't cost", "free of charge", "at no cost", "zero dollar", "0 dollar",
    "isn't pay", "aren't pay", "never pay", "not being pay", "not going to pay", "not spend",
)
_PARTNER_FUNDS = (
    "own funding", "own fund", "own money", "own budget", "own grant", "its own", "their own", "self fund",
    "grant fund", "fund by a grant", "fund through a grant", "funded by their", "fund by their",
    "free", "no cost", "for free", "volunteer their time", "pro bono", "donat", "at no charge",
    "partner bring", "partner pay", "partner cover", "organization pay", "nonprofit pay", "non profit pay",
    "they pay for", "they cover", "bring their own", "bring its own", "zero dollar", "they fund",
    "partner fund", "own resource", "external fund", "outside fund", "in kind",
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
)
_DONATION = ("donat", "gift to the school", "give us money", "gift us", "grant to the school", "give the school")
_PTSA = ("ptsa", "parent group", "parent association", "parent organization", "parent teacher",
         "booster club", "parents group", "family association", "parent led", "parent run")
_PTSA_ROLE = ("coordinat", "manag", "organiz", "run", "pay", "fund", "sponsor", "host", "arrang", "contract",
              "hire", "set up", "oversee", "handle", "book")
_LEASE = ("lease", "leas", "long term space", "long-term space", "multi year", "several years", "multiple years",
          "for years", "year round space", "office in our building", "office space", "dedicated space",
          "permanent space", "space all year", "whole school year", "entire school year", "full year",
          "rent space long", "rent a classroom for the year", "long term", "occupy", "tenant", "co locat")
_SHORT_USE = ("one evening", "one night", "one day", "one time", "once a", "a weekend", "weekend", "occasional",
              "hourly", "by the hour", "a few weeks", "few hours", "an event", "for an event", "one event",
              "single event", "short term", "short-term", "a couple of weeks", "two weeks", "ten weeks",
              "a night", "an afternoon", "one saturday", "rent the gym", "rent our gym", "use the gym",
              "use our gym", "borrow", "building use", "facility rental", "rent the auditorium", "rent a room",
              "use the cafeteria", "use our cafeteria", "use the auditorium", "use a room", "rent the cafeteria",
              "summer camp", "tournament", "meeting space", "evenings a month", "two evenings", "once a month",
              "a few evenings", "evening a week", "twice a month")
_SPACE = ("space", "room", "classroom", "gym", "building", "auditorium", "cafeteria", "field", "portable",
          "office", "facility", "facilities")
_PROGRAM = ("student", "program", "class", "tutor", "mentor", "teach", "serve", "serving", "instruct", "club",
            "workshop", "lesson", "service")
_INDIVIDUAL_VOLUNTEER = ("individual volunteer", "parent volunteer", "volunteer on their own", "volunteer on my own",
                         "not part of an organization", "want to volunteer", "wants to volunteer",
                         "community volunteer", "volunteer individually")
_DIFFERENCE = ("difference between", "differ", "compare", "vs", "versus", "or a")
_TEMPLATE = ("template", "where is", "where can i find", "where do i find", "copy of", "form", "download", "link")
_DOCUMENTS = ("document", "paperwork", "what do i need", "what does", "require", "need for", "checklist",
              "what is needed", "needed", "submit", "insurance", "w 9", "business license")


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
    conflict: str | None = None  # coordinator | lease_and_paid

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
            conflict=None,
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


def _payer(u: Understanding, ptsa: bool) -> tuple[str | None, str | None]:
    """Who pays: (payer, conflict). Explicit statements beat loose words like "free"."""
    ptsa_pays = ptsa and (u.has(*_PTSA_ROLE) or u.has("pay", "fund", "hire", "contract", "sponsor"))
    school_explicit = u.has(*_SCHOOL_EXPLICIT)
    donation = u.has(*_DONATION)
    school_money = school_explicit or u.has(*_SCHOOL_PAYS) or (bool(u.amounts) and not donation)
    if ptsa_pays:
        return "ptsa", ("coordinator" if u.has(*_SCHOOL_IS_PAYER) else None)
    if u.has(*_WE_DONT_PAY) or donation:
        return "partner", None
    district = u.has("district pay", "district fund", "district money", "pay by the district", "central office",
                     "district will pay", "district is pay", "district would pay") or (
        u.has("district") and not u.has("school pay", "we pay", "our budget", "school fund", "school budget",
                                         "school will pay"))
    if school_money and (school_explicit or bool(u.amounts) or not u.has(*_PARTNER_FUNDS)):
        return ("district" if district else "school"), None
    if u.has(*_PARTNER_FUNDS) or u.has(*_NEGATED_PAY):
        return "partner", None
    if u.has("pay", "paid", "cost"):
        return ("district" if district else "school"), None
    return None, None


def read_facts(u: Understanding) -> Facts:
    """Everything the message tells us about payment, space and coordination."""
    ptsa = u.has(*_PTSA)
    payer, conflict = _payer(u, ptsa)
    lease: str | None = None
    if u.has(*_LEASE) and not u.has("short term", "short-term", "not long term"):
        lease = "lease"
    elif u.has(*_SHORT_USE) or _few_weeks(u):
        lease = "short"
    space = lease is not None or u.has(*_SPACE)
    if lease == "lease" and payer in ("school", "district") and u.has(*_PROGRAM):
        conflict = "lease_and_paid"
    return Facts(
        payer=payer,
        lease=lease,
        ptsa=ptsa,
        space=space and lease is not None,
        amount=max(u.amounts) if u.amounts else None,
        program=u.has(*_PROGRAM),
        individual_volunteer=u.has(*_INDIVIDUAL_VOLUNTEER) and not u.has("organization", "nonprofit", "non profit"),
        conflict=conflict,
    )


def _few_weeks(u: Understanding) -> bool:
    """"for 6 weeks", "3 months": use shorter than about twelve weeks."""
    tokens = u.tokens
    for number, unit in zip(tokens, tokens[1:]):
        if number.isdigit():
            if unit.startswith("week") and int(number) < 12:
                return True
            if unit.startswith("month") and int(number) < 3:
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
    if facts.conflict == "lease_and_paid":
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


def answer_from_text(question: str, u: Understanding, facts: Facts) -> Facts | None:
    """Read a typed answer to the question we asked; None if it isn't one."""
    fresh = read_facts(u)
    if question == "lease":
        if fresh.lease:
            return facts.merge(fresh)
        if u.has(*NO) or u.has("not"):
            return replace(facts, lease="short", space=True)
        if u.has(*YES):
            return replace(facts, lease="lease", space=True)
    if question == "coordinator":
        if fresh.payer == "ptsa" or (u.has(*_PTSA) and not u.has("school", "district")):
            return replace(facts, payer="ptsa", ptsa=True, conflict=None)
        if u.has("school", "district", "we do", "we pay"):
            return replace(facts, payer="school", conflict=None)
    if question == "who_pays":
        if fresh.payer or fresh.lease or fresh.ptsa:
            return facts.merge(fresh)
        if u.has("school", "district", "we do", "us"):
            return replace(facts, payer="school")
        if u.has("partner", "they do", "nonprofit", "organization", "them"):
            return replace(facts, payer="partner")
        if u.has(*_SPACE):
            return replace(facts, space=True)
    if fresh.known:
        return facts.merge(fresh)
    return None
