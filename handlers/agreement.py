"""`agreement`: which agreement applies, why, and what it needs.

The advisor is a form (bot/dialogue.py) whose values are the facts of the
partnership (handlers/agreement_rules.py): every message adds the facts it
states, the rules decide, and the next question is the one the rules still
need. "Not sure" keeps the question open and offers the department. A decided
case stays in the conversation's context, so "what if they lease the space?"
or "do they need a lease?" is read against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from bot import dialogue
from bot.core import Button, Field, Message, Reply
from bot.turn import Turn
from bot.dialogue import Form, Prompt, Slot, is_question
from bot.router import Registry
from bot.understanding import Understanding, follow_ups
from bot.understanding.facts import (disowns, listed_subjects, only_asks_for_the_agreement, opens_with_they,
                                     says_what_a_parent_body_is, without_openers)
from bot.text import article_of
from handlers.agreement_rules import (
    PAYER,
    PERMIT,
    PTSA,
    SPACE,
    STRONG,
    Decision,
    another_program,
    completes_a_share,
    names_an_untold_program,
    Facts,
    _DIFFERENCE,
    _DOCUMENTS,
    _LEASE_QUESTION,
    _TEMPLATE,
    answer_from_text,
    asks_which_of,
    decide,
    facts_from_button,
    grant_application,
    in_context,
    named_agreements,
    read_facts,
    supposes,
    they_named_nobody,
)
from handlers import health
from handlers.grounded import grounded_reply
from handlers.common import ON_RECORD, consult_button, fill_links, link_defaults
from knowledge import load_yaml, require

FORM = "agreement"
ANSWER_ACTION = "agreement.answer"
NOT_MEANT_ACTION = "agreement.not_meant"
QUESTIONS = ("who_pays", "lease", "coordinator", "confirm")
NOT_MEANT = ("not what i meant", "that's not what i meant", "thats not what i meant", "that is not what i meant",
             "you misunderstood", "you got that wrong", "that's wrong", "thats wrong", "that's not right",
             "thats not right", "that is wrong", "not right", "wrong agreement", "misunderstood")
"""Said right after an agreement answer, these take back the fact it relied on (like the button)."""
VALUE_PHRASES = {PAYER: {"school": "the school or district pays the partner",
                         "partner": "no school money changes hands (the partner, or someone paying it directly, covers the cost)",
                         "ptsa": "a PTSA or parent group coordinates and pays",
                         "volunteer": "one person volunteers on their own, not through an organisation"},
                 SPACE: {"lease": "the partner has long-term use of space through a lease",
                         "short": "the use of space is short or occasional"}}
"""What each fact value means, as the evidence line says it ("You said “…”: the school or district pays")."""
PAYER_NAMES = {"school": "the school", "partner": "the partner", "ptsa": "a PTSA or parent group",
               "volunteer": "a lone volunteer"}
"""Who a denial ruled out, as the next question says it ("Not the school, then. Who pays …?")."""
RFQ_QUESTION = ("how much", "threshold", "limit", "amount", "over what", "before", "without", "when do", "when is",
                "what is", "what's", "do i need", "do we need", "need an", "need a", "is an", "required", "trigger")
FOLLOW_UP = ("what if", "and if", "actually", "but if", "what about if", "suppose", "instead", "does that change",
             "does this change", "would that change", "change anything", "change the agreement")
"""Words that tie a message to the case just decided ("we'd also pay them from our sped budget, does that change
it?"): what it states is added to that case."""
CORRECTION = ("wait", "correction", "scratch that", "my mistake", "my bad", "i misread", "i was wrong")
"""Openings that correct a fact of the case ("wait, I misread: they only want the portable for a few
weeks"): a correction is a follow-up at any length, when the message says something about the case."""
WHICH_ASK = ("which agreement", "what agreement", "which contract", "what contract", "kind of agreement",
             "type of agreement", "kind of contract", "type of contract", "contract type", "agreement type",
             "form of agreement", "which one", "what do we need", "what do i need", "do we need an", "do we need a",
             "should we use", "what paperwork", "which paperwork", "what do we do", "what do we sign",
             "need a contract", "need an mou", "need a psc", "need an agreement", "or what", "agreement for",
             "contract for", "agreement needed", "agreement applies", "what do they need", "set up with")
"""Asking which agreement applies: the advisor's question, never a passage."""
PAPERWORK_ASK = ("who signs", "who sign", "who is supposed to sign", "supposed to sign", "signature", "who keeps",
                 "keeps a copy", "keep a copy", "keep on file", "kept on file", "what goes in", "what sections",
                 "which sections", "which parts", "what's in the", "what is in the", "what does it cover",
                 "what does it include")
"""A question about an agreement's own paperwork (who signs it, what is in it): answered from the rules' text,
whatever facts the message also mentions."""
THRESHOLD_ASK = ("dollar amount", "extra step", "extra process", "qualification", "anything extra", "over a certain",
                 "how much can we pay", "limit", "threshold", "anything else", "besides")
"""A question about what else paying someone takes (a threshold, an extra step)."""
PAYING = ("pay", "paid", "paying", "hire", "hiring", "contract", "vendor", "stipend", "invoice")
PAPERWORK_WORDS = PAPERWORK_ASK + _DOCUMENTS + _TEMPLATE + ("sign", "signed", "checklist", "letter of agreement", "file",
                                                            "liability", "coverage", "certificate", "w9", "license")
"""Words of any question about an agreement's paperwork (documents, checklists, signatures, where it is kept)."""
PARTNER_PRONOUNS = ("they", "they're", "theyre", "they'd", "they'll", "their")
"""Openings whose subject is the partner already under discussion."""
CASE_SUBJECTS = ("it", "its", "it's", "they", "she", "she's", "he", "he's", "the partner", "our partner",
                 "this partner", "the program",
                 "our program", "this program", "the org", "the organization", "the nonprofit", "ok and")
"""Openings that talk about the partnership under discussion ("it's a free mentoring program", "our
partner does free counseling"): such a message adds facts to the case, whatever else it mentions."""
OTHER_QUESTION = 0.6
"""How sure the classifier must be that a message is about something else for it not to add facts to a
case only opened (by a definition or a comparison), with no facts yet."""
FACT_FOLLOW_UP_WORDS = 10
SHORT_CONTEXT = 4
"""An answer this short is read in the context of the question it answers ("us" → "it is paid by us")."""
"""A short message that only adds a fact ("it'll be about $12,500 for the year") completes the last case."""


@dataclass(frozen=True)
class AgreementInfo:
    code: str
    name: str
    short: str
    article: str
    applies_when: str
    why: dict[str, str]
    needs: tuple[str, ...]
    source: str
    extra: dict[str, Any]


@lru_cache(maxsize=1)
def knowledge() -> tuple[dict[str, AgreementInfo], dict[str, str], dict[str, dict[str, Any]]]:
    spec = load_yaml("agreements.yaml")
    infos: dict[str, AgreementInfo] = {}
    for code, body in spec["agreements"].items():
        require(body, ("name", "short", "applies_when", "why", "needs", "source"), f"agreements.yaml {code}")
        extra = {k: v for k, v in body.items() if k not in AgreementInfo.__dataclass_fields__}
        infos[code] = AgreementInfo(
            code, body["name"], body["short"], str(body.get("article", "a")), body["applies_when"], dict(body["why"]),
            tuple(body["needs"]), body["source"], extra,
        )
    for question, body in spec["questions"].items():
        require(body, ("text", "buttons"), f"agreements.yaml question {question}")
    return infos, dict(spec["notes"]), dict(spec["questions"])


def info(code: str) -> AgreementInfo:
    return knowledge()[0][code]


@dataclass(frozen=True)
class Document:
    """A document asked about by name, and the forms whose list holds it (knowledge/agreements.yaml)."""

    name: str
    pattern: re.Pattern[str]
    listed_for: tuple[str, ...]


@lru_cache(maxsize=1)
def documents() -> tuple[Document, ...]:
    spec = load_yaml("agreements.yaml").get("documents") or {}
    out = []
    for name, body in spec.items():
        require(body, ("words", "listed_for"), f"agreements.yaml document {name}")
        words = "|".join(re.escape(str(w)) for w in body["words"])
        out.append(Document(name, re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.I), tuple(body["listed_for"])))
    return tuple(out)


def _document_named(text: str) -> Document | None:
    return next((d for d in documents() if d.pattern.search(text)), None)


def _document_answer(code: str, text: str) -> str | None:
    """"Is a W-9 needed for an MOU partner?": whether the form's list holds the document named, said first."""
    document = _document_named(text)
    if document is None:
        return None
    agreement = info(code)
    if code in document.listed_for:
        return f"Yes: {document.name} is on the list for {agreement.article} {agreement.short}."
    others = " or ".join(f"{info(c).article} {info(c).short}" for c in document.listed_for)
    return f"No: {document.name} is not on the list for {agreement.article} {agreement.short} (it is for {others})."


def note(name: str) -> str:
    return knowledge()[1][name]


def rfq_threshold() -> float:
    return float(info("personal_services_contract").extra.get("rfq_threshold", 9999))


PROVIDER = ("partner", "organization", "non profit", "community based organization", "tutor", "mentor", "coach",
            "instructor", "teacher", "artist", "consultant", "company", "museum", "program", "vendor", "provider",
            "group", "club", "agency", "university", "college", "studio", "theater", "therapist", "counselor",
            "clinic", "specialist", "trainer", "facilitator", "speaker", "musician", "dancer", "poet", "author",
            "business", "nonprofit", "contractor", "someone", "person", "individual", "them", "they")


def facts_evidence(u: Understanding) -> list[str]:
    """Who pays whom, a lease: what the classifier learns agreement questions state.

    Payment counts only when someone providing a service is mentioned: "when is payday" is
    not a partnership."""
    facts = read_facts(u)
    out = [f"payer:{facts.payer}"] if facts.payer and u.has(*PROVIDER) else []
    if facts.lease:
        out.append(f"space:{facts.lease}")
    if named_agreements(u):
        out.append("names_agreement")
    return out


def states_a_case(u: Understanding) -> str | None:
    """A message placed nowhere (or here, but not surely) that states who pays a provider, or reports that disagree on
    it ("the PTSA treasurer says the PTSA pays the karate teacher, but our principal says the school pays"), is an
    agreement case; so is a question about a document an agreement needs ("does the partner have to give us their
    business license?")."""
    if u.intent not in (*follow_ups.WEAK_INTENTS, "agreement"):
        return None
    if _document_named(u.text) is not None and _asks_anything(u):
        return "agreement"
    # someone providing a service is named, or paying is said surely ("the PTSA is picking up the bulk of the cost
    # of the spring musical choreographer"): "when is payday" is no partnership
    surely = any(f.confidence >= STRONG for f in u.facts(PAYER))  # "the PTSA might pay": not known, surely
    facts = read_facts(u) if u.has(*PROVIDER) or surely else Facts()
    return "agreement" if facts.payer or facts.conflict or facts.unsure else None


def asks_a_partners_record(u: Understanding) -> str | None:
    """"which agreement does Eastside PTA Enrichment Partners LLC have at Wedgwood?": what a partner the directory
    knows has on file, however the classifier splits between advising and looking up."""
    if u.entities.organisation is not None and ON_RECORD.search(u.text) and not read_facts(u).known:
        return "partnership_health"
    return None


def asks_which_applies(u: Understanding) -> str | None:
    """"agreement for Steppin' Up Dance Company at Thurgood Marshall?": which agreement a partner needs, however the
    classifier leans towards what it has on file (asked with "have", "on file", "expired", ...)."""
    if u.intent == "partnership_health" and _WHICH_APPLIES.search(u.text) and not ON_RECORD.search(u.text) \
            and not _ITS_RECORD.search(u.text):
        return "agreement"
    return None


_WHICH_APPLIES = re.compile(r"(?:^\W*|\b(?:which|what)\s+)(?:agreement|contract)s?\s+(?:for\b|(?:would|should|do|does|"
                            r"will)\s+(?:\S+\s+){1,5}?need\b)", re.I)
_ITS_RECORD = re.compile(r"\b(?:expired?|expiring|missing|current|valid|on file|on record|in order|renew\w*|"
                         r"up to date|signed|lapsed?)\b", re.I)


# ---- the advisor form ----------------------------------------------------------------------

def _question(name: str) -> Slot:
    def ask(values: dict[str, Any], turn: Turn) -> Prompt:
        spec = knowledge()[2][name]
        buttons = tuple(Button(b["label"], ANSWER_ACTION, f"{name}={b['value']}") for b in spec["buttons"])
        facts = Facts.from_dict(values)
        if name == "confirm":
            return Prompt(_confirmation(facts, str(spec["text"])), buttons)
        if facts.unsure == name:
            return Prompt(_unsure_lead(facts, name) + "\n" + spec["text"], (consult_button("agreements"),) + buttons)
        if facts.contested:
            said = " and ".join(f"“{words}”" for words in facts.contested[:2])
            return Prompt(f"You said {said}, which point to different answers. {spec['text']}", buttons)
        if name == "who_pays" and facts.denied:  # "not the school": say so, and offer only who is left
            ruled_out = " or ".join(PAYER_NAMES.get(value, value) for value in facts.denied)
            left = tuple(button for button in buttons if button.value.partition("=")[2] not in facts.denied)
            return _mixed(facts, Prompt(f"Not {ruled_out}, then. {spec['text']}", left))
        lead = "To tell which agreement applies I need one more fact. " if facts.known or facts.space else ""
        prompt = Prompt(lead + spec["text"], buttons)
        return _mixed(facts, prompt) if name == "who_pays" else prompt

    return Slot(name, ask, parse=lambda answer: None, from_button=lambda value, turn: value)


def _mixed(facts: Facts, prompt: Prompt) -> Prompt:
    """Who pays, asked of a leased partner: paid by the school or a PTSA as well, the forms mix and the department
    decides, which is said with its button."""
    if facts.lease != "lease":
        return prompt
    return Prompt(f"{prompt.text} {note('unclear')}", (consult_button("agreements"),) + prompt.buttons)


def _unsure_lead(facts: Facts, question: str) -> str:
    """Why the question is asked with the department offered: the words that leave who pays open ("the PTSA and
    a local business are sharing the cost"), or, when the user said they don't know, that this is fine."""
    words = facts.evidence.get(PAYER) if question == "who_pays" and facts.payer is None else None
    if words and not any(phrase in words.lower() for phrase in dialogue.UNSURE_PHRASES):
        return note("unsettled").replace("{words}", words)
    return note("unsure")


def _confirmation(facts: Facts, question: str) -> str:
    """ "From “…” I understood that the school or district pays the partner. Is that right?" """
    slot = facts.weak or PAYER
    value = facts.payer if slot == PAYER else facts.lease
    meaning = VALUE_PHRASES[slot].get(str(value), str(value))
    words = facts.evidence.get(slot, "")
    return f"From “{words}” I understood that {meaning}. {question}" if words else f"{meaning}? {question}"


def _read(u: Understanding, values: dict[str, Any], pending: str | None, turn: Turn) -> dict[str, Any]:
    """Every fact the message states; the pending question is read first, as an answer. A short
    answer that states nothing alone ("us", "the partner", "a few weeks") is read in the question's
    context; a name alone ("Cleveland High School") answers nothing."""
    facts = Facts.from_dict(values)
    question = pending or "who_pays"
    if another_program(u, facts):  # "what about Treehouse Readers?" after a message telling two programs
        return {"facts": _read_with_the_told(u, facts, turn).to_dict()}
    if pending and only_a_name(u):
        return {"facts": facts.to_dict()}  # a name answers nothing: the question is asked again, in the advisor
    # "us and the PTSA" names two payers only read in context ("us" alone states nothing)
    listed = _short_answer(u) and listed_subjects(u.text) is not None
    updated = None if listed else answer_from_text(question, _with_the_share(u, facts, turn), facts)
    if updated is None and _short_answer(u):
        context = in_context(question, u.text)
        if context is not None:
            updated = answer_from_text(question, turn.understand(context), facts)
    if updated is None:
        if pending and (dialogue.is_unsure(u) or u.has("maybe", "perhaps", "possibly")):
            return {"facts": replace(facts, unsure=pending).to_dict()}
        return {}
    if question == "lease" and updated.space and updated.lease is None and not updated.unsure:
        updated = replace(updated, doubt=(*updated.doubt, SPACE))  # answered who pays: how long is still asked
    if updated.unsure:
        return {"facts": updated.to_dict()}
    return {"facts": replace(updated, unsure=None).to_dict()}


def _short_answer(u: Understanding) -> bool:
    """A few words that are not only a name, nor a question."""
    return 0 < len(u.tokens) <= SHORT_CONTEXT and not only_a_name(u) and not is_question(u)


def only_a_name(u: Understanding) -> bool:
    """The message is a school's or an organisation's name and words that only point at it ("Cleveland High
    School", "it's for Garfield High School", "Rainier School of Music"): a name is never a fact."""
    from bot.understanding.facts import BARE_WORDS, PROPER_NAME, names_masked

    school = u.entities.school
    span = range(school.start, school.end) if school is not None and school.schools else range(0)
    organisation = set(u.entities.organisation[1].lower().split()) if u.entities.organisation is not None else set()
    left = [t for i, t in enumerate(u.tokens) if i not in span and t not in organisation]
    masked = names_masked(u.text).lower().replace("'", " ").split()
    named = len(left) < len(u.tokens) or PROPER_NAME in masked
    pointing = all(t in BARE_WORDS for t in left) or (PROPER_NAME in masked and all(
        w in BARE_WORDS or w == PROPER_NAME for w in masked))
    return named and (len(left) <= 1 or pointing)


def _apply(values: dict[str, Any], filled: dict[str, Any]) -> dict[str, Any]:
    if "facts" in filled:
        return dict(filled["facts"])
    facts = Facts.from_dict(values)
    for question, value in filled.items():
        facts = facts_from_button(question, str(value), replace(facts, unsure=None))
    return facts.to_dict()


def _next(values: dict[str, Any], turn: Turn) -> str | None:
    facts = Facts.from_dict(values)
    if facts.unsure:
        return facts.unsure
    return decide(facts, rfq_threshold()).asking


def _complete(values: dict[str, Any], message: Message, turn: Turn) -> Reply:
    facts = Facts.from_dict(values)
    decision = decide(facts, rfq_threshold())
    turn.state.remember(FORM, facts.to_dict(), turn.now)
    if decision.agreement:
        return _answer(decision, facts, turn, named_agreements(turn.understanding))
    return _other_outcome(decision, facts, turn)


ADVISOR = Form(
    name=FORM,
    intent="agreement",
    title="agreement question",
    slots=tuple(_question(name) for name in QUESTIONS),
    complete=_complete,
    answer_action=ANSWER_ACTION,
    next_slot=_next,
    describe=lambda values, turn: {"agreement": None, "facts": Facts.from_dict(values).to_dict()},
    read=_read,
    apply=_apply,
    cancelled="OK, let's leave the agreement question there. Ask again any time.",
    why_asked=lambda: note("why_asked"),
)


# ---- typed questions -----------------------------------------------------------------------

def _asks_which(u: Understanding) -> bool:
    """The message asks which agreement applies, in a phrase or in a clause of its own ("…, agreement?")."""
    return u.has(*WHICH_ASK) or any(only_asks_for_the_agreement(clause.words) for clause in u.clauses)


def _with_the_share(u: Understanding, case: Facts, turn: Turn) -> Understanding:
    """The message, read after the share it completes when it tells who pays the rest ("PTSA pays half ..." ... "the
    school pays the other half"): as one telling, both payers are weighed together as in one message."""
    return _after_the_case(u.text, case, turn) if completes_a_share(u.text, case) else u


def _after_the_case(text: str, case: Facts, turn: Turn) -> Understanding:
    """The message read as said right after the words that decided the case, as one message."""
    return turn.understand(f"{case.evidence[PAYER].rstrip(' .')}. {text}")


_VOLUNTEERING = re.compile(r"\bvolunteer", re.I)
_RENTING = re.compile(r"\brent(?:s|ing|ed|al)?\b", re.I)


def _puts_a_case_anew(u: Understanding, fresh: Facts) -> bool:
    """A case put forward in place of the one decided, whoever paid there: unpaid work ("and if the coaches were just
    parents volunteering on their own?"; "what if she's an individual?" is still paid) or the partner renting space
    for its own use ("and if the org just rents a room for one weekend?"; "what if she only comes a few times?" is
    still her paid work)."""
    return supposes(u.text) and (
        fresh.payer == "volunteer" and bool(_VOLUNTEERING.search(fresh.evidence.get(PAYER, "")))
        or fresh.payer is None and fresh.lease == "short" and bool(_RENTING.search(u.text)))


def _continues_the_case(u: Understanding, case: Facts) -> bool:
    """A statement that tells nothing alone but goes on from the case's words: its subject is the case's party
    ("they'll pay her and handle signups" after "our parents group wants to hire an art teacher"), or it disowns them
    ("hmm, the PTSA president just told me they never agreed to that"). It is read after those words, as one message
    (structure rule)."""
    return bool(case.evidence.get(PAYER)) and not _asks_anything(u) and not any(
        clause.fact(PAYER) is not None for clause in u.clauses) and (
        opens_with_they(without_openers(u.text)) or disowns(u.text))


def _read_with_the_told(u: Understanding, case: Facts, turn: Turn) -> Facts:
    """Another program of the message that told several, read from that message with the question after it; one it
    never told is a case of its own, whose payer is asked."""
    if names_an_untold_program(u.text, case.told):
        return Facts(told=case.told)
    # a sentence of its own, and a question ("now the yoga one" asks about it)
    return read_facts(turn.understand(f"{case.told.rstrip(' .')}. {u.text.rstrip(' ?.!')}?"))


def _asks_anything(u: Understanding) -> bool:
    """A question anywhere in the message: "insurance requirements for partners we pay? how much coverage", "the
    contractor checklist - which sections does the partner fill out vs us"."""
    return is_question(u) or "?" in u.text or any(clause.asks for clause in u.clauses) or bool(_WH_QUESTION.search(u.text))


_WH_QUESTION = re.compile(r"\b(?:which|what|who|how|where|when)\b[^.!]*?\b(?:do|does|did|should|can|must)\b", re.I)
"""A question said without its mark or its opening words ("the checklist - which sections does the partner fill")."""


def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    named = named_agreements(u)
    facts = they_named_nobody(u, read_facts(u))
    if u.entities.organisation is not None and ON_RECORD.search(u.text) and not facts.known:
        # "which agreement do we have with Quill & Ink Writing Academy?": what the directory holds of a partner it
        # knows, not a case to decide
        return health.handle(message, turn)
    if u.has(*_LEASE_QUESTION) and not facts.known and not facts.lease:
        case = Facts.from_dict(turn.state.form_data.get("values") or {}) if turn.state.form == FORM else Facts()
        return _lease_explained(case)
    if grant_application(u) and facts.payer is None:
        return _topic_answer(turn, "grant", None)  # applying for a grant names no payer of a partnership yet
    if not facts.known and not facts.lease:
        if _asks_about_the_rfq(u) or (u.has("request for qualifications") and not u.amounts):
            return _topic_answer(turn, "rfq", "personal_services_contract")
        if u.has("insurance") and not named and not (is_question(u) and u.has(*PAYING)):
            return _topic_answer(turn, "insurance", None)  # about paying someone: what a PSC needs, below
        if named and not facts.unsure:  # a situation is decided, not defined
            return _informational(named, turn)
    elif _asks_about_the_rfq(u) and not u.amounts and not _asks_which(u):  # "... which agreement + do we need an
        # rfq": the decided case answers both, its needs saying when an RFQ comes first
        return _topic_answer(turn, "rfq", "personal_services_contract")
    document = _document_named(u.text)
    if document is not None and not named and _asks_anything(u) and not (facts.known and not facts.weak):
        # "do we need a business license from the partner?", "the contractor checklist - which sections does the
        # partner fill out": answered from the form whose list holds the document
        return _explain(document.listed_for[0], turn, "documents")
    if _asks_anything(u) and (u.has(*PAPERWORK_WORDS) or u.has(*THRESHOLD_ASK)) and not _asks_which(u) and not named \
            and not (facts.known and not facts.weak):
        # "who signs the PTSA letter of agreement?", "how much liability coverage does a paid vendor need?":
        # a question about the paperwork is answered from the rules' text, whatever facts it mentions; one naming a
        # document ("the contractor checklist - which sections does the partner fill out") from the form that lists it
        found = turn.grounded(u.text, generate=False)
        if found is not None:
            return grounded_reply(found, turn, "agreement")
        if facts.payer in (None, "school") and u.has(*PAYING):
            # about paying someone: what a PSC needs, said as what applies when the school pays, not decided
            return _explain("personal_services_contract", turn, "documents", when_paying=True)
    if _asks_to_compare(u, named) and not facts.known:
        return _compare(named, turn)
    if not (facts.known or facts.unsure or facts.doubt) and is_question(u) and not _asks_which(u):
        # A question about the paperwork itself ("who signs the letter of agreement?"), not about which
        # agreement applies: the rules' own text answers it, if a passage fits well (never a model).
        found = turn.grounded(u.text, generate=False)
        if found is not None:
            return grounded_reply(found, turn, "agreement")
    return dialogue.start(ADVISOR, facts.to_dict(), message, turn)


def refine(message: Message, turn: Turn, previous: dict[str, Any]) -> Reply | None:
    """A follow-up to a decided case: "what if the PTA pays instead?", "do they need a lease?",
    "that's not what I meant"."""
    u = turn.understanding
    earlier = Facts.from_dict(previous)
    if another_program(u, earlier):  # "and for the chess one?": read with the message that told several programs
        return dialogue.start(ADVISOR, _read_with_the_told(u, earlier, turn).to_dict(), message, turn)
    replaced = _said_instead(u.text, earlier)
    if replaced is not None:  # "*school not ptsa" after "ptsa is paying the instructor"
        return dialogue.start(ADVISOR, earlier.merge(read_facts(turn.understand(replaced))).to_dict(), message, turn)
    fresh = read_facts(_with_the_share(u, earlier, turn), earlier.partner_speaks)
    if _puts_a_case_anew(u, fresh):
        earlier = earlier.without(PAYER)
    if not (fresh.known or fresh.unsure) and _continues_the_case(u, earlier):
        fresh = read_facts(_after_the_case(u.text, earlier, turn), earlier.partner_speaks)
    if u.has(*NOT_MEANT) and len(u.tokens) <= FACT_FOLLOW_UP_WORDS and not fresh.known and earlier.known:
        return not_meant(replace(message, value=decisive_slot(earlier)), turn)
    if u.has(*_LEASE_QUESTION) and not fresh.known and not fresh.lease:
        return _lease_explained(earlier)
    if not fresh.known and fresh.amount is None and not _asks_something_else(u) and (
            u.has(*_TEMPLATE) or u.has(*_DOCUMENTS)) and (
            follow_ups.refers_back(u) or is_question(u) and u.has(*_TEMPLATE)):
        code = decide(earlier, rfq_threshold()).agreement  # "where's the template for that one?"
        return _informational([code], turn) if code else None
    if not (fresh.known or fresh.unsure or fresh.amount is not None):
        if _asks_about_the_rfq(u):
            return _topic_answer(turn, "rfq", "personal_services_contract")  # "is that over the RFQ limit?"
        if earlier.known and (_tells_more_of_the_case(u) or says_what_a_parent_body_is(u.text) and _only_states(u)
                              or _asks_if_the_provider_differs(u)):
            return dialogue.start(ADVISOR, earlier.to_dict(), message, turn)  # the same case, answered again
        return _about_the_agreement(u, earlier, turn)
    if earlier == Facts() and u.intent != "agreement" and not _about_the_case(u) and (
            follow_ups.placed_elsewhere(u, "agreement", OTHER_QUESTION)
            or (is_question(u) and not u.has(*FOLLOW_UP))):
        return None  # after a definition, "partners at Garfield that are free to the school" is another question
    corrects = u.opens_with(*CORRECTION) or any(clause.correcting for clause in u.clauses)
    # "they also want us to pay them out of Title I ... same agreement?": its subject is the case's partner
    if not (u.has(*FOLLOW_UP) or corrects or follow_ups.is_follow_up(u, FACT_FOLLOW_UP_WORDS)
            or _only_states(u) or u.opens_with(*PARTNER_PRONOUNS) and u.entities.organisation is None):
        return None  # a long message with facts and a question of its own is a new question, read on its own
    return dialogue.start(ADVISOR, earlier.merge(fresh).to_dict(), message, turn)


_X_NOT_Y = re.compile(r"^\W*(?P<new>(?:the\s+|our\s+)?[\w'-]+(?:\s+[\w'-]+)?)\s*,?\s+not\s+(?:the\s+|our\s+)?"
                      r"(?P<old>[\w'-]+(?:\s+[\w'-]+)?)\W*$", re.I)


def _said_instead(text: str, case: Facts) -> str | None:
    """"*school not ptsa" after "ptsa is paying the instructor": a correction of a word alone ("X not Y") names what
    replaces a word of what decided the case; those words, so corrected, are read again (None: no such correction)."""
    found = _X_NOT_Y.match(text)
    if found is None:
        return None
    said = case.evidence.get(PAYER, "")
    old = re.compile(rf"\b(?:(?:the|our)\s+)?{re.escape(found['old'])}\b", re.I)
    return old.sub(found["new"], said) if old.search(said) else None


UNSURE_OF_OTHER = 0.6
"""A question that points back is about the agreement just decided unless the classifier is this sure
it asks something else ("who has to sign that?" is; "are there trainings on that?" is not)."""


def _asks_about_the_rfq(u: Understanding) -> bool:
    """"How much can we pay them before an RFQ is needed?": the threshold, answered from the rules, not a passage."""
    return u.has("request for qualifications") and u.has(*RFQ_QUESTION)


def _asks_something_else(u: Understanding) -> bool:
    """The classifier is sure the question is about another topic ("does that partner still need background
    checks?" after an MOU): it is answered as that topic, not from the agreement's text."""
    return follow_ups.placed_elsewhere(u, "agreement", UNSURE_OF_OTHER)


def _about_the_agreement(u: Understanding, case: Facts, turn: Turn) -> Reply | None:
    """"What has to be in it?", "who has to sign that?" after a decided case: the rules' text about that
    agreement answers, when a passage fits well (never a model); None otherwise."""
    code = decide(case, rfq_threshold()).agreement if case.known else None
    if code is None or _asks_something_else(u) or not is_question(u) or not (follow_ups.refers_back(u) or u.has(*_DOCUMENTS)):
        return None
    if u.has(*_DOCUMENTS):
        return _explain(code, turn, "documents")  # "what does she need to send us?": the whole list, for this case
    found = turn.grounded(f"{u.text} ({info(code).name})", generate=False)
    return grounded_reply(found, turn, "agreement") if found is not None else None


def _asks_to_compare(u: Understanding, named: list[str]) -> bool:
    """"What's the difference between an MOU and a PSC?", "MOU or PSC?"."""
    return (len(named) >= 2 and u.has(*_DIFFERENCE)) or asks_which_of(u, named)


def _only_states(u: Understanding) -> bool:
    """A message that asks nothing and names no organisation ("there's no lease or anything, they'd just
    book the gym for those weeks") tells more of the case just discussed, however long it is."""
    return not is_question(u) and not any(clause.asks for clause in u.clauses) and u.entities.organisation is None


def _tells_more_of_the_case(u: Understanding) -> bool:
    """"and the coach is just one person, not a company": a statement about the provider of the case just
    decided, deciding nothing new; its answer (what the agreement needs, for one person too) is given again."""
    return (follow_ups.opens_as_follow_up(u) or u.opens_with(*CASE_SUBJECTS)) and u.has(*PROVIDER_NOUNS) \
        and not u.has(*NEW_WORK) and (_only_states(u) or _asks_only_in_passing(u)) \
        and not follow_ups.placed_elsewhere(u, "agreement", OTHER_QUESTION)


DIFFERS = ("is it different", "would it be different", "anything different", "any different", "does it change",
           "would it change")


def _asks_if_the_provider_differs(u: Understanding) -> bool:
    """"is it different if she's just one person, not a company?": the case just decided, asked again of its provider."""
    return u.has(*DIFFERS) and u.has(*PROVIDER_NOUNS) and not u.has(*NEW_WORK)


ASIDE_QUESTION_WORDS = 4
"""A question this short after a statement ("she's just one person, not a company - anything different?") asks
about the statement, nothing of its own."""


def _asks_only_in_passing(u: Understanding) -> bool:
    """A statement followed by a few words of question about it (see ASIDE_QUESTION_WORDS)."""
    *stated, last = u.clauses or (None,)
    return last is not None and bool(stated) and len(last.words.split()) <= ASIDE_QUESTION_WORDS \
        and not any(clause.asks for clause in stated) and u.entities.organisation is None


PROVIDER_NOUNS = tuple(word for word in PROVIDER if word not in ("them", "they", "program", "someone"))
NEW_WORK = ("also", "another", "too", "as well", "camp", "program", "class", "club", "workshop")
"""Words of more work beside the case ("they also run a summer camp"): who pays for it is not known."""


def _about_the_case(u: Understanding) -> bool:
    """Said of the case under discussion: it opens as a follow-up or with the case as subject, or it is a
    few words stating a fact and asking nothing ("$$ is tbd")."""
    return (follow_ups.opens_as_follow_up(u) or u.opens_with(*CASE_SUBJECTS)
            or (len(u.tokens) <= FACT_FOLLOW_UP_WORDS // 2 and not u.text.rstrip().endswith("?")))


def _lease_explained(case: Facts) -> Reply:
    """"Do they need a lease?": a lease (and an Alignment Agreement) is for long-term use only."""
    permit = info(PERMIT)
    rule = (f"An Alignment Agreement, with a lease, is only for a partner with long-term use of space. Short, "
            f"occasional or hourly use (under about twelve weeks) needs a *{permit.name}* instead.")
    if case.lease == "short":
        text = f"No lease needed here: for short, occasional use the group needs a *{permit.name}*. {rule}"
        data: dict[str, Any] = {"agreement": None, "outcome": PERMIT, "facts": case.to_dict()}
    else:
        text = rule
        data = {"agreement": None, "question": "lease", "facts": case.to_dict()}
    return Reply(text, "agreement", 1.0, data, buttons=(consult_button("agreements"),),
                 footer=f"Source: {note('source')}")


def _informational(named: list[str], turn: Turn) -> Reply:
    """Questions about an agreement itself: differences, templates, documents, definitions."""
    u = turn.understanding
    if _asks_to_compare(u, named) or (u.has(*_DIFFERENCE) and u.has("difference")):
        return _compare(named, turn)
    code = named[0]
    if u.has(*_TEMPLATE) and not u.has(*_DOCUMENTS[:4]) and _document_named(u.text) is None:
        return _template(code, turn)  # "a copy of the partner's business license" asks about that document
    return _explain(code, turn, "documents" if u.has(*_DOCUMENTS) else "definition")


def _topic_answer(turn: Turn, topic: str, about: str | None) -> Reply:
    """A rule that spans agreements (the RFQ threshold, insurance, grants), stated directly."""
    return Reply(note(topic), "agreement", turn.understanding.confidence or 1.0,
                 {"agreement": None, "about": about, "question": topic},
                 buttons=(Button("Which agreement applies to us?", "agreement.restart", ""), consult_button("agreements")),
                 footer=f"Source: {note('source')}")


def _needs_lines(agreement: AgreementInfo) -> str:
    return "\n".join(f"• {need}" for need in agreement.needs)


def _answer(decision: Decision, facts: Facts, turn: Turn, named: list[str]) -> Reply:
    agreement = info(decision.agreement or "")
    why = agreement.why.get(decision.reason or "", agreement.applies_when)
    lines = []
    mismatch = [code for code in named if code != agreement.code]
    if mismatch:
        lines.append(f"Not {info(mismatch[0]).article} {info(mismatch[0]).short}: here it's {article_of(agreement.name)} *{agreement.name}*.")
    else:
        lines.append(f"*{agreement.name}*")
    said = _evidence_line(facts, decisive_slot(facts), f"so it's {agreement.article} {agreement.short}")
    lines.append(said or f"This is {agreement.article} {agreement.short} because {why}.")
    lines.append("\nWhat it needs:\n" + _needs_lines(agreement))
    if agreement.code == "personal_services_contract":
        if decision.rfq:
            lines.append(
                f"\nBecause the total (${facts.amount:,.0f}) is more than $9,999 of school or district funds, "
                "the organisation must first go through a Request for Qualifications (RFQ)."
            )
        elif facts.amount is not None:
            lines.append(f"\nAt ${facts.amount:,.0f} in total no Request for Qualifications (RFQ) is needed; "
                         "one is required only above $9,999.")
        else:
            lines.append("\n" + str(agreement.extra["rfq_note"]))
    if agreement.code == "mou":
        lines.append("\n" + str(agreement.extra["template_note"]))
    if grant_application(turn.understanding):
        lines.append("\n" + note("grant"))
    if facts.lease == "short":  # the agreement covers the work; the rooms are booked apart
        lines.append(f"\nFor the space: short, occasional use (under about twelve weeks) is not a lease; book it with a "
                     f"*{info(PERMIT).name}*.")
    lines.append("\nNot sure this fits your case? Ask the department for a consultation.")
    return Reply(
        "\n".join(lines),
        "agreement",
        turn.understanding.confidence or 1.0,
        {
            "agreement": agreement.code,
            "reason": decision.reason,
            "needs": list(agreement.needs),
            "rfq_required": decision.rfq,
            "facts": facts.to_dict(),
            "evidence": dict(facts.evidence),
            "source": agreement.source,
        },
        buttons=_not_meant_buttons(facts) + (consult_button("agreements"), Button("Start over", "agreement.restart", "")),
        fields=(Field("Agreement", agreement.name), Field("Applies when", agreement.applies_when)),
        footer=f"Source: {agreement.source}",
    )


def decisive_slot(facts: Facts) -> str:
    """The fact the decision rests on: the use of space when it is a lease or short use, else who pays."""
    return SPACE if facts.lease and (facts.lease == "lease" or not facts.payer) else PAYER


def _evidence_line(facts: Facts, slot: str, conclusion: str) -> str | None:
    """ "You said “the bank pays the coach directly”: no school money changes hands ..., so it's an MOU." """
    words = facts.evidence.get(slot)
    value = facts.payer if slot == PAYER else facts.lease
    if not words or value is None:
        return None
    return f"You said “{words}”: {VALUE_PHRASES[slot].get(value, value)}, {conclusion}."


SLOT_LABELS = {PAYER: "who pays", SPACE: "the use of space"}


def _not_meant_buttons(facts: Facts) -> tuple[Button, ...]:
    """One "That's not what I meant" per fact read from the user's words: pressing it asks that again."""
    slots = [slot for slot in (PAYER, SPACE) if slot in facts.evidence]
    if len(slots) == 1:
        return (Button("That's not what I meant", NOT_MEANT_ACTION, slots[0]),)
    return tuple(Button(f"Not what I meant: {SLOT_LABELS[slot]}", NOT_MEANT_ACTION, slot) for slot in slots)


def not_meant(message: Message, turn: Turn) -> Reply:
    """Take back one fact of the last decided case and ask it again ("That's not what I meant")."""
    context = turn.state.context(turn.now)
    if context is None or context[0] != FORM:
        return Reply("There's no agreement answer here to correct any more. Tell me about the partnership and "
                     "I'll work it out again.", "agreement", 1.0, {"agreement": None, "asking": "who_pays"},
                     buttons=(Button("Which agreement applies?", "agreement.restart", ""),))
    case = Facts.from_dict(context[1])
    slot = message.value if message.value in (PAYER, SPACE) else decisive_slot(case)
    reply = dialogue.start(ADVISOR, case.without(slot).to_dict(), message, turn)
    return replace(reply, text=f"Sorry, I'll set that aside. {reply.text}")


def _other_outcome(decision: Decision, facts: Facts, turn: Turn) -> Reply:
    data: dict[str, Any] = {"agreement": None, "outcome": decision.outcome, "facts": facts.to_dict(),
                            "evidence": dict(facts.evidence)}
    if decision.outcome == PERMIT:
        permit = info(PERMIT)
        text = (
            "That sounds like short, occasional or hourly use of rooms (under about twelve weeks). "
            f"That's a *{permit.name}*, not an Alignment Agreement: an Alignment Agreement is for a partner "
            "with long-term use of space through a lease. If the group will also run a program for students, "
            "tell me who pays for it and I'll name the agreement for that."
        )
    elif decision.outcome == "unclear":
        data["candidates"] = list(decision.candidates)
        paid = decision.candidates[-1]
        paying = "the PTSA paying the partner" if paid == PTSA else "paying the partner"
        text = (
            f"This one mixes forms: the lease points to an *Alignment Agreement*, and {paying} to "
            f"*{info(paid).name}*. " + note("unclear")
        )
    else:
        text = note("volunteer")
    said = _evidence_line(facts, decisive_slot(facts), "so no partnership agreement is needed here"
                          if decision.outcome != "unclear" else "and that needs the department")
    return Reply(
        f"{said}\n{text}" if said else text,
        "agreement",
        turn.understanding.confidence or 1.0,
        data,
        buttons=_not_meant_buttons(facts) + (consult_button("agreements"), Button("Start over", "agreement.restart", "")),
        footer=f"Source: {note('source')}",
    )


def _open_case(turn: Turn) -> None:
    """After a definition or a comparison, the facts said next ("no money changes hands", "the PTA
    pays") decide which agreement applies, with those this message stated ("they have a 5-year lease ..., what
    does it need?": a payment said next mixes forms); a case already under discussion keeps its facts."""
    context = turn.state.context(turn.now)
    if context is None or context[0] != FORM:
        turn.state.remember(FORM, read_facts(turn.understanding).to_dict(), turn.now)


def _compare(named: list[str], turn: Turn) -> Reply:
    _open_case(turn)
    codes = named if len(named) >= 2 else list(knowledge()[0])[:4]
    lines = ["Here's how they differ:"]
    for code in codes:
        agreement = info(code)
        lines.append(f"• *{agreement.name}*: when {agreement.applies_when}.")
    lines.append("Tell me about your partnership (who pays, whose funding, a lease, a PTSA) and I'll say which applies.")
    return Reply(
        "\n".join(lines),
        "agreement",
        turn.understanding.confidence or 1.0,
        {"agreement": None, "compare": codes},
        buttons=(Button("Which one applies to us?", "agreement.restart", ""),),
        footer=f"Source: {note('source')}",
    )


def _template(code: str, turn: Turn) -> Reply:
    agreement = info(code)
    if code == "mou":
        where = fill_links(str(agreement.extra["template_where"]), turn.settings, link_defaults())
        text = f"{where}. {agreement.extra['template_note']}"
    else:
        text = (
            f"For a {agreement.short}, the department provides the forms: contact "
            f"{turn.settings.department_email}. It needs:\n{_needs_lines(agreement)}"
        )
    return Reply(
        text,
        "agreement",
        turn.understanding.confidence or 1.0,
        {"agreement": None, "about": code, "question": "template"},
        buttons=(consult_button("agreements"),),
        footer=f"Source: {agreement.source}",
    )


def _explain(code: str, turn: Turn, question: str, when_paying: bool = False) -> Reply:
    _open_case(turn)
    agreement = info(code)
    lead = (f"When the school or district pays a partner, the agreement is a *{agreement.name}*." if when_paying
            else f"*{agreement.name}*: used when {agreement.applies_when}.")
    answered = _document_answer(code, turn.understanding.text)
    lines = [*([answered] if answered else []), lead, "\nWhat it needs:\n" + _needs_lines(agreement)]
    if code == "personal_services_contract":
        lines.append("\n" + str(agreement.extra["rfq_note"]))
    return Reply(
        "\n".join(lines),
        "agreement",
        turn.understanding.confidence or 1.0,
        {"agreement": None, "about": code, "question": question, "needs": list(agreement.needs)},
        buttons=(consult_button("agreements"), Button("Which one applies to us?", "agreement.restart", "")),
        footer=f"Source: {agreement.source}",
    )


def restart(message: Message, turn: Turn) -> Reply:
    return dialogue.start(ADVISOR, {}, message, turn)


def register(registry: Registry) -> None:
    registry.form(ADVISOR)
    registry.intent("agreement")(handle)
    registry.action("agreement.restart")(restart)
    registry.action(NOT_MEANT_ACTION)(not_meant)
    registry.refiner(FORM)(refine)
    registry.reader(facts_evidence)
    registry.rule(states_a_case)
    registry.rule(asks_a_partners_record)
    registry.rule(asks_which_applies)
