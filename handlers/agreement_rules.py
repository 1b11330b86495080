"""Which agreement applies: the case's facts, each with the user's words it came from, and the decision.

What a message states (who pays the partner, how the partner uses space) is read clause by clause
by models taught from examples (bot/understanding/facts.py, knowledge/facts/). This module turns
those readings into the case's facts, with their evidence, and decides. Weak, conflicting or
missing evidence is asked about or confirmed, never concluded; a name supplies no fact; "not
sure yet" stays unknown. The order of the rules follows the department's guidance: a lease means
an Alignment Agreement, a PTSA coordinating means PTSA enrichment, the school or district paying
means a PSC, the partner's own funding (or a third party paying the partner directly) an MOU, one
person volunteering on their own the district's volunteer process.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any, Sequence

from bot.text import contains, phrase_stems, spellings, stem, words
from bot.understanding import Understanding
from bot.understanding.facts import (AUXILIARIES, HEDGE_ASIDE, HEDGES, INFERRED, PAST, TO_COME, WHEN_IT_STARTED,
                                     WITHDRAWN, ClauseReading, Fact, families_open, listed_subjects, names_a_party,
                                     on_condition, opens_on_a_condition, opens_with_they, reports_another, standing,
                                     without_company_names, without_openers)

PSC, MOU, ALIGN, PTSA = "personal_services_contract", "mou", "alignment_agreement", "ptsa_enrichment"
PERMIT = "building_use_permit"
NAMES = {PSC: ("personal services contract", "psc"), MOU: ("memorandum of understanding", "mou"),
         ALIGN: ("alignment agreement",), PTSA: ("letter of agreement", "ptsa agreement", "ptsa enrichment")}

PAYER, SPACE = "payer", "space"
PAYERS = ("school", "partner", "ptsa", "volunteer")
PAID_BY = {"school": PSC, "ptsa": PTSA}
"""Payers whose money makes the agreement: with a lease as well, the department decides (facts.md)."""
UNKNOWN = "unknown"
USES = ("lease", "short")
USE_OF_SPACE = "use"
"""The space model's value for "uses space, for how long not said": the advisor asks how long."""
OUTWEIGHS = 0.9
"""A reading this sure outweighs others that are each too weak to decide (below STRONG)."""
STRONG = 0.6
"""A reading at least this sure is stated; a weaker one is confirmed before anything is concluded."""
DOUBT = 0.3
"""A clause whose reading of a slot is this likely, though below a fact's floor, leaves that slot in doubt:
what would be concluded without it (a lease alone, short use alone) is asked about instead."""
NOT_SCHOOL, NOT_PARTNER = "not_school", "not_partner"

GRANT_APPLICATION = ("grant application", "applying for a grant", "apply for a grant", "applies for a grant",
                     "grant proposal", "name our school in a grant", "in their grant", "in a grant", "on a grant",
                     "write a grant", "writing a grant", "intent to apply")
_GRANT_WORK = ("apply", "application", "applying", "proposal", "write", "writing", "submit", "submitting",
               "name", "naming", "list", "listing", "partner school", "letter of support", "funder")
_DIFFERENCE = ("difference between", "differ", "compare", "vs", "versus")
_ABOUT_THE_PAPERWORK = ("how long", "deadline", "approval", "approve", "submit", "reuse", "renew", "who sign",
                        "turnaround", "due", "template", "form", "copy of", "link", "document", "paperwork")
"""Words of a question about both agreements' paperwork ("can I reuse last year's MOU or PSC template?",
"how long does approval take for an MOU or PSC?"), which is not a choice between them."""
_TEMPLATE = ("template", "where is", "where can i find", "where do i find", "copy of", "form", "download", "link")
_DOCUMENTS = ("document", "paperwork", "what do i need", "what does", "require", "need for", "checklist",
              "what is needed", "needed", "submit", "insurance", "w 9", "business license")
_LEASE_QUESTION = ("need a lease", "need lease", "require a lease", "required to lease", "have to lease",
                   "have to sign a lease", "should we lease", "should they lease", "do a lease", "sign a lease",
                   "get a lease", "is a lease", "would a lease", "does a lease", "need an alignment",
                   "require an alignment", "is it an alignment", "alignment agreement required")
_PROGRAM = ("student", "program", "class", "tutor", "mentor", "teach", "serve", "serving", "instruct", "club",
            "workshop", "lesson", "service")


@lru_cache(maxsize=1)
def _choices() -> tuple[str, ...]:
    """"MOU or PSC", "an MOU or a PSC", ... for every pair of agreement names."""
    names = [name for code_names in NAMES.values() for name in code_names]
    return tuple(f"{a} or {article}{b}" for a in names for b in names if a != b for article in ("", "a ", "an "))


def asks_which_of(u: Understanding, named: list[str]) -> bool:
    """Two agreements named as alternatives ("MOU or PSC for a yoga org?", "do we need an MOU or PSC",
    "for a tutoring nonprofit, MOU or PSC?"): both are shown, then the facts decide."""
    return len(named) >= 2 and u.has(*_choices()) and not u.has(*_ABOUT_THE_PAPERWORK)


THEY_PAYER = {"parents": "ptsa", "organisation": "partner"}
"""Who "they" pays as, by the kind of party "they" names."""


_PAYER_APART = re.compile(r"\b(?:school|schools|district|us|we|our|budget|invoice|invoices|billed|bills|paid)\b", re.I)
"""Words that put the payer apart from "they" ("they invoice the school", "they'll be paid from our budget")."""


_SELF_FUNDED = re.compile(r"\b(?:own|themselves|itself)\b", re.I)
""""They bring their own funding": whoever they are, the one who comes pays for itself (the partner)."""


def _they_pay(said: str) -> bool:
    """"they're paying", "they said they'd cover it": "they" is who pays (not in "they invoice the school")."""
    return opens_with_they(without_openers(said)) and not _PAYER_APART.search(said)  # "yes they're paying"


def they_named_nobody(u: Understanding, facts: Facts) -> Facts:
    """"They're paying for everything. Which agreement?": "they" in a case's first words, before anyone is named,
    so what was read is confirmed before anything is decided."""
    said = facts.evidence.get(PAYER, "")
    first = next((clause.words for clause in u.clauses if clause.scores), None)
    if facts.payer and not facts.weak and not facts.parties and said == first and _they_pay(said) \
            and not _SELF_FUNDED.search(said):
        return replace(facts, weak=PAYER)
    return facts


@dataclass(frozen=True)
class Facts:
    """What we know about the partnership so far (None = not said), with the words each fact came from."""

    payer: str | None = None  # school | partner | ptsa | volunteer
    lease: str | None = None  # lease | short
    space: bool = False  # the case is about using space (how long may not be said yet)
    amount: float | None = None
    program: bool = False
    conflict: str | None = None  # coordinator (the school and a PTSA both said to pay) | payer | space
    unsure: str | None = None  # the question the user said they can't answer yet
    weak: str | None = None  # a slot read without enough confidence: confirmed before deciding
    evidence: dict[str, str] = field(default_factory=dict)  # slot -> the user's words
    contested: tuple[str, ...] = ()  # the words of readings that disagree (a conflict)
    doubt: tuple[str, ...] = ()  # slots a clause hints at without stating them
    denied: tuple[str, ...] = ()  # payers said not to pay ("not the school"): never offered again
    parties: tuple[str, ...] = ()  # kinds of party named so far (parents, organisation): who "they" may be
    parents_speak: bool = False  # the case is told by a PTSA or parent group officer: "we" / "us" is theirs
    partner_speaks: bool = False  # the case is told by the partner: "we" is the organisation
    no_lease: bool = False  # a lease denied in so many words ("no lease, they just come in each week")
    told: str = ""  # a message telling several programs, the one asked about read from it: "and for the chess one?"
    reported: bool = False  # who pays was read from someone else's words ("the treasurer told me the school pays")

    def merge(self, newer: "Facts") -> "Facts":
        """Later answers win, with their evidence; being about space is never forgotten."""
        newer = self._they_read(newer)
        newer = self._reports_weighed(newer)
        newer = self._rest_of_a_share(newer)
        if newer.weak == PAYER and newer.payer == self.payer and not self.weak:
            newer = replace(newer, weak=None)  # "oh wait, it's actually going to be $15,000": read weakly, as before
        if newer.payer == "volunteer" and self.payer in PAID_BY and not newer.weak:
            # "she's an individual, not a company" after "we pay a dance instructor": one person who is paid
            newer = replace(newer, payer=None, evidence={k: v for k, v in newer.evidence.items() if k != PAYER})
        if (self.parents_speak or newer.parents_speak) and newer.payer == "school" \
                and _ours(newer.evidence.get(PAYER, "")):
            # "I'm the PTSA president at Bryant ... which agreement?" ... "us": the PTSA pays
            newer = replace(newer, payer="ptsa")
        rest_told = self.payer == "school" and bool(_A_SHARE.search(self.evidence.get(PAYER, ""))) and newer.payer in (
            "partner", None) and bool(_THE_REST.search(newer.evidence.get(PAYER, "")))
        if rest_told:
            # "the district's arts office is paying for part of it" ... "the nonprofit covers the rest": who pays the
            # rest, not a correction; the school's share keeps it a PSC
            newer = replace(newer, payer=None, unsure=None, weak=None,
                            evidence={k: v for k, v in newer.evidence.items() if k != PAYER})
        payer_new = newer.payer is not None or newer.conflict in ("coordinator", PAYER) or newer.unsure == "who_pays"
        lease_new = newer.lease is not None or newer.conflict == SPACE or newer.no_lease  # "no lease" takes one back
        payer = newer.payer if payer_new else self.payer
        lease = newer.lease if lease_new else self.lease
        # a slot to confirm stays so until it is answered ("free for us" after "a lease, is that right?"), while the
        # decision still rests on it
        kept_weak = self.weak if (self.weak == PAYER and not payer_new and lease != "lease"
                                  or self.weak == SPACE and not lease_new
                                  and (lease == "lease" or lease == "short" and payer is None)) else None
        if rest_told:
            kept_weak = None  # the school's share, with who pays the rest now said, decides
        evidence = dict(self.evidence)
        for slot, fresh in ((PAYER, payer_new), (SPACE, lease_new)):
            if fresh:
                evidence.pop(slot, None)
        evidence.update(newer.evidence)
        return Facts(
            payer=payer,
            lease=lease,
            space=self.space or newer.space,
            amount=newer.amount if newer.amount is not None else self.amount,
            program=self.program or newer.program,
            conflict=newer.conflict,
            unsure=newer.unsure,
            weak=newer.weak or kept_weak,
            evidence=evidence,
            contested=newer.contested,
            doubt=tuple(slot for slot in dict.fromkeys(self.doubt + newer.doubt)
                        if not (slot == PAYER and (payer_new or self.payer)) and not (slot == SPACE and lease_new)),
            denied=tuple(dict.fromkeys(self.denied + newer.denied)) if not payer_new else newer.denied,
            parties=tuple(sorted(set(self.parties) | set(newer.parties))),
            parents_speak=self.parents_speak or newer.parents_speak,
            partner_speaks=self.partner_speaks or newer.partner_speaks,
            no_lease=newer.no_lease,
            told=newer.told or self.told,
            reported=newer.reported if payer_new else self.reported,
        )

    def _reports_weighed(self, newer: "Facts") -> "Facts":
        """A later report of another payer ("hmm, our bookkeeper says the school is paying for it though") after a
        report ("the PTSA president says they'll pay") disputes it; it does not correct it: both are asked about. The
        writer's own word ("ok the principal is right, school pays", "actually the treasurer says ...") decides, and a
        report after the writer's own word updates it ("wait, the principal just told me the school is covering it")."""
        if not (newer.reported and self.reported and newer.payer and self.payer and newer.payer != self.payer):
            return newer
        said, before = newer.evidence.get(PAYER, ""), self.evidence.get(PAYER, "")
        conflict = "coordinator" if {newer.payer, self.payer} == {"school", "ptsa"} else PAYER
        return replace(newer, payer=None, weak=None, conflict=conflict, contested=(before, said))

    def _rest_of_a_share(self, newer: "Facts") -> "Facts":
        """"a foundation is paying part of the coding camp" (asked) ... "the rest is the PTSA": two payers outside the
        school share the cost, which tells no agreement by itself, so it is asked. (The school paying the rest is
        read with the share as one message: see `completes_a_share`.)"""
        share = self.evidence.get(PAYER, "")
        shared = self.payer is None and self.unsure == "who_pays" and bool(_A_SHARE.search(share))
        if not shared or newer.payer not in ("partner", "ptsa") or not _THE_REST.search(newer.evidence.get(PAYER, "")):
            return newer
        return replace(newer, payer=None, weak=None, unsure=None, conflict=PAYER,
                       contested=(share, newer.evidence[PAYER]))

    def _they_read(self, newer: "Facts") -> "Facts":
        """A later answer whose payer is "they", naming nobody, read against the parties named before: after a
        parent body and an organisation ("the PTSA has been talking with the drama folks" ... "they said they'd
        cover it") either may pay, so it is asked; after one of them, a payer other than that one is confirmed
        ("the PTSA is thinking about it" ... "board voted yes, they're paying" read as the school)."""
        said = newer.evidence.get(PAYER, "")
        if newer.payer is None or newer.parties or not _they_pay(said):
            return newer
        if len(self.parties) > 1:
            return replace(newer, payer=None, weak=None, unsure="who_pays")
        if self.parties and THEY_PAYER[self.parties[0]] != newer.payer and not newer.weak:
            return replace(newer, weak=PAYER)
        return newer

    def without(self, slot: str) -> "Facts":
        """The case with one fact taken back ("that's not what I meant")."""
        evidence = {k: v for k, v in self.evidence.items() if k != slot}
        if slot == PAYER:
            return replace(self, payer=None, conflict=None, weak=None, unsure=None, evidence=evidence)
        return replace(self, lease=None, conflict=None, weak=None, unsure=None, evidence=evidence)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v not in (None, False, {}, (), "")}
        for key in ("contested", "doubt", "denied", "parties"):
            if key in out:
                out[key] = list(out[key])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Facts":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "evidence" in known:
            known["evidence"] = {str(k): str(v) for k, v in dict(known["evidence"]).items()}
        for key in ("contested", "doubt", "denied", "parties"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)

    @property
    def known(self) -> bool:
        return bool(self.payer or self.lease or self.conflict)


@dataclass(frozen=True)
class Reading:
    """One slot, resolved over a message's clauses."""

    value: str | None = None
    fact: Fact | None = None
    conflict: tuple[Fact, ...] = ()
    denied: frozenset[str] = frozenset()
    doubted: Fact | None = None  # the clause that leaves the value not known ("it's grant funded": whose grant?)

    @property
    def unknown(self) -> bool:
        return self.doubted is not None


def resolve(facts: list[Fact], positive: tuple[str, ...]) -> Reading:
    """The value the message states for a slot. A clause that corrects ("actually", "but now", "no,
    ...") replaces what came before it; what a clause denies ("not the PTSA") is never the value;
    two different values left standing are a conflict."""
    # news of another claim ("now the PTSA president says ...") after a claim disputes it, as a correction does not
    corrections = [f.clause for f in facts if f.correcting and (f.value in positive or f.value == UNKNOWN)
                   and not (f.news and reports_another(f.words))]
    if corrections:
        facts = [f for f in facts if f.clause >= corrections[-1]]
    denied = frozenset(f.value[len("not_"):] for f in facts if f.value.startswith("not_"))
    stated = [f for f in facts if f.value in positive and f.value not in denied]
    values = list(dict.fromkeys(f.value for f in stated))
    doubted = next((f for f in facts if f.value == UNKNOWN and not supposes(f.words)), None)
    if len(values) > 1:
        firsts = [max((f for f in stated if f.value == v), key=lambda f: f.confidence) for v in values]
        surest = max(firsts, key=lambda f: f.confidence)
        reports = sum(reports_another(f.words) for f in firsts)  # two claims that differ are disputed, however
        # surely either was read ("the AP says the PTSA pays her, while the treasurer thinks the school does")
        if surest.confidence >= OUTWEIGHS and reports < 2 and not splits_the_cost(firsts) and all(
                f.confidence < STRONG for f in firsts if f is not surest):
            # "it's free for families (weak: free to whom?), but we're paying the org out of our building
            # funds (sure)": a reading too weak to decide alone does not contest a sure one
            return Reading(surest.value, surest, denied=denied, doubted=doubted)
        return Reading(conflict=tuple(firsts), denied=denied, doubted=doubted)
    if values and doubted is not None and reports_another(doubted.words) and any(
            reports_another(f.words) for f in stated):
        return Reading(denied=denied, doubted=doubted)  # one says the school pays, another leaves it unclear: asked
    if values:
        best = max(stated, key=lambda f: f.confidence)
        return Reading(best.value, best, denied=denied, doubted=doubted)
    return Reading(denied=denied, doubted=doubted)


_DISTRICT = re.compile(r"\b(?:district|district's|central office|central)\b", re.I)


_QUESTION_WORDS = frozenset("agreement agreements contract contracts paperwork form forms document type kind which what "
                            "whats should would could does do did use be on apply applies need needed get go under set up "
                            "have has sign we i our us they them the a an for this that it is are there right best now "
                            "year years next last semester term week month fall spring winter summer school about pay "
                            "pays paid paying cover covers covered fund funds funded organize organizes run "
                            "runs".split())
"""Words of a question for the agreement that do not say which program it is about (nor when)."""


def _of_the_one_asked(u: Understanding, facts: list[Fact]) -> tuple[list[Fact], set[int] | None]:
    """"Pine & Pixel is paid from LAP, Kestrel Theatre Lab by the PTSA, and the swim project by a county grant it
    receives. Which agreement should the swim project be on?": several programs paid differently, and the question
    names one; only the clauses about it decide (structure rule). When the question names none, or names words of
    clauses that disagree, every clause counts (and differing payers are asked). "The robotics guild we pay out of
    Title I ... but what about the PTSA's art class?" turns to another program: what was said before it is not its
    case. Also the clauses about the program asked (None: every clause), whose use of space counts."""
    # "..., and for the chess one?", "... and the drumming?" said last, or "for the garden one, which agreement?"
    clauses = list(u.clauses)
    asking = [c for i, c in reversed(list(enumerate(clauses))) if _asks_for_one(c.words) or (
        i == len(clauses) - 1 and (_FOR_ONE.match(_bare(c.words)) or _and_a_program(_bare(c.words))
                                    or u.text.rstrip().endswith("?") and _NAMED_ALONE.fullmatch(_bare(c.words)))
        or i + 1 < len(clauses) and _asks_for_one(clauses[i + 1].words) and (
            _FOR_ONE.match(c.words) or len(c.words.split()) <= NAME_WORDS and not c.states()))]
    # "What about Treehouse, which agreement?": the clause that names the program, if one does
    asked = next((c for c in asking if _program_words(c.words)), asking[0] if asking else None)
    if asked is None or splits_the_cost(facts):
        return facts, None  # "We pay about a third and a local nonprofit covers the rest. ... for the nonprofit?": the
        # shares of one cost are one program's, whoever the question names
    named = _program_words(asked.words)
    about = [f for f in facts if f.clause != asked.index and named & _word_stems(f.words)]
    telling = _telling_words([c for c in clauses if c.index != asked.index], named - _NOT_A_PROGRAM)
    told = _told_of(clauses, asked.index, telling)
    said = {f.value for f in facts if f.value in PAYERS or f.value == UNKNOWN}  # "... we're not sure yet who's paying"
    if told and (len(said) > 1 or any(clauses[i].listed for i in told)):
        # several programs told (paid differently, or items of a list), one asked about: only what is said of it
        # counts, and when nothing is said of who pays for it, that is asked; another program's payer is never its
        # case ("Sunrise Yoga is free ..., and the soccer coach is paid by the school" ... "and Sunrise Yoga?")
        of_it = [f for f in facts if f.clause in told]
        if len({f.value for f in of_it if f.value in PAYERS}) <= 1:
            return of_it, told
    paid = [f for f in facts if f.value in PAYERS]
    listed_with = set().union(*(_program_words(c.words) for c in clauses if c.index in told)) - named
    if told and paid and not any(f.clause in told for f in paid) and all(
            _program_words(f.words) & listed_with or _of_another_program(f.words, telling) for f in paid):
        # "drumming residency and a garden club this year, PTSA pays for the garden club. which agreement for the
        # drumming?": who pays was said of another program named with it, never of the one asked about; nor when
        # the program asked about is told apart from every payer ("The PTSA pays the art teacher ... The new soccer
        # program starts in January. Which agreement for soccer?")
        return [], told
    if telling and named & _PROGRAM_NOUNS and not told and paid and telling.isdisjoint(_PROGRAM_NOUNS) and all(
            _of_another_program(f.words, telling) for f in paid):
        # "The PTSA funds the robotics club at Bagley. Which agreement for the new debate club?": the program asked
        # about is told nowhere, and who pays was said of another one
        return [], set()
    if not about and named and _WHAT_ABOUT.search(asked.words):
        later = [f for f in facts if f.clause >= asked.index]
        return later, {f.clause for f in later}
    if len({f.value for f in facts if f.value in PAYERS}) < 2:
        # "Sunrise Coop leases our wing ..., and separately the PTSA pays Kestrel Chess ... For Sunrise?": the program
        # asked about is told by its use of space, and who pays was said of another one
        by_space = {c.index for c in clauses
                    if c.index != asked.index and c.fact(SPACE) is not None and named & _word_stems(c.words)}
        elsewhere = [f for f in facts if _names_another(f.words, named)]  # "the PTSA pays Kestrel Chess"
        if by_space and not about and elsewhere:
            return [], by_space
        # "and for Kestrel Chess?" then: who pays for it is said, and the lease was another program's
        if about and any(c.fact(SPACE) is not None and _names_another(c.words, named) for c in clauses):
            return about, {f.clause for f in about}
        return facts, None
    if about and len({f.value for f in about if f.value in PAYERS}) == 1:
        return about, {f.clause for f in about}
    return facts, None


_NOT_A_PROGRAM = frozenset("she he her him they them their it its this that psc mou alignment ptsa pta enrichment "
                           "agreement letter contract partner org organization organisation program programs district "
                           "school need right one new next other another".split())
"""Words of a question that name no program ("what agreement does she need?", "PSC right?")."""
_PRONOUN_LED = re.compile(r"\s*(?:and\s+|so\s+|but\s+)?(?:they|they're|theyre|it|it's|its|she|he)\b", re.I)


def _told_of(clauses: list[ClauseReading], asked: int, telling: set[str]) -> set[int]:
    """The clauses that tell of the program asked about: those naming it by its telling words (`_telling_words`), and
    one right after that opens with a pronoun for it ("A nonprofit runs a food pantry here. They fund it
    themselves.")."""
    others = [c for c in clauses if c.index != asked]
    told = {c.index for c in others if telling & _word_stems(c.words)}
    return told | {c.index for c in clauses if c.index - 1 in told and c.index != asked and _PRONOUN_LED.match(c.words)}


_PROGRAM_NOUNS = frozenset(stem(w) for w in (
    "program class club team league residency camp lesson workshop course tutor teacher instructor coach artist "
    "mentor educator counselor musician dancer muralist therapist clinician specialist pathologist psychologist "
    "nurse interpreter facilitator").split())
"""Words that name a program or who runs it ("the yoga instructor", "the after-school art class", "our art
therapist")."""


def _of_another_program(said: str, telling: set[str]) -> bool:
    """The clause names a program ("the yoga instructor", "the after-school art class"), and not the one asked
    about: "our donors cover all costs" names none, so it is said of every program."""
    stems = _word_stems(said)
    return bool(stems & _PROGRAM_NOUNS) and not telling & stems


def names_an_untold_program(text: str, told: str) -> bool:
    """"same for the new drama club?" after "debate team coach is paid by the PTSA and the 3D-printing club is paid by
    the school": the follow-up names a program by a word the message that told the others never said, whatever word
    ("club") it shares with one of them."""
    distinct = _program_words(text) - _NOT_A_PROGRAM - _PROGRAM_NOUNS
    return bool(distinct) and not distinct & _word_stems(told)


def _telling_words(others: list[ClauseReading], named: set[str]) -> set[str]:
    """The words of the question that tell its program apart: not one said of programs told differently, when the
    question has another ("club" of "the chess club that our PTSA pays" and "the nature club which is free" does not
    name "the nature club"; nor of "a garden club (PTSA pays)" and "a new coding club" "the coding club"), and not a
    word any program may be called ("club", "coach") when the question has a word of its own ("debate")."""
    told_as = {w: {_payer_said(c) for c in others if w in _word_stems(c.words)} for w in named}
    distinct = {w for w in named if len(told_as[w]) < 2} or named
    # "Which agreement for the new debate club?" after "The PTSA funds the robotics club": "club" names both
    return distinct - _PROGRAM_NOUNS or distinct


def _payer_said(clause: ClauseReading) -> str | None:
    fact = clause.fact(PAYER)
    return fact.value if fact is not None else None


def _names_another(said: str, named: set[str]) -> bool:
    """The clause names a program by a capitalised name that is not the one asked about ("Kestrel Chess")."""
    return any(stem(w.lower()) not in named for w in _TITLE_WORDS.findall(said.split(" ", 1)[-1]))


_TITLE_WORDS = re.compile(r"\b[A-Z][a-z][\w'-]*")
NAME_WORDS = 3
"""A clause this short that states nothing, before the question, names the program asked about ("For Sunrise,
which agreement?")."""


def _program_words(said: str) -> set[str]:
    """The words of a question that may name a program ("the swim project" in "which agreement should the swim project
    be on?")."""
    return {stem(w) for w in words(said) if len(w) > 2 and w not in _QUESTION_WORDS and w not in _JOINING}


def _word_stems(said: str) -> set[str]:
    """Words without a plural's "s", to match a program named again ("the swim project", "swim projects")."""
    return {stem(w) for w in words(said)}


_JOINING = frozenset("and but also then one ones the for with from into".split())
"""Words that join or point ("and for the chess one"), never a program's."""


def _asks_for_one(said: str) -> bool:
    """A clause that asks for the agreement ("which agreement should the swim project be on?") or turns to another
    program ("but what about the PTSA's art class?")."""
    return (bool(_ASKS_FOR_AN_AGREEMENT.search(said)) or bool(_WHAT_ABOUT.search(said))) \
        and said.split()[0].lower() in _QUESTION_OPENERS or bool(_AGREEMENT_FOR.match(said))


_AND_THE = re.compile(r"and\s+(?:(?:(?:the|our|that)\s+)?\S+(?:\s+\S+)?(?:\s+ones?)?"
                      r"|(?-i:[A-Z])\S*(?:\s+(?-i:[A-Z])\S*){0,3})", re.I)
"""A program named alone after "and" ("and the drumming?", "and the steel drum one", "and Hmong Youth Voices?", "and
chess"), at the end of what was said."""
_AND_A_LONGER_NAME = re.compile(r"and\s+(?:(?:the|our|that)\s+)?(?:\S+\s+){2}(\S+)", re.I)


def _and_a_program(words: str) -> bool:
    """"and the drumming?", or a program's three words ending with what it is ("and the social skills coach?")."""
    longer = _AND_A_LONGER_NAME.fullmatch(words)
    return bool(_AND_THE.fullmatch(words)) or longer is not None and stem(longer.group(1).lower()) in _PROGRAM_NOUNS


_NAMED_ALONE = re.compile(r"(?:(?:the|our|that)\s+)?\S+(?:\s+\S+)?(?:\s+ones?)?", re.I)
"""A program named alone as the last question ("... the robotics class?", "chess coach?")."""


def _bare(words: str) -> str:
    """A clause without its openers ("ok and the drumming group?" -> "and the drumming group") and end marks."""
    return re.sub(r"^(?:(?:ok|okay|so|oh|um|hmm|now|same|and\s+same)\b[\s,]*)+", "", words.strip(" ?.!"),
                  flags=re.I)


_FOR_ONE = re.compile(r"(?:and\s+|but\s+|so\s+)?(?:for|about|re|regarding)\s+(?:(?:the|our|that|this)\s|(?-i:[A-Z])"
                      r"|[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s*(?:\??$|,|\s(?:which|what)\b))", re.I)
"""A program named on its own before the question about it ("For the drumming one, which agreement?", "For robotics
which agreement?")."""
_QUESTION_OPENERS = frozenset("which what whats what's does do should would is are can but and".split())
_WHAT_ABOUT = re.compile(r"\b(?:what|how)\s+about\b", re.I)
_AGREEMENT_FOR = re.compile(r"\s*(?:" + "|".join(map(re.escape, spellings("agreement", "contract"))) + r")s?\s+for\b",
                            re.I)
"""A question asked in a note's few words: "agreement for zumba", "agmt for the bike club?"."""
_ASKS_FOR_AN_AGREEMENT = re.compile(
    r"\b(?:" + "|".join(map(re.escape, spellings("agreement", "contract", "paperwork"))) + r")s?\b|\bneed(?:ed)? for\b",
    re.I)


_DISAGREE = re.compile(r"\b(?:disagree|disagrees|disagreeing|don'?t agree|do not agree|doesn'?t agree|conflicting|"
                       r"contradict\w*|different answers|different stories)\b", re.I)
"""Words saying who pays is disputed: asked, however surely one side was read."""
_UNSETTLED_WORDS = r"(?:approved|final|finali[sz]ed|confirmed|official|decided|settled|voted(?:\s+on)?|signed off)"
_NOT_SETTLED = re.compile(r"\bpending\b|\bundecided\b|\bup in the air\b|\bdecisions?\s+(?:come|comes)\s+out\b"
                          # "Discretionary would cover the chess coach once BLT approves it next month"
                          r"|\b(?:once|after|until)\s+(?:\S+\s+){1,3}?"
                          r"(?:approves?|signs?\s+off|votes?|okays?|decides?)\b"
                          r"|\bnot (?:yet )?(?:been )?" + _UNSETTLED_WORDS
                          + r"\b|\b(?:hasn't|haven't|has not|have not|hasnt|havent|isn't|isnt|is not|aren't|arent|"
                          r"are not|wasn't|wasnt)\s+(?:yet\s+)?(?:been\s+)?"
                          + _UNSETTLED_WORDS + r"\b|\b(?:nothing|no one|nobody)(?:'s|\s+has|\s+is)\s+(?:been\s+)?"
                          + _UNSETTLED_WORDS + r"\b", re.I)
"""Words that say what was said is not settled yet: whoever was named, who pays is asked."""
_HEDGED = re.compile(r"\b(?:probably|possibly|maybe|perhaps|might|likely|supposedly|apparently|presumably|prolly|"
                     r"supposed to|(?:that|which|this)\s+means|i\s+(?:assume|guess|figure|suppose)|"
                     r"i'?m\s+(?:assuming|guessing)|must\s+be|i\s+thought)\b"
                     r"(?!\s*(?:\$|\d|around|about|roughly))"
                     r"|,\s*(?:right|yeah|correct)\W*$", re.I)
"""Words that leave what the clause states unsure: it is confirmed before it decides ("maybe $3k" hedges an amount;
"the school is supposed to" says what someone expects, not what was agreed; "the org is called Garfield Community
Foundation, that means the foundation pays" reasons from a name, which is no fact; "I thought ..." is a belief;
"..., right?" asks to be told)."""
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")  # "through October", "thru mid nov"
_GONE_BY = (r"(?:up\s+)?until\s+\w+|(?:\w+\s+){1,2}ago|(?:back\s+)?in\s+(?:the\s+)?20\d\d(?:[-/]\d\d(?:\d\d)?)?"
            r"|during\s+(?:the\s+)?20\d\d(?:[-/]\d\d(?:\d\d)?)?"
            r"|(?:through|thru)\s+(?:(?:mid|early|late|the\s+end\s+of)[\s-]+)?" + _MONTHS +
            r"|before\s+(?:thanksgiving|winter\s+break|spring\s+break|the\s+break|the\s+holidays|" + _MONTHS + r")")
"""A time gone by, before or after a payment said in the past ("until October", "two years ago", "back in 2024",
"in the 2024-25 season", "during the 2025-26 year", "through October", "thru mid nov")."""
_PAID = r"(?:paid|covered|funded|sponsored|footed|picked\s+up|ran\s+on|came\s+(?:out\s+of|from)|handled)"
_ONLY_WAS = re.compile(r"^(?:\W*(?:so|and|but|well|ok|okay|hmm)\W+)?(?:originally|initially|at first|"
                      r"(?:up\s+)?(?:to|till|until)\s+now|"
                      r"last (?:year|spring|fall|time)|previously|in the past|back then|back when|"
                      + WHEN_IT_STARTED + r")\b|\bused to (?:pay|cover|fund|charge|be paid|be funded|be covered)\b"
                      r"|\bwas (?:going|supposed|planning) to\b|\bwas (?:paying|covering|funding)\b"
                      # "The PTSA paid for the chess coach last spring", "The school paid the coach until October"
                      r"|\b" + _PAID + r"\b[^.;]*?\b(?:last\s+(?:year|spring|fall|autumn|winter|summer|"
                      r"semester|term)|" + _GONE_BY + r")\b"
                      r"|\b(?:" + _GONE_BY + r")\b[^.;]*?\b" + _PAID + r"\b",
                      re.I)
"""A clause telling only what was ("when we started, the parent group paid", "originally the PTSA was going to pay"):
with nothing said of now, who pays now is asked (structure rule)."""
_NOW = re.compile(r"\b(?:(?<!to\s)(?<!till\s)(?<!until\s)now|this year|these days|currently|today|going forward|"
                  r"from now on|anymore|as of)\b", re.I)  # "up to now" tells what was
_MONEY_SOUGHT = re.compile(r"\b(?:(?:applying|hoping|trying|waiting|looking)\s+"
                           r"(?:for|to\s+(?:get|win|hear|find|raise)|on)|(?:(?:has|have|'ve)\s+)?applied\s+(?:to|for)"
                           r"(?![^.;]*\band\s+(?:won|got|received|was\s+awarded|were\s+awarded)\b)"
                           r"|(?:put|puts|sent|submitted)\s+in\s+(?:a\s+|an\s+)?(?:proposal|application|request)"
                           r"|^\W*(?:hoping|fingers\s+crossed))\b"
                           r"[^.;]*\b(?:grant|funding|funds?|money|sponsor|sponsorship|donation|donors?)\b"
                           r"|\b(?:won'?t|will\s+not|haven'?t|have\s+not|hasn'?t|has\s+not|didn'?t)\s+(?:yet\s+)?"
                           r"hear(?:d)?\s+back\b"
                           r"|\b(?:if|once|assuming|should)\s+(?:we|they|the\s+school|the\s+partner|it|the\s+grant|"
                           r"the\s+(?:\w+\s+)?money|the\s+funding)\s+(?:(?:is|are|gets?)\s+)?(?:get|gets|win|wins|"
                           r"receive|receives|awarded|funded|approved|comes?\s+through)\b"
                           r"|\bapplication\b[^.]*?\bdecisions?\s+(?:come|comes|are|is|will)\b",
                           re.I)
"""Money asked for and not yet in hand ("the partner is applying for a grant to cover it but won't hear back till
March", "if we get it the school would pay them"): who pays is not settled (structure rule)."""
_ON_TOP = re.compile(r"\b(?:too|also|as well|on top of (?:that|it|the lease)|in addition|additionally)\b", re.I)
_PAID_WORK = re.compile(r"(?<!n't\s)(?<!not\s)(?<!never\s)\b(?:pay|hire|contract)\s+(?:them|her|him)\b"
                        r"|\bpaid\s+(?:[\w-]+\s+){0,3}(?:program|class|classes|camp|club|course|services?)\b", re.I)


def paid_work_on_top(text: str) -> bool:
    """Paid work said as more than the partner does now ("now wants us to hire them for reading intervention too",
    "started a paid after school program on top of that"): beside a lease, who pays for it is another question."""
    return bool(_ON_TOP.search(text)) and bool(_PAID_WORK.search(text))


_NO_LEASE = re.compile(r"\b(?:no|without a|not a|isn't a|is not a|there's no|not any)\s+lease\b|\bnot leas(?:e|ed|ing)\b"
                       r"|\blease\b(?:\s+(?:with|for|on|at|in)\s+(?:\S+\s+){1,5}?)?\s*(?:has |had )?(?:ended|expired|lapsed|ran out|"
                       r"is over|was up|is up)\b", re.I)  # "The lease with Cheasty Family Learning Center ended in June"
"""A lease denied in so many words, which no other clause's reading of long use overrides."""


_THROUGH_THE_SCHOOL = re.compile(
    r"\b(?:awarded|given|gave|granted|donated)\s+(?:it\s+|them\s+)?(?:to|into)\s+(?:the|our)\s+(?:school|building)\b"
    r"|\b(?:the|our)\s+school\s+(?:received|receives|got|gets|won(?!['\u2019]t)|was\s+awarded|is\s+awarded)\b", re.I)
"""Money given to the school, which then pays the partner: whoever gave it, the school pays (structure rule)."""


def _clause_at(u: Understanding, index: int) -> ClauseReading | None:
    return next((c for c in u.clauses if c.index == index), None)


def _stands(u: Understanding, index: int) -> str | None:
    """How clause `index` stands, as the standing model reads it (knowledge/facts/standing.yaml): only what was,
    still to come, reasoned, taken back; None when it is said as what is now."""
    reading = _clause_at(u, index)
    return standing(reading.scores) if reading is not None else None


def _told_as_past(u: Understanding, fact: Fact) -> bool:
    """The clause tells only what was ("The PTSA paid for the chess coach last spring"), nothing of now."""
    return (bool(_ONLY_WAS.search(fact.words)) or _stands(u, fact.clause) == PAST) and not _NOW.search(fact.words)


def _still_to_come(u: Understanding, source: Fact) -> bool:
    """Who pays hangs on money or a decision still to come ("the partner is applying for a grant to cover it",
    "Should the levy money come through, we'd pay them", "we'd pay them, if the levy passes"), or the payer's own
    clause takes it back: said in the payer's clause, in a condition right after it, or in one anywhere before it
    that names no other payer ("if we do get it, the money goes to the school and we'd pay them", "Assuming the
    levy renewal passes, the school would pay ..."), or one the payer's clause opens with ("Assuming the levy dollars
    arrive in the spring, Beacon Hill would pay ...") (structure rule; the standing model reads the kind)."""
    after = _clause_at(u, source.clause + 1)
    return bool(_MONEY_SOUGHT.search(source.words)) or _after_money_sought(u, source) \
        or opens_on_a_condition(source.words) or _stands(u, source.clause) in (TO_COME, WITHDRAWN) \
        or after is not None and on_condition(after.words) and _stands(u, after.index) == TO_COME \
        or any(c.index < source.clause and standing(c.scores) == TO_COME
               and ((said := _payer_said(c)) not in PAYERS or said == source.value) for c in u.clauses)


def _now_over_what_was(u: Understanding, facts: list[Fact]) -> list[Fact]:
    """"The school paid the coach until October; since November the PTSA pays her": what was is no payer beside
    what is (structure rule); told alone, what was is asked about (see `_read_facts`)."""
    now = [f for f in facts if f.value in PAYERS and not _told_as_past(u, f)]
    return [f for f in facts if not (now and f.value in PAYERS and _told_as_past(u, f))]


def _district_apart(facts: list[Fact]) -> list[Fact]:
    """"Our school isn't paying for this, the district's central office is covering it", "the district isn't paying,
    our school is": school money is the building's or the district's, and denying one does not deny the other when
    another clause says the other pays (structure rule)."""
    paying = {bool(_DISTRICT.search(f.words)) for f in facts if f.value == "school"}
    return [f for f in facts if not (f.value == "not_school" and (not bool(_DISTRICT.search(f.words))) in paying)]


def _after_money_sought(u: Understanding, source: Fact) -> bool:
    """"If we get the grant, the school would pay them": a condition on money to come, said in the clause before the
    payer's."""
    before = _clause_at(u, source.clause - 1)
    return before is not None and bool(_MONEY_SOUGHT.search(before.words))


def _reported(u: Understanding, source: Fact) -> bool:
    """Who pays is someone else's word: the payer's clause reports it ("the AP says the school pays"), or the clause
    before it says whose word it is and states nothing itself ("According to our AP, | the school's covering it")."""
    before = _clause_at(u, source.clause - 1)
    attributed = before is not None and reports_another(before.words) and before.fact(PAYER) is None
    return (reports_another(source.words) or attributed) and (not source.correcting or source.news)


def supposes(words: str) -> bool:
    """A clause that supposes ("and if it goes over 10k?", "what if the PTA pays?") puts a case forward:
    its uncertainty is the supposition's, not the user's about who pays."""
    said = without_openers(words).lower().split()
    return bool(said) and (said[0] in ("if", "suppose", "supposing") or said[:2] == ["what", "if"])


def read_facts(u: Understanding, partner_speaks: bool = False) -> Facts:
    """Everything the message tells us about payment and space, with evidence (read once per message).
    `partner_speaks`: an earlier turn of the case came from the partner ("I'm the coordinator at Greenway Outdoor
    School ..." then "we cover every cost ourselves"), so the writer's "we" is the partner's."""
    return u.memo(f"agreement_facts:{partner_speaks}", lambda u: _read_facts(u, partner_speaks))


def _speakers_payer(u: Understanding, clause: ClauseReading, partner_speaks: bool) -> Fact | None:
    """The clause's payer, where "we" is the party writing: "PTSA treasurer here: we're paying a chess instructor"
    is the PTSA; "I am the director of Othello Hoops Academy ... we cover every cost" the partner. What the models
    read as the school ("we") is that party's reading, added to it (structure rule)."""
    party = "ptsa" if speaks_for_parents(u.text, clause.words) else (
        "partner" if speaks_for_partner(u, clause.words, partner_speaks) else None)
    read = clause.scores.get(PAYER) or {}
    if party is None or not read:
        return clause.fact(PAYER)
    theirs = {**read, party: read.get(party, 0.0) + read.get("school", 0.0), "school": 0.0}
    denied = f"not_{party}"  # "our board says we can't keep absorbing that": the writer's side denied, not the school
    if denied in read:
        theirs.update({denied: read[denied] + read.get(NOT_SCHOOL, 0.0), NOT_SCHOOL: 0.0})
    return replace(clause, scores={**clause.scores, PAYER: theirs}).fact(PAYER)


def _read_facts(u: Understanding, partner_speaks: bool) -> Facts:
    said = [f for c in u.clauses if (f := _speakers_payer(u, c, partner_speaks)) is not None]
    payer_facts = _now_over_what_was(u, said)
    asked, asked_clauses = _of_the_one_asked(u, payer_facts)
    payer = resolve(_district_apart(asked), PAYERS)
    # the program asked about narrows the use of space too: "the clinic leases space ..., the art lady we pay hourly
    # ... what do I need for the art lady?" is about the art lady alone
    space = resolve([f for f in u.facts(SPACE) if asked_clauses is None or f.clause in asked_clauses], USES)
    about_space = space.value is not None or any(f.value == USE_OF_SPACE for f in u.facts(SPACE))
    facts = Facts(space=about_space or bool(space.conflict), amount=max(u.amounts) if u.amounts else None,
                  program=u.has(*_PROGRAM))
    evidence: dict[str, str] = {}
    weak = None
    conflict = None
    contested: tuple[str, ...] = ()
    value = payer.value
    source = payer.fact
    if payer.conflict:
        values = {f.value for f in payer.conflict}
        school_pays = school_settles(payer.conflict)
        partner_named = any(names_a_party(f.words) and not families_open(f.words)
                            for f in payer.conflict if f.value == "partner")
        if values == {"partner", "ptsa"} and not partner_named and not splits_the_cost(payer.conflict) \
                or (len(values) == 2 and "volunteer" in values and values & set(PAID_BY)):
            # "free to the school, the PTSA covers it": no school money, and the PTSA pays (the partner reading names
            # nobody paying, or only families paying the provider while the PTSA coordinates; "Lumen brings its own
            # funding" with "our PTSA pays the art teacher", and "a foundation is paying part ..., the rest comes from
            # the parent group", are asked); "an
            # individual tutor, and the school pays her": a person who is paid is no volunteer
            value = next(v for v in values if v in PAID_BY)
            source = next(f for f in payer.conflict if f.value == value)
        elif values == {"volunteer", "partner"} and all(names_a_party(f.words) for f in payer.conflict
                                                          if f.value == "volunteer"):
            # "coming through Pacific Coding Fund as one of their volunteers, free for us": an organisation's
            # volunteer is the partner's, not one person volunteering on their own
            value = "partner"
            source = next(f for f in payer.conflict if f.value == value)
        elif values == {"school", "partner"} and school_pays is not None:
            value, source = "school", school_pays  # any share of school money makes it a PSC
        else:
            conflict = "coordinator" if values == {"school", "ptsa"} else PAYER
            contested = tuple(f.words for f in payer.conflict)
    rest_unknown = value == "school" and payer.doubted is not None and bool(_THE_REST.search(payer.doubted.words))
    if payer.unknown and not payer.conflict and source is not None and not rest_unknown and (
            source.confidence < OUTWEIGHS or payer.doubted is not None and payer.doubted.clause > source.clause):
        # "idk who pays, the partner said they're 'working on funding'": asked; so is "my AP says the org is free,
        # but their director sent us an invoice ... so idk", not knowing said last
        value, source = None, None
    left_open = None if rest_unknown else payer.doubted  # "not sure who covers the rest": the school's share decides
    if value == "partner" and source is not None and _THROUGH_THE_SCHOOL.search(source.words):
        value = "school"  # "the city pays, through a grant they awarded to the school": the school's money pays
    rest_alike = any(f.value == value and _THE_REST.search(f.words) for f in asked)  # "... the remainder"
    if value in ("partner", "ptsa") and source is not None and _A_SHARE.search(source.words) and not payer.conflict \
            and not rest_alike:
        left_open, value, source = source, None, None  # "their grant covers most of it": who pays the rest decides
    if value in ("partner", "ptsa") and source is not None and _THE_REST.search(source.words) \
            and not payer.conflict and _a_share_read_apart(u, value, source):
        left_open, value, source = source, None, None  # "A foundation is paying part of the cost ... and the PTSA is
        # covering the rest": who pays the share, read too weakly to stand, is asked
    if value is None and left_open is None and not payer.conflict:
        left_open = _a_weak_share(u)  # "a foundation is paying part of the coding camp", its payer read too weakly to
        # stand: kept as the share, whose rest a later turn may tell ("the rest is the pto"), and asked
    if value is not None and source is not None and _DISAGREE.search(u.text) and not source.correcting:
        left_open, value, source = source, None, None  # "Me and our AP disagree. I think the PTSA pays ...; she says
        # it's our LAP money": said to be disputed, whatever reading is surer
    if value is not None and source is not None and any(_NOT_SETTLED.search(c.words) for c in u.clauses):
        left_open, value, source = source, None, None  # "pending the principal's approval, we'd use LAP to pay her"
    if value is not None and source is not None and not source.correcting and (
            _told_as_past(u, source) or _still_to_come(u, source)):
        # "when we started, the parent group paid": what was, not what is; "the partner is applying for a grant to
        # cover it": money not in hand
        left_open, value, source = source, None, None
    lease = space.value
    no_lease = any(_NO_LEASE.search(clause.words) for clause in u.clauses)
    paid_on_top = lease == "lease" and not no_lease and value not in PAID_BY and paid_work_on_top(u.text)
    if paid_on_top:
        value, source = None, None  # "a group that leases our old portable now wants us to pay them to run an after
        # school program too": the lease says who the partner is; who pays for the work added is asked (facts.md)
    # A denial alone ("we're not paying them", "not the school") decides nothing: the partner, a sponsor or
    # a PTSA may pay. It is asked.
    if value is not None and source is not None:
        evidence[PAYER] = source.words
    elif left_open is not None and not conflict:
        evidence[PAYER] = left_open.words  # what leaves it open, quoted when it is asked
    if lease == "lease" and no_lease:
        lease = None  # "comes in every Saturday of the school year ..., and there's no lease": the user said so
    if space.conflict and conflict is None:
        conflict, contested = SPACE, tuple(f.words for f in space.conflict)
    elif lease is not None and space.fact is not None:
        evidence[SPACE] = space.fact.words
    # a weak reading is confirmed only where the decision rests on it: the use of space when it is a
    # lease (or short use with nobody paying), else who pays
    space_decides = lease == "lease" or (lease == "short" and value is None)
    if space_decides and space.fact is not None and space.fact.confidence < STRONG:
        weak = SPACE
    elif not space_decides and source is not None and (_sureness(u, source, value) < STRONG
                                                       or _HEDGED.search(source.words)
                                                       or _from_a_name(u.text, source.words)
                                                       or INFERRED in (_stands(u, source.clause),
                                                                       _stands(u, source.clause + 1))
                                                       or _hedged_before(u, source)):
        weak = PAYER  # "our treasurer says the PTSA will probably pay": confirmed, however surely it was read
    doubt = tuple(slot for slot, known in ((PAYER, value), (SPACE, lease)) if known is None and (any(
        clause.fact(slot) is None and _hints(clause.fact(slot, DOUBT)) for clause in u.clauses)
        or slot == PAYER and paid_on_top))
    denied = tuple(sorted(payer.denied & set(PAYERS))) if value is None and not conflict else ()
    return replace(facts, payer=value, lease=lease, conflict=conflict, contested=contested, weak=weak,
                   evidence=evidence, doubt=doubt, denied=denied,
                   parties=tuple(sorted(set().union(*(clause.parties for clause in u.clauses)))),
                   parents_speak=bool(_PARENT_SPEAKER.search(u.text)), no_lease=no_lease,
                   partner_speaks=partner_speaks or writes_for_partner(u),
                   told=u.text if asked_clauses is not None or payer.conflict else "",
                   reported=source is not None and _reported(u, source),
                   unsure="who_pays" if left_open is not None and value is None and not conflict else None)


_CALLED = re.compile(r"\b(?:called|named|name\s+is|name's|[Ii]t'?s\s+the|(?:group|org|organization|partner)\s+is)\s+"
                     r"((?:[A-Z][\w'&-]*\s*){1,6})")
_IN_THE_NAME = re.compile(r"\b(?:it'?s|that'?s)\s+in\s+(?:the|its|their)\s+name\b"
                          r"|\bword\s+\S+\s+is\s+in\s+(?:the|its|their)\s+name\b"  # "the word Free is in their name"
                          r"|\b(?:by|from)\s+(?:the|its|their)\s+name\b"
                          r"|\b(?:the|its|their)\s+name\s+(?:says|said|has|contains)\b",  # "The name says foundation"
                          re.I)
_INFERRED = re.compile(r"^\W*(?:so|hence|therefore|thus|obviously|clearly|(?:which|that)\s+means|(?:i'?m\s+)?assuming|"
                       r"i\s+(?:assume|guess|suppose))\b", re.I)


def _from_a_name(text: str, said: str) -> bool:
    """"Since the org is literally named Free Arts For Kids, it's free", "The group's name is Zero Cost Theater
    Project so obviously it's free", "it's free, right? it's in the name": the payer is read off a name (its words,
    or an inference right after it), which is never a fact, so it is confirmed (structure rule)."""
    if _IN_THE_NAME.search(text):
        return True
    for found in _CALLED.finditer(text):
        name = found.group(1).strip()
        after = said.split(name, 1)[1] if name in said else said
        if {stem(w) for w in words(name) if len(w) > 3} & {stem(w) for w in words(after)} or _INFERRED.search(after):
            return True
    return False


def _a_share_read_apart(u: Understanding, value: str, source: Fact) -> bool:
    """Another clause than the payer's says a share is paid, by someone not read as that payer (or read surely by
    nobody): "A foundation is paying part of the cost" beside "the PTSA is covering the rest"."""
    return any(_A_SHARE.search(c.words) and c.index != source.clause and _payer_said(c) != value for c in u.clauses)


def _a_weak_share(u: Understanding) -> Fact | None:
    """A share said ("paying part of the coding camp") whose payer only a weak reading hints at."""
    return next((fact for c in u.clauses if _A_SHARE.search(c.words) and _hints(fact := c.fact(PAYER, DOUBT))), None)


def _hedged_before(u: Understanding, source: Fact) -> bool:
    """"..., I suppose, because it is a foundation they pay for it", "it might actually be the agency's own grant
    paying": a hedge said alone, or ending the clause, just before the payer's clause leaves it unsure, as one said
    after it does (structure rule)."""
    before = _clause_at(u, source.clause - 1)
    said = words(before.words) if before is not None else []
    return bool(said) and (set(said) <= HEDGE_ASIDE or said[-1] in HEDGES)  # "..., it might | actually be ..."


def _hints(fact: Fact | None) -> bool:
    """A reading too weak to state a value still hints at one; a weak "not known" ("contract question") hints at none,
    nor does a weak denial ("it's not just short-term use of a room" read as maybe not the partner)."""
    return fact is not None and fact.value != UNKNOWN and not fact.value.startswith("not_")


_PERCENT = r"(?:%|percent\b|per\s+cent\b)"
_A_SHARE = re.compile(r"\b(?:most|part|some|a portion|the majority|the bulk|a share|half)\s+(?:of\s+)?"
                      r"(?:it|(?:the|their)\s+"
                      r"(?:[\w']+\s+){0,3}(?:cost|costs|fee|fees|bill|price|expenses?|money|funding|funds))\b"
                      r"|\b\d{1,2}\s*" + _PERCENT +
                      r"|\b(?:pay|pays|paying|paid|cover|covers|covering|covered|chip(?:s|ping|ped)?\s+in|"
                      r"contribut(?:e|es|ing|ed))\s+(?:for\s+)?(?:about\s+|roughly\s+)?"
                      r"(?:half|part|some|most|(?:a|one|two)\s+(?:third|quarter|fifth)s?)\b"
                      r"|\bhalf\s+and\s+half\b|\bhalf\s+(?:from|out\s+of)\b|\b50\s*/\s*50\b"
                      r"|\bsplit(?:ting)?\s+(?:it\s+|the\s+\w+\s+)?with\b", re.I)
"""Words that say a payer covers only a share of the cost ("most of the tutoring cost", "part of the ceramics
teacher's fee", "half of the money", "half the fee", "paying for half", "half and half with the PTSA", "split with
the PTSA"): someone else pays the rest (structure rule). "As part of their volunteer program" is no share."""


_THE_REST = re.compile(r"\b(?:the rest|the remainder|the remaining|the other (?:half|part|share)|"
                       r"whatever(?:'s| is) left|what(?:'s| is) left|the balance|the difference)\b"
                       r"|\bthe other \d+\s*" + _PERCENT, re.I)
"""Words of the share someone else pays: a payer not known for it leaves the school's own share standing."""


def completes_a_share(text: str, case: Facts) -> bool:
    """"the school pays the other half from discretionary" after "PTSA pays half of the ceramics residency": who pays
    the rest of a share the case told, to be read with that share as one telling (structure rule)."""
    return bool(_THE_REST.search(text)) and bool(_A_SHARE.search(case.evidence.get(PAYER, "")))


def school_settles(conflict: tuple[Fact, ...]) -> Fact | None:
    """The school's paying, when it settles a conflict with the partner's or a third party's money: "the city
    grant comes to the school and then we pay the tutoring org out of it", "we pay half and their grant covers
    the rest" (whoever else's money it was, the school paying the partner is a PSC). Only when said surely and at
    least as surely as the other money: "the county grant pays them directly" (sure) "and we just send kids" (a
    weak reading of the school paying) is asked. Said surely enough to outweigh (OUTWEIGHS), the school's share
    settles it whatever else pays most ("the foundation covers most of it but we're chipping in $2,000"), as a share
    said surely does ("we're paying about half the cost"). Beside a PTSA's money it settles nothing: who manages the
    provider is asked (the coordinator question). The cost split between the school and another payer, one share
    each ("School pays about one third and a foundation pays the rest directly"), settles it however surely the
    model reads the school's share: the split itself says school money pays. Reports that disagree settle nothing."""
    if any(reports_another(f.words) for f in conflict):
        return None  # "the AP told me the school is paying ..., but the group says their grant covers it": asked
    others = max((f.confidence for f in conflict if f.value != "school"), default=0.0)
    return next((f for f in conflict if f.value == "school" and (
        f.confidence >= OUTWEIGHS or f.confidence >= max(STRONG, others)
        or f.confidence >= STRONG and _A_SHARE.search(f.words)  # "we're paying about half the cost"
        or splits_the_cost(conflict))), None)


def splits_the_cost(facts: Sequence[Fact]) -> bool:
    """Two payers' facts, one a share and another the rest of it ("we pay about a third and a local nonprofit covers
    the rest"): each pays, however surely the model reads either (structure rule)."""
    return any(_A_SHARE.search(share.words) and _THE_REST.search(rest.words) and share.value != rest.value
               for share in facts for rest in facts)


SHORT_TURN = 6
"""A turn this short that opens as a follow-up ("and the drumming?") may ask about another program of the case."""
"""Words of a report: readings from reports that disagree are asked about, whichever is the school's."""


def another_program(u: Understanding, case: Facts) -> bool:
    """"and for the chess one?" after "our PTSA pays a chess coach and the school pays a drumming teacher. which
    agreement for the drumming one?": a question about a program the message that told several named."""
    said = words(u.text)
    turned = bool(said) and said[0] in ("now", "next")  # "now 3D printing", "next: the robotics program"
    said = said[next((i for i, w in enumerate(said) if w not in ("ok", "okay", "so", "now", "next")), len(said)):]
    # "ok and the ...", "and the drumming?", "chess coach?"
    short = 0 < len(said) <= SHORT_TURN and (turned or said[0] in ("and", "what", "how", "for", "about", "the")
                                             or u.text.rstrip().endswith("?"))
    if not case.told or u.facts(PAYER) or not (
            short or any(_asks_for_one(c.words) or _FOR_ONE.match(c.words) for c in u.clauses)):
        return False  # "ok the principal is right, school pays" answers; it asks about no other program
    return bool(_program_words(u.text) & _word_stems(case.told))


_PARENT_SPEAKER = re.compile(
    r"\b(?:PTSA|PTA|PTO|PTSO|parent group|booster club)\s+(?:[a-z]+\s+)?(?:vice[- ])?(?:president|treasurer|secretary|co-?chair|chair|"
    r"board member|board|rep|representative|officer|VP)\b"
    r"(?!\s+(?:just\s+)?(?:says|said|told|tells|thinks|mentioned|claims))"
    r"|\b(?:I(?:'m|\s+am)\s+(?:the\s+|a\s+)?(?:[\w-]+\s+)?|^\s*)(?:president|treasurer|secretary|co-?chair|chair|VP|"
    r"board member|member)\s+(?:of|for|at|on)\s+(?:the\s+|our\s+)?(?:[A-Z][\w'-]*\s+){0,3}(?:PTSA|PTA|PTO|PTSO)\b"
    r"|\b(?:on behalf of|from|for)\s+(?:the\s+|our\s+)?"
    r"(?:[A-Z][\w'-]*\s+)?(?:PTSA|PTA|PTO|PTSO)\b(?!\s+(?:is|are|was|will|would|pays|paid|covers))"
    r"|\bwe(?:'re|\s+are)\s+(?:(?:technically\s+|really\s+)?not\s+)?(?:the|a|an|our)\s+(?:official\s+)?"
    r"(?:[A-Z][\w'-]*\s+)?"
    r"(?:PTSA|PTA|PTO|PTSO|parent group|booster club)\b|\bjust\s+a\s+(?:parents'?|family|families'?)\s+(?:group|club)\b"
    r"|\bour\s+(?:little\s+)?(?:parent|parents'?|family|families'?)\s+(?:group|club|committee|association)\b"
    r"|\b(?:we|us)\s+(?:\w+\s+)?(?:parents|families|moms|dads)\b|\bI(?:'m|\s+am)\s+(?:a|one of the)\s+(?:parents?|moms?|dads?)\b",
    re.I)
"""The writer speaks for parents: a PTSA officer, "we're the booster club", "our parent group", "a few of us families"
(a staff member's "our PTSA" is the school's PTSA, not the writer's own)."""
_FIRST_PERSON = frozenset("we we're we'll we've we'd our us ours".split())
_SCHOOL_MONEY = re.compile(r"\b(?:the school|our school|school'?s|district|building|title|lap|levy|asb)\b", re.I)
"""Money a clause names as the school's: a PTSA officer's "our enrichment budget" is the PTSA's."""


_PARTNER_SPEAKER = re.compile(
    r"\b(?:our|my)\s+(?:little\s+|small\s+)?(?:org|organi[sz]ation|nonprofit|non-profit|agency|company|ministry|"
    r"business)\b|\bwe(?:'re|\s+are)\s+(?:a|an)\s+(?:[\w-]+\s+){0,2}(?:nonprofit|non-profit|organi[sz]ation|org|agency|"
    r"company|business|ministry)\b|\bI(?:'m|\s+am)?\s+(?:run|direct|lead|manage|coordinate|oversee|founded|co-?founded|"
    r"started|represent|own|chair|work\s+(?:at|for|with)|volunteer\s+(?:at|for|with)|with|from)\s+(?:a|an|the|our)\s+"
    r"(?:[\w-]+\s+){0,4}"
    r"(?:nonprofit|non-profit|organi[sz]ation|org|agency|company|business|ministry)\b"
    # "I'm the program director at a small nonprofit", "I'm a program officer at a family foundation"
    r"|\bI(?:'m|\s+am)\s+(?:the|a|an)\s+(?:[\w-]+\s+){1,3}?(?:at|of|for|with)\s+(?:a|an|our)\s+(?:[\w-]+\s+){0,4}"
    r"(?:nonprofit|non-profit|organi[sz]ation|org|agency|company|business|ministry|foundation)\b", re.I)
"""The writer speaks for the partner ("our org runs a food pantry", "we're a small nonprofit"): "we" is theirs."""


def speaks_for_partner(u: Understanding, clause: str, before: bool = False) -> bool:
    """The message (or, `before`, the case's earlier turns) comes from the partner and the clause that pays is theirs
    ("we cover every cost ourselves"): "we" is the organisation, not the school; so is the "we" of a message that
    says the school pays nothing as a third party ("we pay our clinicians from our own grants and the school pays
    nothing": whoever writes is not the school) (structure rule)."""
    return _ours(clause) and not _PARENT_SPEAKER.search(u.text) and (
        before or writes_for_partner(u) or _the_school_denied_by_another(u))


def writes_for_partner(u: Understanding) -> bool:
    """The message comes from the partner ("our org runs ...", "I'm the coordinator at Greenway Outdoor School"), not
    from a PTSA or parent group."""
    return bool(_PARTNER_SPEAKER.search(u.text) or u.writes_from) and not _PARENT_SPEAKER.search(u.text)


def _the_school_denied_by_another(u: Understanding) -> bool:
    """A clause denies the school pays, in the third person ("the school pays nothing", "Hamilton spends nothing on
    it"), not as "we" or "our school". Read once per message (every paying clause asks)."""
    return u.memo("school_denied_by_another", lambda u: any(
        (fact := c.fact(PAYER)) is not None and fact.value == NOT_SCHOOL and not _FIRST_PERSON.intersection(
            w.strip(",.;:!?()").lower() for w in c.words.split()) for c in u.clauses))


def speaks_for_parents(text: str, clause: str) -> bool:
    """The message comes from a PTSA officer ("Quick q from the Leschi PTSA treasurer: ...") and the clause
    that pays is theirs ("we're paying a chess instructor"): "we" is the PTSA, not the school. A clause that
    names the school's money ("we pay from the school budget") stays the school's (structure rule)."""
    return _ours(clause) and bool(_PARENT_SPEAKER.search(text))


def _ours(clause: str) -> bool:
    """The clause's payer is the writer ("we're paying", "it is paid by us"), not the school's money named; "Chief
    Sealth wants to pay us" is paid to the writer, by someone else."""
    if _WANT_PAID.search(clause):
        return False  # "we want MLK to pay us for extra days": MLK pays
    said = {w.strip(",.;:!?()").lower().replace("\u2019", "'") for w in _PAID_TO_US.sub("", clause).split()}
    return bool(said & _FIRST_PERSON) and not _SCHOOL_MONEY.search(clause)


_PAID_TO_US = re.compile(r"\b(?:pay|pays|paying|paid|fund|funds|funding|cover|covers|covering|compensate|compensates|"
                         r"compensating|reimburse|reimburses|reimbursing)\s+us\b", re.I)
_WANT_PAID = re.compile(r"\b(?:we|i|our\s+(?:organi[sz]ation|org|nonprofit|non-profit|agency|group|program|team|"
                        r"company))"
                        r"(?:\s+(?:want|wants|would\s+like|hope|hopes|ask|asks|asked|need|needs)|['\u2019]d\s+like)\s+"
                        r"(?:\S+\s+){1,4}?"
                        r"to\s+(?:pay|fund|cover|compensate|reimburse)\s+(?:us|our\s+(?:\w+\s+)?(?:fees?|costs?|"
                        r"stipends?|rates?|invoices?|bills?|instructors?|coaches|staff|teachers?|tutors?))\b", re.I)
"""The writer asking to be paid by someone ("we want MLK to pay us", "we'd like Mercer to cover our fee", "Our
organization would like Mercer to pay us"): that one pays, not the writer."""
SAME_DECISION = {"partner": ("partner", NOT_SCHOOL)}
"""Readings that decide alike: "the partner pays" and "no school money" both make it free to the school."""


def _sureness(u: Understanding, source: Fact, value: str | None) -> float:
    """How sure the clause is of what decides: its probabilities for every reading that decides alike."""
    clause = next((c for c in u.clauses if c.index == source.clause), None)
    scores = clause.scores.get(PAYER, {}) if clause is not None else {}
    alike = SAME_DECISION.get(str(value), (str(value),))
    return max(source.confidence, sum(scores.get(v, 0.0) for v in alike))


def grant_application(u: Understanding) -> bool:
    """A community organisation applying for a grant to work with the school ("writing a 4Culture
    grant and we'd like to name Van Asselt as our partner school"): said in one clause, so "possibly
    funded by their own grant, which agreement applies" is not one."""
    if u.has(*GRANT_APPLICATION):
        return True
    work = [phrase_stems(p) for p in _GRANT_WORK]
    for clause in u.clauses:
        stems = tuple(stem(w) for w in words(clause.words))
        if "grant" in stems and any(contains(stems, w) for w in work):
            return True
    return False


def named_agreements(u: Understanding) -> list[str]:
    """Agreements the message names outright ("MOU", "PSC", ...), in a stable order."""
    outside = without_company_names(u.text)
    if outside != u.text:  # "which agreement for Westside PTA Enrichment LLC?" names a business, not a form
        outside = f" {' '.join(words(outside))} "
        return [code for code, names in NAMES.items() if u.has(*names) and any(f" {n} " in outside for n in names)]
    return [code for code, names in NAMES.items() if u.has(*names)]


@dataclass(frozen=True)
class Decision:
    """The outcome: an agreement, something else (`outcome`), or a question to ask."""

    agreement: str | None
    reason: str | None = None  # key into the agreement's `why`
    asking: str | None = None  # who_pays | lease | coordinator | confirm
    outcome: str | None = None  # building_use_permit | volunteer_process | unclear
    candidates: tuple[str, ...] = ()
    rfq: bool = False


def decide(facts: Facts, rfq_threshold: float = 9999) -> Decision:
    if facts.conflict == "coordinator":
        return Decision(None, asking="coordinator")
    if facts.conflict == PAYER or facts.unsure == "who_pays":
        return Decision(None, asking="who_pays")
    if facts.conflict == SPACE:
        return Decision(None, asking="lease")
    if facts.weak:
        return Decision(None, asking="confirm")
    if facts.payer is None and facts.lease and (
            PAYER in facts.doubt or "partner" in facts.denied and facts.lease == "lease"):
        # "leased" alone would decide, but payment was hinted at, or someone other than the partner pays ("a leased
        # partner that also runs a paid program"): paid by the school or a PTSA, it is the department's to decide
        return Decision(None, asking="who_pays")
    if facts.lease == "lease" and facts.payer in PAID_BY:
        # a leased partner that is also paid (by the school or a PTSA): the department decides
        return Decision(None, outcome="unclear", candidates=(ALIGN, PAID_BY[facts.payer]))
    if facts.lease == "lease":
        return Decision(ALIGN, reason="lease")
    if facts.space and facts.lease is None and SPACE in facts.doubt and facts.payer == "partner" and not facts.no_lease:
        # "a partner that wants space in our building" (how long?) "they fund themselves": a lease would change it
        return Decision(None, asking="lease")
    if facts.payer == "volunteer":
        return Decision(None, outcome="volunteer_process")
    if facts.payer == "ptsa":
        return Decision(PTSA, reason="ptsa")
    if facts.payer == "school":
        rfq = facts.amount is not None and facts.amount > rfq_threshold
        return Decision(PSC, reason="school", rfq=rfq)
    if facts.payer == "partner":
        return Decision(MOU, reason="partner")
    if facts.lease == "short":
        return Decision(None, reason="short_use", outcome=PERMIT)
    if facts.space and not facts.no_lease:  # "no lease" answers how long enough: who pays is asked
        return Decision(None, asking="lease")
    return Decision(None, asking="who_pays")


def facts_from_button(question: str, value: str, facts: Facts) -> Facts:
    """Apply a clarifying button's answer to what we knew (a button is its own evidence)."""
    if question == "who_pays":
        if value == "space":
            return replace(facts, space=True, conflict=None, unsure=None)
        return replace(facts.without(PAYER), payer=value)
    if question == "lease":
        return replace(facts.without(SPACE), lease=value, space=True)
    if question == "coordinator":
        return replace(facts.without(PAYER), payer=value)
    if question == "confirm":
        return replace(facts, weak=None) if value == "yes" else facts.without(facts.weak or PAYER)
    return facts


YES = ("yes", "yep", "yeah", "correct", "right", "sure", "that's right", "exactly", "true", "yup", "it is")
NO = ("no", "nope", "not really", "wrong", "that's wrong", "false", "not quite", "incorrect")
SHORT_ANSWER = 6
"""Loose answers ("the school", "no", "us") count only in a short reply, not inside a new question."""


def answer_from_text(question: str, u: Understanding, facts: Facts) -> Facts | None:
    """Read a typed answer to the question we asked; None if it isn't one. A short answer to "who
    pays?" or "how long?" is read in the question's context (see `in_context`)."""
    fresh = read_facts(u, facts.partner_speaks)
    short = len(u.tokens) <= SHORT_ANSWER
    if question == "confirm" and short and (u.has(*YES) or u.has(*NO)) and not fresh.known:
        return facts_from_button("confirm", "yes" if u.has(*YES) and not u.has(*NO) else "no", facts)
    if question == "coordinator" and fresh.payer in ("school", "ptsa"):
        return facts_from_button("coordinator", fresh.payer, facts)
    if question == "lease" and short and not fresh.lease and (u.has(*NO) or u.has("not")):
        return facts_from_button("lease", "short", facts)  # "no, not long-term"
    if question == "lease" and short and not fresh.lease and u.has(*YES):
        return facts_from_button("lease", "lease", facts)
    if fresh.known or fresh.unsure or fresh.space or fresh.denied or fresh.parties:
        return facts.merge(fresh)  # "the PTSA voted on it last week" names who "they" may be next
    return None


def in_context(question: str, text: str) -> str | None:
    """How a short answer reads in the question's context: "us" after "who pays?" is "it is paid by
    us"; "we do" is "we do pay for it"; "a few weeks" after "how long?" is "they'll use the space
    for a few weeks". None for questions with no such context."""
    words = text.strip().rstrip(".!").lower().split()
    if not words:
        return None
    if question in ("who_pays", "coordinator"):
        if words[-1] in AUXILIARIES:
            return f"{text} pay for it"
        if words[0] == "not":  # "not the school" denies a payer; it names none
            return f"it is not paid by {' '.join(text.split()[1:])}"
        listed = listed_subjects(text)
        if listed:  # "us and the PTSA": each is said to pay
            return f"it is paid by {listed[0]}. it is paid by {listed[1]}"
        return f"it is paid by {text}"
    if question == "lease":
        return f"they will use the space {text}"
    return None
