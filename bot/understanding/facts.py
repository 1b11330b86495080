"""Facts a message states, read clause by clause, each with the words it came from.

A decision fact (who pays the partner, how the partner uses space) is a value of a slot plus
the span of the user's words it was read from and how sure the reading is: `Fact`. The values
are learnt from labelled example clauses in knowledge/facts/<slot>.yaml (and what the department
teaches with `partnerbot teach "..." payer=partner`) by the same kind of linear model as the
intent classifier. What is written by hand is structure only, each rule with a test:

- clauses: a message splits at sentence ends and at contrasts ("but", "although", "instead"), so
  what one clause denies does not reach another, and the last word in a correction wins;
- negation: the words after a negator in a clause are marked ("not_pay"), so "the PTSA isn't
  paying" and "the PTSA is paying" differ for the model;
- ellipsis: "..., the school is" borrows what the clause before it said ("is paying");
- names: a school's or an organisation's name is a placeholder, and a capitalised name holding
  "School", "Academy" or "District" is one, so a name never says who pays.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from bot.text import stem
from bot.understanding.entities import PLACEHOLDER_ORG, PLACEHOLDER_SCHOOL
from bot.understanding.model import LinearModel

NONE = "none"
UNKNOWN = "unknown"
FACT_LABEL = "="
"""A taught example's label for a fact: "payer=partner" (an intent's label has no "=")."""
STANDING = "standing"
"""The slot that says how a clause's statement stands (now, only what was, still to come, reasoned, taken
back): it qualifies what the other slots read and states no fact of its own (knowledge/facts/standing.yaml)."""
QUALIFIERS = frozenset({STANDING})
STANDS = 0.6
"""How surely a clause must read as only what was, still to come, reasoned or taken back for that to count."""
PAST, TO_COME, INFERRED, WITHDRAWN = "past", "to_come", "inferred", "withdrawn"
QUALIFIER_BALANCE = 0.5
"""How far a qualifier's rare values are weighed up against its many examples of nothing (1 would weigh them
alike, and plain clauses read as reasoned or past; 0 leaves them too unsure to count)."""
FLOOR = 0.5
"""Below this a clause's reading is not a fact at all."""
CHAR_NGRAMS = (3, 5)
NEGATORS = frozenset("no not never none nobody nothing without neither nor cannot cant dont doesnt didnt isnt arent "
                     "wasnt werent wont wouldnt shouldnt couldnt havent hasnt hadnt aint".split())
AUXILIARIES = frozenset("is are was were will would does do did can could has have had am shall should might may "
                        "isnt arent wasnt werent wont wouldnt doesnt dont didnt cant couldnt hasnt havent".split())
CORRECTING = ("actually", "wait", "correction", "scratch that", "sorry", "oops", "no", "nope", "instead", "now",
              "i meant", "my mistake", "my bad", "rather", "turns out", "update", "but actually", "but now",
              "but instead", "but really", "but it turns out", "but wait", "but no")
"""Openings of a clause that take back or replace what came before it. A plain "but" only contrasts: "the
school pays but the PTSA coordinates" states both."""
NEWS = ("now", "wait", "update", "turns out", "but now", "but wait", "but it turns out")
"""Openings of a correction that bring news rather than take back the writer's own words: "now the PTSA president
is telling me the PTSA pays her" reports another claim (see `brings_news`)."""
RETRACTING = tuple(opening for opening in CORRECTING if opening not in NEWS)
DENIERS = frozenset("not isnt arent wasnt werent dont doesnt didnt wont n't".split())
"""Negators that deny a denial when said twice ("not NOT"), or after a negated truth (see TRUTH_WORDS)."""
VOID = "void"
"""The mark of a word the fact models do not see (a negator whose denial is denied)."""
TRUTH_WORDS = frozenset("true case".split())
""""It isn't true that ...", "it's not the case that ...": what follows is denied as a whole."""
AFTER_NEGATORS = frozenset("nothing zero nada none".split())
EMBEDDED = frozenset("who whos what whether if how where which".split())
"""Words opening an embedded question: a negation or hedge before one does not reach into it."""
AFTER_REACH = 2
"""How many words before it a negator that follows its verb negates ("costs us nothing")."""
SPEECH_VERBS = frozenset("said says say told replied answered".split())
"""After these "no" is the answer said ("the principal said no the school would pay"), not a negation of what
follows."""
REPORTING_VERBS = frozenset("says said saying told tells telling mentioned mentions mentioning claims claimed claiming "
                            "insists insisted insisting confirmed confirms confirming thinks thought believes believed "
                            "swears swore swearing assured assures promised promises texted emailed messaged wrote "
                            "writes explained explains messaging messages texting emailing writing replying replied "
                            "pinged pinging dmed dming heard hears hearing learned".split())
"""After these, with a subject of their own ("the principal says the PTSA is paying", "the AP is telling me ...",
"the director just texted that ..."), what was said is the clause's fact, not who said it (see `reported`)."""
WRITER_SUBJECTS = frozenset("i we i've we've i'd we'd i'm we're".split())
"""A report with these for its subject is the writer's own word ("like I said, the school pays")."""
REPORT_LINKS = frozenset("just also now is are was has have keeps kept had already again".split())
"""Words between a report's subject and its verb ("the AP is telling me", "the PTSA president just texted that")."""
REPORT_ADDRESSEES = frozenset("me us that".split())
PRONOUN_OPENINGS = frozenset("they theyd they'd they'll theyll they're theyre he she".split())


FIRST_PERSON_OPENINGS = frozenset("we were weve wed".split())
"""A report opening with these ("our PTSA treasurer says we pay the chess coach") speaks for the speaker's side
("were" is how "we're" is read)."""
PRONOUN_VERBS = {"were": "are", "weve": "have", "wed": "would", "they're": "are", "theyre": "are", "there": "are",
                 "they'll": "will", "theyll": "will", "they'd": "would", "theyd": "would"}
"""The verb a pronoun opening carries ("they're covering it" -> "are covering it")."""


def said_by_a_party(tokens: Sequence[str], scope: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """"ok PTSA just confirmed they're paying her", "our PTSA treasurer says we pay the chess coach": a report whose
    pronoun is the speaker, and the speaker a party who may pay (a parent body, an organisation), is read as what the
    party said of itself ("ptsa are paying her");
    None for any other clause (structure rule)."""
    found = _what_was_said(tokens)
    if found is None:
        return None
    verb, start = found  # "the org's director told me | they expect us to pay them"
    # "the director told me we're covering it": "we" after an addressee is the writer's side, not the speaker's
    if len(tokens) - start < MIN_PART or not (
            _a_pronoun_opens(tokens, start) or tokens[start] in FIRST_PERSON_OPENINGS and start == verb + 1):
        return None
    party = next((token for token in tokens[:verb] if _a_party(token)), None)
    if party is None:
        return None
    carried = [PRONOUN_VERBS[tokens[start]]] if tokens[start] in PRONOUN_VERBS else []
    return [party, *carried, *tokens[start + 1:]], ["", *[""] * len(carried), *scope[start + 1:]]


def _a_pronoun_opens(tokens: Sequence[str], start: int) -> bool:
    """What was said opens with a pronoun for the speaker ("they'd pay"; "they're paying" is read as "there paying",
    unlike "there is a grant")."""
    return tokens[start] in PRONOUN_OPENINGS or tokens[start] == "there" and start + 1 < len(tokens) \
        and tokens[start + 1].endswith("ing")


def _what_was_said(tokens: Sequence[str]) -> tuple[int, int] | None:
    """The first reporting verb with a subject before it, and where what was said starts after it and its addressees
    ("the treasurer just told me | the school is paying"); None when the clause reports nothing."""
    verb = next((i for i, token in enumerate(tokens[:-1]) if token in REPORTING_VERBS and i), None)
    if verb is None:
        return None
    start = verb + 1
    while start < len(tokens) and tokens[start] in REPORT_ADDRESSEES:
        start += 1
    return verb, start


def reported(tokens: Sequence[str]) -> int:
    """Where reported speech starts in a clause ("the treasurer just told me | the school is paying"), or 0 when the
    clause reports nothing, what follows is too short to state a fact ("the principal said no"), or it opens with
    a pronoun for the speaker ("the PTSA said they'd pay": read whole) or "to" ("promised to pay") (structure rule)."""
    found = _what_was_said(tokens)
    if found is None:
        return 0
    start = found[1]
    # "the PTA VP promised | to pay the drama coach": an infinitive is the speaker's own act, read whole ("mentioned
    # to me that ..." reports)
    if len(tokens) - start < MIN_PART or _a_pronoun_opens(tokens, start):
        return 0
    return 0 if tokens[start] == "to" and tokens[start + 1] not in REPORT_ADDRESSEES else start
HEDGES = frozenset("might maybe perhaps possibly probably prob probs prolly likely hopefully potentially could "
                   "thinking considering think believe hoping hope supposedly apparently "
                   "reportedly allegedly floated floating".split())
STRUCTURE_WORDS = REPORTING_VERBS | HEDGES | NEGATORS
"""Words the structure rules read: never taken for a typo of another word ("thinks" is not "thanks")."""
HEDGE_ASIDE = frozenset("i think guess believe suppose probably maybe perhaps prob".split())
"""Words of a hedge said aside, between commas ("the PTSA, I think, ...")."""
REQUESTERS = frozenset("you we i u".split())
"""After "could" these make a request ("could you tell me"), not a hedge."""
MONTH_WORDS = frozenset("in of this next last early late mid since until by".split())
"""Before "may", these make it the month ("in May"), not a hedge ("we may pay them")."""
QUESTION_OPENINGS = frozenset("do does did is are was were can could should would will who what which how where when "
                              "why what's who's how's isn't aren't doesn't don't any anything anyone".split())
HYPOTHETICAL = frozenset("if about abt".split())
"""After "what" or "how", these put a case forward ("what if the school pays?"): its facts are stated."""
ABOUT_THE_AGREEMENT = frozenset("agreement agreements contract contracts paperwork form forms document type kind".split())
"""After "which" or "what", these ask for the agreement ("which agreement applies for a partner the school
will pay?"): the case the question describes is stated, not asked about."""
REQUEST_WORDS = frozenset("pls please plz thx thanks ty which what whats what's the a an do we i need needed "
                          "required is it this that of for us our right correct ok okay so then".split())
"""With the words for an agreement (ABOUT_THE_AGREEMENT), these only ask for one ("what kind of form do we need?")."""
CASE_WORDS = 3
"""After the head of a question for the agreement, this many words or more describe a case ("for a partner the
school will pay"); fewer ("with them", "for it") only point at one already said."""
ASKING_WORDS = frozenset("covers cover applies apply fits fit works work is are do does should would them they it this "
                         "that us we i you need needed use have has for with the school district sign".split())
"""After "which agreement", words that only ask on ("which agreement covers them", "what agreement do we need", "what
agreement do we use with the school for that": the other side of the agreement, not who pays)."""
RELATIVES = frozenset("which who that".split())
RELATIVE_CONTRACTIONS = {"thatll": "will", "wholl": "will", "thatd": "would", "whod": "would", "thats": "is",
                         "whos": "is", "whove": "have"}
"""A relative word with its verb, as tokens are written ("that'll" -> "thatll")."""
SUBJECTS = frozenset("we we'll we're we've they they'll they're the our i i'll he she you it".split())
"""After "which" or "who", these make a relative clause ("which we'll pay out of the budget"), not a question."""
INTRODUCTION_WORDS = 8
"""A writer's introduction is at most this long ("quick q, PTSA treasurer at Leschi here")."""
ELLIPSIS_WORDS = 5
"""A clause this short that ends on an auxiliary ("the school is") borrows the predicate before it."""

SUBJECT_VERBS = AUXILIARIES | frozenset("pays pay paid paying wants want wanted covers cover covered covering funds "
                                         "funded funding plans planned "
                                         "agreed decided offered offers runs gets got split splits splitting share "
                                         "shares sharing".split())
"""After "and" and a subject ("and the PTSA also wants ..."), these open a clause of its own: what the new
subject does is read apart from what the clause before said ("they lease the portable")."""
NAME_VERBS = frozenset("comes come brings bring provides provide offers offer charges charge does".split())
"""With SUBJECT_VERBS, verbs after a name that opens a clause after a comma ("..., Treehouse comes free")."""
_ADVERBS = r"(?:(?:also|now|then|later|since|so|separately)\s+)*"
"""Adverbs that may stand between "and", a new subject and its verb ("and now the PTSA also wants")."""
PROPER_NAME = "propername"
"""What a capitalised institution's name becomes: one word, never read as the school paying."""
_PAY_VERB = r"(?:pays|pay|paid|covers|cover|funds|fund)"
_BREAK = re.compile(
    r"[.!?;:]+[\"\u201d]?(?=\s|$)|\n+|\s[/|+]\s|\s+-+\s+"
    # an emoji ends a sentence
    r"|\s*[\u2600-\u27bf\U0001f300-\U0001faff][\ufe0f\u200d\u2600-\u27bf\U0001f300-\U0001faff]*(?=\s|$)"
    r"|,?\s+(?=(?:but|although|though|whereas|while|however|except|instead|actually|so now|if|assuming|supposing|"
    r"because)\b"
    r"(?!\s*[.!?;]))"  # "... out of the building budget instead. PTSA is ...": it ends a clause, opens none
    r"|,\s+(?=not\s[^,]*(?:[.!?;:]|$))"  # "it's the PTSA that pays, not the district" (not "the PTSA, not the school, pays")
    # "A nonprofit tutoring group will work with our 3rd graders, paid by the school": the payer said in a participle
    r"|,\s+(?=(?:paid|funded|covered|sponsored|financed)\s+(?:for\s+)?(?:entirely\s+|fully\s+)?by\s)"
    r"|,\s+(?=(?:no|free|at no|zero|the|we|they|it|its|our|their|he|she|i|nobody|no one|a|an|this|that|which|what|who|how|"
    r"do|does|did|should|can|could|is|are|would|will|any|ptsa|pta|pto|ptso|not sure|unsure|idk|dunno)(?:\s|'))"
    r"|,\s+(?=(?-i:[A-Z])[\w'&-]*(?:\s+(?-i:[A-Z])[\w'&-]*){0,3}\s+(?:"
    + "|".join(sorted(SUBJECT_VERBS | NAME_VERBS, key=len, reverse=True)) + r")\b)"  # ", Treehouse comes free"
    # ", and a chess club that ...", ", and a soccer nonprofit that's free to us"
    r"|,\s+(?=and\s+(?:a|an|the|our|their)\s+(?:[\w'-]+\s+){0,3}(?:that|which|who)(?:\s|'s\s))"
    # "Drumming residency (school-funded) plus a garden club run by ..."
    r"|\s+(?=plus\s+(?:a|an|the|our|their)\s)"
    # "... paid by the PTSA and the drumming residency by our Title I funds", "a chess club our PTSA pays for and a
    # drumming residency the school pays for": another program, with its own payer
    r"|\s+(?=and\s+(?:a|an|the|our|their)\s+(?:[\w'-]+\s+){1,4}(?:by|(?:the|our|their)\s+[\w'-]+\s+"
    + _PAY_VERB + r")\b)"
    # "... and a paid SAT prep company (school pays them)": another program, with its payer aside
    r"|\s+(?=and\s+(?:a|an|the|our|their)\s+(?:[\w'-]+\s+){1,4}\()"
    # "Little Sprouts Garden Club (PTSA pays), Metro Drum Circle (we pay them ...)": a list of programs, each with its
    # payer aside
    r"|,\s+(?=(?:and\s+)?(?:" + PROPER_NAME + r"|(?-i:[A-Z])[\w'&-]*(?:\s+(?-i:[A-Z])[\w'&-]*){0,4})\s*\()"
    r"|,\s+(?=and\s+(?:a|an|the|our|their)\s+(?:[\w'-]+\s+){1,5}" + _PAY_VERB + r"\b)"  # ", and a ceramics teacher the
    # PTSA pays"
    r"|,\s+(?=and\s+(?:for|as\s+for|with)\s+(?:the|our|their|a|an)\s)"  # ", and for the garden club the partner ...":
    # another program, told after the first
    r"|,\s+(?=and\s+(?:[\w'-]+\s+){1,3}(?:we|they|i)\s+" + _PAY_VERB + r"\b)"  # ", and math
    # tutoring we pay for from Title I": another program, with its own payer
    r"|\s+(?=(?:and|so)\s+" + _ADVERBS + r"(?:(?:we|they|he|she|it|i)(?:'(?:d|ll|re|ve|s|m))?\s|(?-i:[A-Z])|"
    + PROPER_NAME + r"\b))"  # a name masked (lower case) opens a clause as a capitalised one does
    r"|\s+(?=and\s+" + _ADVERBS + r"(?:the|our|their|my|this|that|his|her|a|an)\s+(?:[\w'-]+\s+){1,3}" + _ADVERBS
    + r"(?:" + "|".join(sorted(SUBJECT_VERBS, key=len, reverse=True)) + r")\b)"
    # "... and the PTSA president is telling me the school is": another report
    r"|\s+(?=and\s+(?:the|our|their|my|his|her|a|an)\s+(?:[\w'-]+\s+){1,3}(?:(?:" + "|".join(sorted(REPORT_LINKS))
    + r")\s+)*(?:" + "|".join(sorted(REPORTING_VERBS, key=len, reverse=True)) + r")\b)"
    r"|,\s+(?=while\s)"  # "the AP says the PTSA pays, while the treasurer thinks ..."
    # "a drumming residency paid from our Title I funds, and a free reading program a nonprofit runs ...": the next
    # of several programs
    r"|,\s+(?=and\s+(?:a|an|the|our|their|my)\s)"
    # "chess club is paid by the PTSA and robotics is paid by the school"
    r"|\s+(?=and\s+[\w'-]+(?:\s+[\w'-]+)?\s+(?:is|are|was|were|gets|get)\s+(?:paid|funded|covered|sponsored)\b)"
    r"|\s+(?=and\s+(?:the|our|their|a|an)\s+(?:[\w'-]+\s+){1,3}(?:the\s+)?(?:rest|other|remaining|remainder)\b)"
    r"|\s+(?=so\s+(?:the|our)\s)"
    r"|\s+(?=so\s+[\w'-]+\s+" + _ADVERBS + r"(?:" + "|".join(sorted(SUBJECT_VERBS, key=len, reverse=True)) + r")\b)",
    re.I)
WHEN_IT_STARTED = r"when (?:we|they|it|this|the (?:[\w'-]+\s+){0,2}program) (?:first )?(?:started|began)"
"""A time that was: "when we started", "when the art program started"."""
_FORMER_PLAN = re.compile(r"\b(?:originally|initially|at first|(?:i|we) thought|(?<=\w\s)(?:was|were) (?:going|supposed|planning) to|"
                          r"(?<=\w\s)(?:was|were) (?:paying|covering|funding)|"  # (with a subject: "were covering 40%"
                          # opening a message is "we're" typed fast)
                          r"had (?:planned|budgeted|meant|hoped|intended) to|used to|wanted to|"
                          r"last (?:year|time|spring|fall)|previously|in the past|back then|"
                          + WHEN_IT_STARTED + r")\b", re.I)
PART_OPENERS = frozenset("that which who and while plus".split())
"""Inside a clause these open a part that may state a fact of its own (see `with_parts`)."""
MIN_PART = 3
NO_WORDS = frozenset(("no", "nope"))
CONNECTIVES = frozenset("but although though whereas however except instead actually so now and or wait sorry oops "
                        "correction ok okay um uh ugh argh ah er hmm oh well yes no nope yeah hi hey".split())
"""Words that stand alone between breaks only as openers: they join the clause they open."""
PARENT_BODIES = r"(?:PTSA|PTA|PTO|PTSO|Parent)"
"""After a school's name these name its parent association ("Cleveland High School PTSA"), which pays or
coordinates: they are not part of the masked name."""
_INSTITUTION_NAME = re.compile(
    r"\b(?:[A-Z][\w'&.-]*\s+(?:(?:of|the|and|for|&)\s+)?)+(?:School|Academy|District|Institute)\b"
    r"(?:\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'&.-]*)?(?:\s+(?!" + PARENT_BODIES + r"\b)[A-Z][\w'&.-]*)*"
    r"|\b(?:School|Academy|Institute)\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*)*")
_NAME_WORD = r"[A-Z][a-z][\w'&-]*(?:\.[\w'&-]+)*"  # never ends with a full stop: "...Garden Corps. Green Lake asked"
_TITLE_CASE_NAME = re.compile(r"\b" + _NAME_WORD + r"(?:\s+(?:(?:of|the|and|for|&)\s+)?" + _NAME_WORD + r")+")
"""A run of capitalised words; a word ending a sentence ends it ("... Family Center. Which agreement ...")."""
SCHOOL_NAME_WORDS = frozenset("school schools high elementary middle k-8 international intl academy district title "
                              "fund funds budget account asb lap parent parents".split())
"""Words that keep a capitalised run from being masked as a name, when it ends with one (or is two words
holding one): it may be a school (whose money pays) or school money itself ("our Family Engagement Fund")."""
MONEY_NUMERALS = frozenset("one i ii iii iv 1 2 3 4".split())
"""How "Title One", "Title IV" end."""
PARENT_WORDS = frozenset("parent parents pta ptsa pto ptso booster boosters dads moms fathers mothers".split())
"""A capitalised run holding one of these names a parent association, which may pay: it is never masked."""


@dataclass(frozen=True)
class Fact:
    """A slot's value as one clause states it, with that clause's words."""

    slot: str
    value: str
    words: str
    confidence: float
    clause: int
    correcting: bool = False
    news: bool = False  # it corrects only by news of another claim ("now the PTSA president says ...")


@dataclass(frozen=True)
class ClauseReading:
    """One clause: where it is in the message, and each slot's probabilities."""

    words: str
    index: int
    correcting: bool
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    asks: bool = False  # a question: it states nothing (asking "who pays?" is not saying it is unknown)
    parties: frozenset[str] = frozenset()  # the kinds of party it names who may pay (see `party_kinds`)
    news: bool = False  # see `brings_news`
    listed: bool = False  # an item of a list of programs told with their payers (see `listed_programs`)

    def fact(self, slot: str, floor: float = FLOOR) -> Fact | None:
        """The clause's value of `slot`, unless it says nothing about it (or too little)."""
        scores = self.scores.get(slot) or {}
        if not scores:
            return None
        value = max(scores, key=scores.__getitem__)
        if value == NONE or scores[value] < floor or self.asks:
            return None
        return Fact(slot, value, self.words, round(scores[value], 3), self.index, self.correcting, self.news)

    def states(self) -> bool:
        """Whether the clause states any slot's value: a correction that states none ("scratch that")
        corrects the clause after it."""
        return any(self.fact(slot) is not None for slot in self.scores if slot not in QUALIFIERS)


def clauses(text: str) -> list[str]:
    """The message's clauses as they are read (see `spoken_clauses`)."""
    return [read for read, _ in spoken_clauses(text)]


def spoken_clauses(text: str) -> list[tuple[str, str]]:
    """Each clause as it is read and as it was said (see `joined_clauses`)."""
    return [(read, spoken) for read, spoken, _ in joined_clauses(text)]


def joined_clauses(text: str) -> list[tuple[str, str, bool]]:
    """The message's clauses, in order, each as it is read and as it was said (structure rule): sentence
    ends, contrasts ("but", "instead"), and a comma before a new subject ("the PTSA isn't paying, the school
    is"). A connective standing alone ("but actually ...") stays with the clause it opens. A subject joined to
    the next clause by "and" ("the PTSA and the school might split it") is read with that clause's predicate
    ("the PTSA might split it") and quoted as said; the third value marks the second of such a pair."""
    out: list[tuple[str, str, bool]] = []
    pending = ""
    for part in (piece for part in _BREAK.split(text) for piece in _contrasted(part or "")):
        part = (part or "").strip(" ,-")
        if not part:
            continue
        if all(word in CONNECTIVES for word in part.lower().split()):
            pending = f"{pending} {part}".strip()
            continue
        if out and not pending and _first(part) in IF_WORDS and _takes_a_complement(out[-1][0]):
            out[-1] = (f"{out[-1][0]} {part}", f"{out[-1][1]} {part}", out[-1][2])  # "not sure yet if PTA or LAP pays"
            continue
        if len(out) >= 2 and not pending and _first(part) in SUBJECT_VERBS and _only_a_subject(out[-2][0]) \
                and (_first(out[-1][0]) in RELATIVES or _apposition(out[-1][0])):
            # "Families First Fund, which is a local foundation, is paying the partner directly", "Neighborhood
            # Volunteer Corps, a registered nonprofit, will run it": the name is the subject of the verb after the
            # relative clause or apposition, read with it and quoted whole
            read, spoken, joined = out[-2]
            out[-2] = (f"{read} {part}", f"{spoken}, {out[-1][1]}, {part}", joined)
            continue
        listed = listed_subjects(part)
        if listed:
            # "the school AND the PTSA": two subjects and no predicate name two payers, read as two clauses, as
            # "both the school and the PTSA" is
            out.append((f"{pending} {listed[0]}".strip(), f"{pending} {listed[0]}".strip(), False))
            part, pending = listed[1], ""
        # (not after a question for the agreement: "which agreement for the drumming one. and the reading one?")
        second = bool(out) and not pending and part.lower().startswith("and ") and _only_a_subject(
            without_openers(out[-1][0])) and not _ASKING_HEAD.match(_OPENERS.sub("", out[-1][0].strip()))
        if second:
            out[-1] = (f"{out[-1][0]} {_predicate(part)}", f"{out[-1][1]} {part}", out[-1][2])
        said = f"{pending} {part}".strip()
        # a connective set apart ("actually no -- admin says ...") stays apart: "no" said alone negates nothing after it
        set_apart = bool(pending) and pending.lower().split()[-1] in NO_WORDS
        out.append((f"{pending}, {part}" if set_apart else said, said, second))
        pending = ""
    if pending:
        if out:
            out[-1] = (f"{out[-1][0]} {pending}", f"{out[-1][1]} {pending}", out[-1][2])
        else:
            out.append((pending, pending, False))  # "yes" alone is a clause
    return out


def split_outside_asides(pattern: re.Pattern[str], text: str) -> list[str]:
    """`text` split where `pattern` matches, except inside parentheses: "drumming residency (free, the partner funds
    it)" is one part, its aside whole."""
    pieces, start = [], 0
    for found in pattern.finditer(text):
        if text.count("(", 0, found.start()) <= text.count(")", 0, found.start()):
            pieces.append(text[start:found.start()])
            start = found.end()
    return [*pieces, text[start:]]


_NOT_X_IT_IS_Y = re.compile(r"^((?:it'?s\s+)?not\s+\S+\s.*?\S)\s+(it'?s\s.*)$", re.I | re.S)


def _contrasted(part: str) -> list[str]:
    """"its not the PTSA paying for the coding club its our building budget": what it is not, and what it is, are
    two clauses, with or without a comma between them (structure rule)."""
    found = _NOT_X_IT_IS_Y.match(part.strip())
    return [found.group(1), found.group(2)] if found else [part]


_LISTED = re.compile(r"(?:both\s+)?(\S+(?:\s+\S+){0,2}?)\s+(?:and|&|plus)\s+(\S+(?:\s+\S+){0,2})", re.I)
"""Two noun phrases joined, nothing else (see `listed_subjects`)."""


def listed_subjects(words: str) -> tuple[str, str] | None:
    """"the school and the PTSA", "us & the PTA": two subjects joined with no predicate (structure rule), or None."""
    listed = _LISTED.fullmatch(words.strip())
    if listed and all(side.lower() in ("we", "us") or _only_a_subject(side) for side in listed.groups()):
        return listed.group(1), listed.group(2)
    return None
IF_WORDS = ("if", "whether")
COMPLEMENT_TAKERS = frozenset("sure unsure know certain decided decide deciding clear unclear wondering wonder checking "
                              "check asking idk confirm confirmed hear see out".split())
"""Words after which "if" or "whether" opens what is not known ("not sure yet if the PTA pays"), not a case put
forward: the two are one clause, read together."""


def _takes_a_complement(words: str) -> bool:
    said = _said(words)
    while said and said[-1] in ("yet", "really", "exactly"):
        said = said[:-1]  # "principal hasn't decided yet if ..."
    return bool(said) and said[-1] in COMPLEMENT_TAKERS  # "waiting to hear if", "trying to find out whether"


def asked_within(words: str) -> bool:
    """"we're waiting to hear if the PTSA will cover it", "not sure whether LAP pays": what follows "if" or
    "whether" after a word that takes it (COMPLEMENT_TAKERS) is a question inside the clause, not a statement,
    so a payer it names is not known (structure rule)."""
    said = _said(words)
    return any(word in IF_WORDS and _takes_a_complement(" ".join(said[:i])) for i, word in enumerate(said) if i)


def _first(words: str) -> str:
    """A clause's first word, lower case, without punctuation ("" for none)."""
    said = _said(words)
    return said[0] if said else ""


DETERMINERS = frozenset("the our their my this that his her a an".split())
SUBJECT_WORDS = 3
"""A clause of at most this many words, a determiner or a name first and no verb, is only a subject."""


def _only_a_subject(words: str) -> bool:
    """A noun phrase with no verb ("the PTSA", "our PTA"): what follows "and" shares its predicate, so
    the two are one clause (structure rule), not a clause stating the PTSA pays."""
    said = words.split()
    if said and said[0].lower() in IF_WORDS:
        said = said[1:]  # "what agreement if the school and PTSA split it?"
    if not 0 < len(said) <= SUBJECT_WORDS or not (said[0].lower() in DETERMINERS or said[0][:1].isupper()
                                                  or said[0] == PROPER_NAME):
        return False
    # "the coding nonprofit", "the visiting artist": after a determiner, a word in -ing or -ed describes the noun
    return not any(w.lower().strip(",.") in SUBJECT_VERBS or w.lower().endswith(("ing", "ed"))
                   and not (i and said[i - 1].lower() in DETERMINERS) for i, w in enumerate(said))


POINTING_PREPOSITIONS = frozenset("for about re regarding".split())


def _points_at_a_program(words: str) -> bool:
    """"and for the tutors?", "about the chess club", "Which agreement for the bouldering club": a preposition and a
    noun phrase or a name alone, with no verb, say what is asked about, not who pays (structure rule); "for free" is
    no noun phrase."""
    bare = _OPENERS.sub("", words.strip())
    rest = _ASKING_HEAD.sub("", bare)
    if rest != bare:
        return _only_a_subject(rest) or bool(_A_NAME_ALONE.fullmatch(rest.strip(" ?.!")))
    said = rest.split()
    return len(said) > 1 and said[0].lower() in POINTING_PREPOSITIONS and _only_a_subject(" ".join(said[1:]))


APPOSITION_WORDS = 4


def _apposition(words: str) -> bool:
    """"a registered nonprofit", "the local foundation": a noun phrase set beside a name, describing it."""
    said = _said(words)
    return 0 < len(said) <= APPOSITION_WORDS and said[0] in ("a", "an", "the") and not any(
        w in SUBJECT_VERBS for w in said)


def _predicate(words: str) -> str:
    """"and the school might split it" -> "might split it": the clause without "and" and its subject (a
    pronoun, a determiner and its noun, or a name)."""
    said = words.split()[1:]
    if said and said[0].lower() in DETERMINERS:
        noun = said[1:SUBJECT_WORDS + 1]  # "and a local business are sharing it": up to the verb
        said = said[1 + next((i for i, w in enumerate(noun) if w.lower() in SUBJECT_VERBS), 1):]
    elif said and said[0].lower().split("'")[0] in PRONOUN_SUBJECTS:
        said = said[1:]
    else:
        while said and said[0][:1].isupper():
            said = said[1:]
    return " ".join(said)


PRONOUN_SUBJECTS = frozenset("we they he she it i".split())


_COMPANY_NAME = re.compile(r"\b(?:[A-Z][\w'&.-]*\s+){1,5}(?:LLC|Inc|Ltd|Corp|Company)\b\.?")
"""A business's name ends with its legal form."""


def without_company_names(text: str) -> str:
    return _COMPANY_NAME.sub(" ", text)


SENTENCE_PREPOSITIONS = frozenset("for about with at in as on from to by re regarding".split())
"""Words that, capitalised first in a sentence, open it and are no part of the name after them."""


def names_masked(text: str, is_school: Callable[[str], bool] | None = None) -> str:
    """A capitalised name holding "School", "Academy" or "District" ("Rainier School of Music",
    "the Highline District Youth Band"), or any run of capitalised words that names no school or school
    money ("Lease Street Bakery"), becomes one word that says nothing about who pays. With `is_school`, a
    name that is one of the district's schools ("Garfield High School") stays, to be read as that school:
    "Garfield High School pays her" says the school pays, "it's for Garfield High School" nothing."""
    def institution(found: re.Match[str]) -> str:
        return found.group(0) if is_school is not None and is_school(found.group(0)) else PROPER_NAME
    text = _COMPANY_NAME.sub(PROPER_NAME, text)  # "Westside PTA Enrichment LLC": a business, whatever words it holds
    text = _A_KIND_OF_SCHOOL.sub(PROPER_NAME, text)  # "a karate school will pay us to use the gym": not our school
    return _TITLE_CASE_NAME.sub(_unless_school, _INSTITUTION_NAME.sub(institution, text))


_NOT_A_KIND = (r"(?!(?:after|before|high|middle|elementary|k-8|primary|secondary|public|title|international|intl|"
               r"district|partner|school|same|other|whole|new|neighboring|nearby|the|our|their|my|this|that|his|her|"
               r"its|your|a|an|for|about|with|at|in|as|on|from|to|by|of|and|or|who|which|whose|is|are|was|were|will|"
               r"would|pays?|paid|paying)\b)")
_KIND_OF_SCHOOL = r"(?:" + _NOT_A_KIND + r"[a-z][\w'-]*\s+){1,2}(?:school|academy)\b"
_A_KIND_OF_SCHOOL = re.compile(r"(?:(?<=\b[aA]\s)|(?<=\b[aA]n\s))" + _KIND_OF_SCHOOL)
"""An organisation said by its kind, lower case ("a karate school", "an Arabic language school" is caught as a name
already): a school of some kind that is not one of the district's, so never the school's side paying."""


_A_WORD = r"[A-Z][\w'&-]*(?:\.[\w'&-]+)*"
_A_NAME = r"(" + _A_WORD + r"(?:\s+(?:(?:of|the|and|for|&)\s+)?" + _A_WORD + r")*|" + _KIND_OF_SCHOOL + r")"


def as_written(words: str, text: str) -> str:
    """A clause of the masked text with its names as the message wrote them ("volunteering through
    Northstar Mentors Alliance", not the placeholder), to quote it back; the masked words if not found."""
    return written_from(words, text, 0)[0]


def written_from(words: str, text: str, start: int) -> tuple[str, int]:
    """`as_written`, found at or after `start` where it can be (the clauses of a message come in its order, and
    "what about <name>" said twice names two programs), and where the clause ends in `text` (`start` if not found)."""
    if PROPER_NAME not in words:
        return words, start
    # words joined from both sides of a colon or a dash ("Different question though: the ...") keep it between
    pattern = re.compile(r"[\s,;:\u2013\u2014-]*\s+".join(re.escape(word).replace(PROPER_NAME, _A_NAME)
                                                          for word in words.split()))
    found = pattern.search(text, start) or pattern.search(text)
    return (found.group(0), found.end()) if found else (words, start)


def _unless_school(found: re.Match[str]) -> str:
    """A run of capitalised words is a name that states nothing ("Lease Street Bakery is sponsoring ..."),
    unless it is the name of a school, of school money or of a parent association, which may state who pays."""
    said = found.group(0).split()
    if said[0].lower() in DETERMINERS | LEADING_CONNECTIVES | SENTENCE_PREPOSITIONS:  # "Our SpEd budget", "And
        # Rainier Readers?", "For Sound Beats, which agreement?": a sentence's first word, not a name's
        rest = " ".join(said[1:])
        named = rest if len(said) == 2 else _TITLE_CASE_NAME.sub(_unless_school, rest)
        return f"{said[0]} {named}"
    words = [w.rstrip(".,").removesuffix("'s").lower() for w in said]
    ends_as_school = words[-1] in SCHOOL_NAME_WORDS | MONEY_NUMERALS
    short_with_one = len(words) <= 2 and any(w in SCHOOL_NAME_WORDS for w in words)
    if any(w in PARENT_WORDS for w in words):
        return found.group(0)  # "the Parent Teacher Student Assn": a parent association, which may pay
    # "Title One Tutoring Inc." is an organisation whose name holds school money's words: a name all the same
    return found.group(0) if ends_as_school or short_with_one else PROPER_NAME


def is_correcting(words: str, openings: tuple[str, ...] = CORRECTING) -> bool:
    """A clause that takes back what came before ("actually, ...", "oh wait no, ...", "no, the PTA pays").
    Read on the words as written: "no" corrects only among openers or set apart ("no, ..."), not in "no
    money from us"."""
    lowered = words.lower().strip()
    opening = _OPENERS.match(lowered)
    openers = re.findall(r"[a-z']+", opening.group(0)) if opening else []
    if [w for w in openers if w not in ("no", "nope")] and any(w in openings for w in openers):
        return True
    if re.match(r"(?:no|nope)\s*[,.!-]", lowered):
        return True
    said = " ".join(re.findall(r"[a-z']+", lowered)[:3])
    return any(said == c or said.startswith(c + " ") for c in openings if c not in ("no", "nope"))


def brings_news(words: str) -> bool:
    """The clause corrects only by news ("now the PTSA president is telling me ...", "wait, ..."), not by the
    writer taking back their own words ("actually", "sorry", "no, ...")."""
    return is_correcting(words, NEWS) and not is_correcting(words, RETRACTING)


def reports_another(words: str) -> bool:
    """The clause reports what someone other than the writer said ("the AP is telling me ...", "our principal
    emailed that ...", "according to the coach"); "like I said, ..." is the writer's own word (structure rule)."""
    said = _said(words)
    attributed = next((i for i in range(len(said) - 2) if said[i:i + 2] == ["according", "to"]), None)
    if attributed is not None:  # "according to our AP, ...", "..., according to the coach"
        return said[attributed + 2] not in ("me", "us", "myself")
    verb = next((i for i, word in enumerate(said) if word in REPORTING_VERBS and i), None)
    if verb is None:
        return False
    subject = [w for w in said[:verb] if w not in REPORT_LINKS]
    return bool(subject) and subject[-1] not in WRITER_SUBJECTS and not {"like", "as"}.intersection(subject[-2:])



def marks(tokens: Sequence[str]) -> list[str]:
    """Each token's scope marks: "not_" after a negator, "may_" after a hedge ("they might have a grant":
    a possibility, not a fact), both after both; the negator or hedge itself is unmarked. A negator that
    follows its verb ("we pay nothing", "it costs us nothing") negates the words just before it."""
    out: list[str] = []
    negation = hedge = False
    for i, token in enumerate(tokens):
        if token in EMBEDDED and i:
            negation = hedge = False  # "no clue | who pays", "not sure | whether the PTA pays": the doubt is about it
        out.append(("may_" if hedge else "") + ("not_" if negation else ""))
        if token in AFTER_NEGATORS and not negation:
            for j in range(max(0, i - AFTER_REACH), i):
                if "not_" not in out[j]:
                    out[j] += "not_"
        follows = tokens[i + 1] if i + 1 < len(tokens) else ""
        before = tokens[i - 1] if i else ""
        if token in DENIERS and negation and (before in DENIERS or TRUTH_WORDS.intersection(tokens[:i])):
            # "we're not NOT paying", "it isn't true that the PTSA isn't paying": a denial denied (structure rule);
            # both negators are left unread
            negation = False
            out = [VOID if j == i or (mark == "" and tokens[j] in DENIERS) else mark.replace("not_", "")
                   for j, mark in enumerate(out)]
            continue
        negation = negation or (token in NEGATORS and not (token in NO_WORDS and before in SPEECH_VERBS))
        hedge = hedge or (token in HEDGES and not (token == "could" and follows in REQUESTERS)) or (
            token == "may" and before not in MONTH_WORDS and not follows.isdigit())
    return out


LEADING_CONNECTIVES = frozenset("and so also ok okay then oh plus".split())


def asks(words: str) -> bool:
    """A question ("do they need a lease?", "is the PTSA paying?") states no fact: it only asks about one.
    Read on the words as written, after openers that take something back ("or wait is it the athletics dept"):
    "we're" is not "were"; "which we'll pay" (a relative clause) states; "ok and when the school pays?" puts a
    case."""
    said = [w.strip(",.;:!?") for w in _after_a_correction(words).lower().replace("\u2019", "'").split()]
    lead = next((i for i, w in enumerate(said) if w not in LEADING_CONNECTIVES), len(said))
    if lead and lead < len(said) and said[lead] in ("when", "if"):
        return False  # "ok and when the school pays?" puts a case
    said = said[lead:]  # "and who signs the PTSA letter of agreement" asks
    if not said or said[0] not in QUESTION_OPENINGS:
        return False
    if said[0] in ("what's", "whats"):
        said = ["what", "is", *said[1:]]
    follows = said[1] if len(said) > 1 else ""
    if said[0] in ("which", "what") and follows == "is" and len(said) > 2:
        # "what's the agreement for an org leasing our basement": the case after the head states
        follows = said[3] if said[2] == "the" and len(said) > 3 else said[2]
        if follows in ABOUT_THE_AGREEMENT:
            return len(without_openers(words).split()) < CASE_WORDS
    if said[0] in ("what", "how") and follows in HYPOTHETICAL:
        return False  # "what if the PTA pays?", "how about a residency paid from our budget": a case to decide
    if said[0] in ("which", "what") and follows in ABOUT_THE_AGREEMENT:
        case = without_openers(words).split()
        # "what agreement do we need with them?", "which agreement covers them" name no case to read
        return 0 < len(case) < CASE_WORDS or all(w in ASKING_WORDS for w in said[2:])
    if said[0] in AUXILIARIES and follows.endswith("ing") and len(follows) > 4:
        return False  # no subject between: "were paying them from ASB" is "we're" typed without its apostrophe
    return follows != "be" and not (said[0] in RELATIVES and follows in SUBJECTS)


def _after_a_correction(words: str) -> str:
    """The clause after openers that take something back ("or wait"); the clause itself after any other."""
    opening = _OPENERS.match(words.strip())
    if opening is None or not any(w in CORRECTING for w in re.findall(r"[a-z']+", opening.group(0).lower())):
        return words
    return words.strip()[opening.end():]


def _a_short_case(words: str, scores: dict[str, dict[str, float]]) -> bool:
    """A question for the agreement whose case is a few words that state a fact surely ("what paperwork do I
    need to pay a partner with school funds"): it states that fact; "which agreement with them?" states none."""
    if not _for_the_agreement(words):
        return False
    case = [w for w in _said(without_openers(words)) if w not in BARE_WORDS]
    return len(case) >= 2 and surest(scores) >= SURELY  # more than a name ("which agreement for the PTSA?" asks)


def _for_the_agreement(words: str) -> bool:
    """"which agreement for a partner that'll be in our building?": a question for the agreement that puts its case."""
    said = _said(words)
    return len(said) > 1 and said[0] in ("which", "what") and said[1] in ABOUT_THE_AGREEMENT


def surest(scores: dict[str, dict[str, float]]) -> float:
    """The probability of the likeliest value any slot states (not "says nothing", not "unknown")."""
    return max((p for name, slot in scores.items() if name not in QUALIFIERS
                for value, p in slot.items() if value not in (NONE, UNKNOWN)), default=0.0)


SURELY = 0.9
"""A reading this likely is a fact said, even in a few words after a question's head."""


AFTER_HERE = 2
"""Words an introduction may have after its "here" ("..., sorry", "... here again")."""


FORWARDING = frozenset("forwarded forwarding forward fwd fw".split())


def introduces(words: str) -> bool:
    """A clause that says who is writing ("Hi all, AP at Denny here", "this is Dana from the Garfield office") or who
    sent a message on ("Forwarded from our AP") states no fact of the case, whatever its words suggest."""
    said = _said(without_openers(words))
    if "here" in said[-1 - AFTER_HERE:]:  # "Office manager at Dunlap here, sorry": an aside may follow
        said = said[:len(said) - said[::-1].index("here")]
    if 0 < len(said) <= INTRODUCTION_WORDS and (said[0] in FORWARDING and said[1:2] in (["from"], ["this"])
                                                or said[0] in ("from", "fwd", "fw") and len(said) <= 4):
        return True  # "Forwarded from our AP: '...'": who sent it on, no fact of the case
    if not 0 < len(said) <= INTRODUCTION_WORDS or not (said[-1] == "here" or said[:2] == ["this", "is"]):
        return False
    # "the PTA is paying here" states: a verb other than the introduction's own "is"
    return not any(w in SUBJECT_VERBS or w.endswith(("ing", "'re", "'ll", "'d")) for w in said if w != "is")


def only_asks_for_the_agreement(words: str) -> bool:
    """A clause that only names what is wanted ("agreement type pls", "which contract?", "form needed?") states
    no fact of the case: the models once read a lease into "agreement type pls"."""
    said = _said(words)
    return bool(said) and all(w in ABOUT_THE_AGREEMENT or w in REQUEST_WORDS for w in said) or (
        bool(said) and any(w in ABOUT_THE_AGREEMENT for w in said)
        and all(w in ABOUT_THE_AGREEMENT or w in REQUEST_WORDS or w in FORM_WORDS for w in said))


FORM_WORDS = frozenset("it's its mou psc ptsa pta alignment enrichment personal services memorandum understanding "
                       "letter".split())
"""Words of an agreement form's name: "so it's a PTSA agreement?" names the form, not who pays."""


def _said(words: str) -> list[str]:
    """A clause's words, lower case, without the punctuation around them."""
    return [w for w in (word.strip(",.;:!?-") for word in words.lower().split()) if w]


TIME_WORDS = 10
"""A clause this short telling only a time that was ("when we started", "when we started the garden program three years
ago") holds the plan said after it."""


def was_planned(words: str) -> bool:
    """A clause telling a plan that was ("we originally budgeted to pay them", "at first the PTA was going to
    cover it"): the clause after it tells what holds now, and replaces it as a correction would."""
    return bool(_FORMER_PLAN.search(words))


def relative(words: str, index: int, text: str) -> bool:
    """A clause opening with "who", "which" or "that" after another clause, and not ended by a question mark,
    describes what came before ("one person, a parent, who wants to help out on her own"): it states, it
    does not ask ("we have a new partner, who pays?" asks)."""
    said = words.lower().split()
    first = said[0] if said else ""
    if index == 0 or first not in RELATIVES or said[1:2] and said[1].strip(",.?") in ABOUT_THE_AGREEMENT:
        return False  # "... at John Muir. which agreement do we need with the school": a question's head
    end = text.find(words)
    return end < 0 or not text[end + len(words):].lstrip(" )").startswith("?")


THEY = {"they": "", "they're": "are", "theyre": "are", "they'll": "will", "they've": "have", "they'd": "would"}


def with_subject(words: str, previous: Sequence[str]) -> str:
    """"PTSA board approved it, they're paying", "we asked the PTA, and they're covering it": "they" opening a clause
    right after one that names a parent body or an organisation reads as that clause's subject, or else the one
    named ("PTA are covering it") (structure rule). After a clause naming neither (the school, "we") it is left
    alone: "they" after "the school is hosting" is most likely the partner; nor is a party the clause denies
    ("neither is the PTSA"). `previous`: the last clause's tokens, without those it negates."""
    verb, rest = _they(words)
    if verb is None:
        return words
    named, subject = _parties(previous)
    party = (subject or named[-1:] or [None])[0]
    agent = _agent(previous)
    if agent is not None and agent in named:
        party = agent  # "Knight Moves Chess is run by our PTSA, they pay the coach": the one who runs it
    if party == PLACEHOLDER_ORG:
        party = PROPER_NAME  # an organisation the directory knows reads as any organisation's name
    if not verb and rest:
        rest = [_third_person(rest[0]), *rest[1:]]  # "they pay her" reads as "<name> pays her", not "we pay"
    return " ".join([party, *([verb] if verb else []), *rest]) if party else words


def _third_person(verb: str) -> str:
    """A subject's verb as one party says it ("pay" -> "pays"), when that form is one the facts know."""
    return next((form for form in (f"{verb}s", f"{verb}es") if form in SUBJECT_VERBS), verb)


PASSIVE_AUXILIARIES = frozenset("is are was were gets get got being been".split())


AGENT_WORDS = 6
"""How far after "by" (or "a group of") the party named may come ("by the 6th grade parent group")."""


AGENT_MARKERS = ("by", "through")
"""Words after a passive verb that name who acts ("is run by our PTSA", "is run through our PTSA")."""


def _agent(previous: Sequence[str]) -> str | None:
    """The party after "by" (or "through") in a passive clause ("is run by our PTSA", "was organised by the parent
    group", "is run through our PTSA"): it, not the clause's grammatical subject, is who acts (structure rule)."""
    return _agent_at(previous)[1]


def _agent_at(previous: Sequence[str]) -> tuple[int | None, str | None]:
    """Where the passive clause's "by" (or "through") stands, and the party named after it (see `_agent`)."""
    for i, token in enumerate(previous):
        if token in AGENT_MARKERS and i >= 2 and any(t in PASSIVE_AUXILIARIES for t in previous[max(0, i - 3):i - 1]):
            return i, next((t for t in previous[i + 1:i + AGENT_WORDS] if t in PARENT_WORDS
                            or t in (PROPER_NAME, PLACEHOLDER_ORG)), None)
    return None, None


def they_unclear(words: str, previous: Sequence[str]) -> bool:
    """"I met with our PTSA president and the folks from <org>, and they said they'd cover the cost", "talked with
    the PTSA and the dance company, they're paying", "the PTSA and the partner talked it over and they're covering
    it": "they" may be either party the clause before named (neither its subject, or both), so who pays is not
    settled (structure rule). "A group of 8th grade parents" is one party, the parents."""
    previous = [t for i, t in enumerate(previous) if not (t in PARTY_NOUNS and previous[i + 1:i + 2] == ["of"] and any(
        w in PARENT_WORDS for w in previous[i + 2:i + AGENT_WORDS]))]
    _, subject = _parties(previous)
    # "nonprofit wants to run a free homework club, they have their own funding": the partner said first is "they"
    head = list(itertools.takewhile(lambda t: t not in SUBJECT_VERBS, previous))  # the words before its verb
    first = [t for t in head[:SUBJECT_WORDS + 2] if t in PARTY_NOUNS][:1]
    if not subject and first and [t for t in head if _a_party(t)] == first:
        subject = first  # one partner, and no other party, before the verb
    parties = {_party(t) for t in _party_tokens(previous)}  # "the PTSA and the dance company"
    parties |= {t for i, t in enumerate(previous) if t in GROUP_NOUNS and not (i and previous[i - 1] in PARENT_WORDS)}
    by, agent = _agent_at(previous)
    if by is not None and agent is not None and "and" not in previous[by + 1:]:
        return False  # "our robotics club is organized by the 6th grade parent group and they cover ...": the agent
    return _they(words)[0] is not None and (_two_subjects(previous) or not subject and len(parties) > 1)


def _they(words: str) -> tuple[str | None, list[str]]:
    """The verb "they" carries ("" for "they" alone, "are" for "they're"; None when the clause does not open with
    it, after "and", "so" or "but"), and the words after it."""
    said = words.split()
    if said and said[0].lower() in ("and", "so", "but"):
        said = said[1:]
    return (THEY.get(said[0].lower().replace("\u2019", "'")) if said else None), said[1:]


PARTY_NOUNS = frozenset("partner partners org orgs organization organizations organisation organisations nonprofit "
                        "profit profits vendor provider providers company agency folks group".split())
"""Words for the partner as a party that may pay ("the PTSA and the partner talked it over")."""


def _parties(previous: Sequence[str]) -> tuple[list[str], list[str]]:
    """The parent bodies and organisations a clause's tokens name, and those among its first words (its subject)."""
    named = [t for t in _party_tokens(previous) if t in PARENT_WORDS or t in (PROPER_NAME, PLACEHOLDER_ORG)]
    return named, [t for t in previous[:SUBJECT_WORDS - 1] if t in named]  # "our PTSA loves <org>. They're paying"


GROUP_NOUNS = frozenset("club league studio troupe".split())
"""Words for an organisation that "they" may be ("the PTSA and the soccer club ... they're going to cover it"), though
naming one neither names a payer's holder (see `names_a_party`) nor counts among a case's parties."""


def _a_party(token: str) -> bool:
    """A parent body, a named organisation, or the partner said as a noun: someone who may pay."""
    return token in PARENT_WORDS or token in (PROPER_NAME, PLACEHOLDER_ORG) or token in PARTY_NOUNS


_A_PARTY_SAID = re.compile(r"\b(?:they|they're|theyre|their|them|its own|" + "|".join(sorted(PARTY_NOUNS)) + r")\b",
                           re.I)


def names_a_party(words: str) -> bool:
    """Whether the words name someone who may pay (an organisation by name, "they", the partner as a noun), unlike
    "free to the school", which only says the school does not pay."""
    return bool(_A_PARTY_SAID.search(words) or _TITLE_CASE_NAME.search(words)) or PLACEHOLDER_ORG in words \
        or PROPER_NAME in words


def party_kinds(tokens: Sequence[str]) -> frozenset[str]:
    """The kinds of party the tokens name who may pay: "parents" (a PTSA or parent group), "organisation" (one by
    name, or the partner as a noun). A "they" after both kinds is unclear, even a turn later."""
    return frozenset("parents" if t in PARENT_WORDS else "organisation" for t in _party_tokens(tokens))


PARENT_BODY_NOUNS = frozenset("group groups association committee club council organization organisation".split())


def _party_tokens(tokens: Sequence[str]) -> list[str]:
    """The tokens that name a party who may pay; "parent" only as a body ("parent group", not "parent workshops")."""
    return [t for i, t in enumerate(tokens) if _a_party(t) and (
        t != "parent" or _a_parent_body(tokens[i + 1:]))
        and not (i and tokens[i - 1] in PARENT_WORDS and t in PARENT_BODY_NOUNS)  # "booster club" is one party
        and not (t == PROPER_NAME and tokens[i + 1:i + 2] and tokens[i + 1] in PARENT_WORDS)  # "<name> parent group"
        and not (i and tokens[i - 1] in NAMING_WORDS)]  # "a nonprofit called <name>" is one party


NAMING_WORDS = frozenset("called named".split())


def _a_parent_body(after: Sequence[str]) -> bool:
    """"parent group", "Parent Teacher group", "parent-teacher association" name a body; "parent workshops" do not."""
    rest = list(after)
    while rest and rest[0] in ("teacher", "teachers", "student", "students"):
        rest = rest[1:]
    return bool(rest) and rest[0] in PARENT_BODY_NOUNS


LISTING_WORDS = DETERMINERS | frozenset("and both plus with".split())


def _parties_listed(tokens: Sequence[str]) -> bool:
    """"our PTSA and Beacon Bridges Family Center": a parent body and an organisation only listed say who is
    involved, not who pays (structure rule)."""
    return len(party_kinds(tokens)) > 1 and all(t in LISTING_WORDS or _a_party(t) for t in tokens)


def opens_with_they(words: str) -> bool:
    """"they said they'd cover it", "and they're paying": the clause's subject is "they"."""
    return _they(words)[0] is not None


def _two_subjects(previous: Sequence[str]) -> bool:
    """"the PTSA and the partner talked it over": two different parties joined as the subject of one verb."""
    first = next((i for i, t in enumerate(previous[:SUBJECT_WORDS - 1]) if _a_party(t)), None)
    if first is None:
        return False
    # "the PTSA and the partner", "the booster club and the theater company": "and" within the first noun phrase
    joined = next((j for j in range(first + 1, min(first + 3, len(previous))) if previous[j] == "and"), None)
    if joined is None:
        return False
    return len({_party(t) for t in (previous[first], *previous[joined + 1:joined + 4]) if _a_party(t)}) > 1


def _party(token: str) -> str:
    return "parents" if token in PARENT_WORDS else token


def with_ellipsis(tokens: list[str], before: list[str] | None) -> list[str]:
    """ "the school is" after "the PTSA isn't paying": the short clause borrows the predicate of the
    clause before it, without its negation ("the school is paying"); a question borrows nothing."""
    short = len(tokens) <= ELLIPSIS_WORDS or REPORTING_VERBS.intersection(tokens)  # "the PTSA president says they are"
    if before is None or not tokens or not short or tokens[-1] not in AUXILIARIES:
        return tokens
    if tokens[0] in QUESTION_OPENINGS:
        return tokens  # "which agreement do we do": a question, not "we do" pay
    # "the AP is telling me the school pays the tutor and the PTSA president says the PTSA does": the predicate of
    # what the report said, not of the report
    before = before[reported(before):]
    verb = next((i for i, t in enumerate(before) if t in AUXILIARIES or t.partition("'")[2] in ("re", "s", "m")), None)
    if verb is None:  # "the AP says the school pays the tutor but the PTSA treasurer says they do": the verb alone
        paying = next((t for t in before if re.fullmatch(_PAY_VERB, t)), None)
        return tokens + [paying] if paying else tokens
    predicate = [t for t in before[verb + 1:] if t not in NEGATORS]
    return tokens + predicate if predicate else tokens


def features(tokens: Sequence[str], placeholders: frozenset[str], scope: Sequence[str] | None = None) -> list[str]:
    """What the fact models see of a clause: scope-marked word stems and pairs, character n-grams.
    `scope`: each token's negation and hedge marks (default: from the words in `tokens`)."""
    scope = marks(tokens) if scope is None else scope
    tokens, scope = [t for t, m in zip(tokens, scope) if m != VOID], [m for m in scope if m != VOID]
    marked = [mark + (t if t in placeholders else stem(t)) for t, mark in zip(tokens, scope)]
    out = [f"w:{m}" for m in marked]
    out += [f"b:{a} {b}" for a, b in zip(marked, marked[1:])]
    low, high = CHAR_NGRAMS
    for token, mark in zip(tokens, scope):
        if token in placeholders or token.isdigit() or mark:
            continue  # a negated or hedged word is seen only with its mark
        padded = f" {token} "
        for n in range(low, min(high, len(padded)) + 1):
            out += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    if 0 < len(tokens) <= 2:
        out.append("s:short")
    if tokens and all(t in placeholders for t in tokens):
        out.append("s:only_name")
    return out


@dataclass(frozen=True)
class FactExample:
    slot: str
    value: str
    text: str


@dataclass
class FactModels:
    """One linear model per slot, trained from example clauses (`train`), read in plain Python."""

    models: dict[str, LinearModel]

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(self.models)

    def scores(self, feature_list: list[str], slots: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
        """Each slot's probabilities (only `slots`, when a rule reads no other: a model read costs a turn time)."""
        return {slot: model.probabilities(feature_list) for slot, model in self.models.items()
                if slots is None or slot in slots}


def train(examples: Sequence[FactExample], tokens_of: Callable[[str], list[str]],
          placeholders: frozenset[str], regularisation: float = 4.0) -> FactModels:
    """Fit one model per slot (scikit-learn is imported only here)."""
    from bot.understanding.model import train as fit

    models = {}
    for slot in sorted({e.slot for e in examples}):
        mine = [e for e in examples if e.slot == slot]
        documents = [example_features(e.text, tokens_of, placeholders) for e in mine]
        # a qualifier is rare in what is said: its examples of nothing (every other slot's) keep part of their weight
        models[slot] = fit(documents, [e.value for e in mine], regularisation,
                           QUALIFIER_BALANCE if slot in QUALIFIERS else 1.0)
    return FactModels(models)


def scoped_tokens(words: str, tokens_of: Callable[[str], list[str]]) -> tuple[list[str], list[str]]:
    """A clause's tokens, and each one's scope marks: a negation or a hedge reaches to the next comma or
    parenthesis ("the PTSA, not the school, pays" and "an individual tutor (not a company)" negate only
    what is between); so does a dash ("actually no -- admin says the school pays": "no" is said alone)."""
    tokens: list[str] = []
    scope: list[str] = []
    for part in re.split(r"[,()]|\s[-\u2013\u2014]+\s|--+|[\u2013\u2014]", words):
        mine = tokens_of(part)
        tokens += mine
        scope += marks(mine)
    return tokens, scope


STRONG_UNKNOWN = 0.75
"""How surely a list's item must say who pays is not known to count as telling it (see `listed_programs`)."""
_ITEM_BREAK = re.compile(r",\s+|\s+(?=and\s)", re.I)
"""Where a list's items may part: a comma, or before "and" ("... and a free reading program")."""


_LOOKED_UP = r"(?![^.?!]{0,20}\b(?:partners?|trainings?|schools?|workshops?|tickets?|requests?)\b)"
_ASKS_THE_BOT = re.compile(r"(?:just\s+|pls\s+|please\s+|can\s+you\s+|could\s+you\s+)*(?:pick|choose|decide|skip|"
                           r"stop\s+asking|(?:don'?t|do\s+not)\s+ask|(?<=just\s)(?:say|give\s+me|guess)|"
                           r"(?<=just\s)tell\s+me\b" + _LOOKED_UP
                           + r"|tell\s+me\s+(?:which|what|it'?s|its)\b" + _LOOKED_UP + ")", re.I)
"""A request to the bot ("just pick one", "don't ask me questions", "tell me which"), which states no fact."""


def asks_the_bot(text: str) -> bool:
    """The message opens with a request to the bot to decide or to skip its question ("just pick one")."""
    return bool(_ASKS_THE_BOT.match(without_openers(text)))
_WRITERS_PURPOSE = re.compile(r"\s*(?:so|so that)\s+(?:i|we)\s+(?:can|could|may|might)\b", re.I)
"""A clause of the writer's purpose ("so I can send it to the principal today") states no fact of the case."""


def list_items(clause: tuple[str, str, bool]) -> list[str]:
    """The items of a list a clause may be ("chess club paid by ptsa, drumming residency from our title I funds, and
    a free reading program a nonprofit runs"); a noun phrase or an opener alone stays with what follows it ("the
    school, the PTSA and the partner split it": subjects of one predicate). A clause joined or quoted otherwise is one
    item."""
    words, spoken, second = clause
    if words != spoken or second or asks(words):
        return [words]  # a question lists nothing it tells ("could you tell me which agreement this is and ...")
    items: list[str] = []
    for item in (i.strip() for i in split_outside_asides(_ITEM_BREAK, words)):
        if items and (_only_a_subject(items[-1]) or all(w in CONNECTIVES for w in items[-1].lower().split())):
            items[-1] = f"{items[-1]}, {item}"  # "wait, my co-teacher says ...": an opener opens the item after it
        elif item:
            items.append(item)
    if len(items) > 1 and _only_a_subject(without_openers(items[-1])) and f", {items[-1]}" not in words:
        items[-2:] = [f"{items[-2]} {items[-1]}"]  # "they bring the food and the funding": what they bring (but
        # "..., and a homework club" is another item)
    return items


def listed_programs(clauses: list[tuple[str, str, bool]], payer_of: Callable[[str], str | None]
                    ) -> list[tuple[tuple[str, str, bool], bool]]:
    """Each clause, or each item of one that is a list of programs told with their payers, marked as such: "a
    garden club (PTSA pays), drumming (we pay it with LAP) and a new coding club". A clause is such a list when two
    of its items state different payers (the models' readings of each item alone), or when the message tells
    different payers and one of its items states one ("a new garden club, drumming residency that a nonprofit runs
    for free and chess club is paid from our building budget"): every item is then a clause of its own, the one that
    says nothing of who pays too (structure rule)."""
    split = [(clause, list_items(clause)) for clause in clauses]
    if all(len(items) < 2 for _, items in split) and not any(_another_item(clause[0]) for clause in clauses):
        return [(clause, False) for clause in clauses]  # no list, nothing to read twice (most messages)
    payer_of = functools.cache(payer_of)  # an item is read once, however often it is asked about
    itemised = [(clause, items, [payer_of(item) for item in items]) for clause, items in split
                if all(_opens_a_noun_phrase(item) for item in items[1:])]
    told = {payer for *_, payers in itemised for payer in payers} - {None}
    lists = {id(clause): (items, payers) for clause, items, payers in itemised}
    out: list[tuple[tuple[str, str, bool], bool]] = []
    for clause in clauses:
        items, payers = lists.get(id(clause), ([], []))
        mine = set(payers) - {None}
        # "a circus class that the PTSA pays us for, and a homework club": an item set apart by a comma that tells no
        # payer beside one that tells one is another program
        apart = any(payer is None and f", {item}" in clause[0] and _another_item(item)
                    for item, payer in zip(items, payers))
        if len(items) > 1 and (len(mine) > 1 or mine and (len(told) > 1 or apart)):
            out += [((item, item, False), True) for item in items]
        elif out and _another_item(clause[0]) and payer_of(clause[0]) is None and payer_of(out[-1][0][0]) is not None:
            # "a circus class that the PTSA pays us for, and a homework club": clauses of their own, a list all the same
            out[-1] = (out[-1][0], True)
            out.append((clause, True))
        else:
            out.append((clause, False))
    return out


def _another_item(words: str) -> bool:
    """"and a homework club", "plus a new dance class": another program named after "and", nothing said of it."""
    return bool(re.match(r"\s*(?:and|plus)\s", words, re.I)) and _opens_a_noun_phrase(words)


_NOT_AN_ITEM = PRONOUN_SUBJECTS | NEGATORS | AUXILIARIES | SUBJECT_VERBS | NAME_VERBS | HEDGES | frozenset(
    "on with without for from by in at to of as like otherwise else unless if then so because but or which who that "
    "where when while though although whether".split())
"""First words of a part that goes on the clause before it ("..., on her own", "... and pay the coach") rather than
naming another program of a list; so does a word alone ("... will handle scheduling and payment")."""


_THERE_IS = re.compile(r"\bthere(?:'s|\u2019s|\s+is|\s+are)\s+")
"""What only introduces a noun phrase ("and there's a robotics club ...")."""
_OBJECTS = DETERMINERS | frozenset("it them him her us nobody everyone everything nothing".split())
"""Words after a verb: "... and charges nobody", "... and teaches the kids" go on the clause before."""


def _opens_a_noun_phrase(item: str) -> bool:
    said = [w.strip("(,") for w in _THERE_IS.sub("", item.lower()).split() if w not in ("and", "plus")]
    first = said[0] if said else ""
    return len(said) > 1 and not {re.split(r"['\u2019]", first)[0], re.sub(r"['\u2019]", "", first)} & _NOT_AN_ITEM \
        and said[1] not in _OBJECTS  # "she's" is "she", "don't" "dont"


def read(text: str, models: FactModels, tokens_of: Callable[[str], list[str]],
         placeholders: frozenset[str], school_money: str | None = None,
         is_school: Callable[[str], bool] | None = None) -> tuple[ClauseReading, ...]:
    """Every clause of `text` with each slot's probabilities (see the module's structure rules).
    `school_money`: the placeholder of a name of school money (knowledge/facts/funds.yaml), see `money_said`."""
    out = []
    before: list[str] | None = None
    previous: list[str] = []
    zeroed = _identity_asides_dropped(nothing_for_zero(quotes_reported(text)))
    said_text = names_masked(zeroed, is_school)
    carried = False  # a correction said on its own ("- no wait, sorry, the Rotary club pays") corrects what follows
    planned = then = False  # the clause before told a plan that was; a time that was ("when we started") opened one
    opinion = False  # the clause before was someone's report or a hedge: "because ..." after it gives their reason
    written_to = 0  # where the clause before ends in the message as written
    def payer_of(part: str) -> str | None:
        if _only_a_subject(without_openers(part)):
            return None  # "... between the principal and the PTA": a name alone says no payer
        tokens, scope = scoped_tokens(part, tokens_of)
        scores = models.scores(features(tokens, placeholders, scope), ("payer",))
        if school_money is not None:
            scores = money_said(scores, tokens, scope, school_money)
        top = _top(scores)  # "unknown" too, said surely: "a dance class we haven't figured out yet, robotics (PTSA
        # pays)", not "the org is totally free, grant funded"
        sure = STRONG_UNKNOWN if top == UNKNOWN else FLOOR
        return top if top != NONE and not top.startswith("not_") and scores["payer"][top] >= sure else None

    for index, ((words, spoken, second), listed) in enumerate(listed_programs(joined_clauses(said_text), payer_of)):
        correcting = carried or is_correcting(words) or planned
        # "oh wait no sorry, ..." reads as what follows; "they" may be a party the clause before named
        tokens, scope = scoped_tokens(without_openers(with_subject(words, previous)), tokens_of)
        if not tokens:
            carried = correcting
            continue
        carried = False
        completed = with_ellipsis(tokens, before)
        scope = scope + marks(completed)[len(tokens):]  # the borrowed predicate, without its own negation but under
        # the short clause's ("the university pays for it, the school doesn't")
        spoken, written_to = written_from(spoken, zeroed, written_to)
        # the predicate borrowed, or a time that was said alone before ("when we started, | the parent group paid"),
        # is quoted with the clause
        said = f"{out[-1].words}, {spoken}" if (len(completed) > len(tokens) or then) and out else spoken
        told = reported(completed)  # "the PTSA treasurer just told me the school is paying": what was said is read
        by_party = said_by_a_party(completed, scope)
        read_tokens, read_scope = by_party or ((completed[told:], scope[told:]) if told else (completed, scope))
        scores = {} if introduces(words) or only_asks_for_the_agreement(words) else with_parts(
            models, models.scores(features(read_tokens, placeholders, read_scope)), tokens, scope, placeholders)
        if _top(scores) in (NONE, UNKNOWN) or max((scores.get("payer") or {NONE: 1.0}).values()) < FLOOR:
            scores = _without_the_purpose(models, scores, read_tokens, read_scope, placeholders)
        if by_party is not None and school_money in by_party[0] and "payer" in scores:
            # "the PTSA treasurer says we're covering it from Title I": the party's "we", or the school's money?
            scores = {**scores, "payer": {UNKNOWN: 1.0}}
        if school_money is not None:
            scores = money_said(scores, tokens, scope, school_money)
        paid = paid_to_the_school(tokens, scope, school_money, before or ()) if _about_a_payer(scores) else None
        if paid is None and families_pay_the_provider(tokens, scope):
            paid = "partner"  # "families pay the swim program directly": the provider's own revenue, no parent body
        if paid is not None:
            scores = {**scores, "payer": {paid: 1.0}}  # "a rec league pays the school to use the field": a fee for
            # space, which the space reading decides; "they pay rent to the district": a tenant paying its own way
        if _WRITERS_PURPOSE.match(words) or asks_the_bot(words):
            scores = {}  # "just tell me its an MOU so i can move on pls": what the writer wants to do next;
            # "just pick one", "don't ask me questions": what the writer asks of the bot
        if opinion and _said(words)[:1] == ["because"]:
            scores = {}  # "our AP thinks they need an alignment agreement because they're here every day"
        if only_names(tokens, placeholders - {school_money}) or all(t in BARE_WORDS or t in CONNECTIVES
                                                                   for t in tokens):
            scores = {}  # "it's for Garfield High School": a name says where or who, never who pays; "oh wait, it's"
        if _points_at_a_program(words):
            scores = {}  # "And for the tutors?": what a question is about, never who pays
        if _about_a_payer(scores) and (_PARENT_BODY_IS.search(words) or _top(scores) == "not_ptsa" and _ANOTHER_PARENT_BODY
                                       .search(said_text) and not _PAYING.search(words)):
            # "our parent group isn't an official PTSA", "it's a parent group, not the PTSA": what the group is
            scores = {**scores, "payer": {NONE: 1.0}}
        asking = asks(words) and not relative(spoken, index, said_text) and not _a_short_case(words, scores)
        if out and out[-1].asks and _only_a_subject(words) and not only_asks_for_the_agreement(out[-1].words):
            asking = True  # "who runs her background check, the school?": the name is what the question asks about
        described = described_case(models, tokens, scope, placeholders) if asking or (
            _for_the_agreement(words) and surest(scores) < FLOOR) else None
        if described is not None:  # "can we do a PSC for a partner that brings their own funding?"
            scores, asking = described, False
        if (they_unclear(words, previous) or asked_within(words) or _money_of_nobody(words, said_text, scores)
                or _parties_listed(tokens)) and _states_a_payer(scores):
            scores = {**scores, "payer": {UNKNOWN: 1.0}}
        if correcting and asking and _about_a_payer(scores):
            # "the PTSA pays the coach... or wait is it the athletics dept": taking it back as a question leaves
            # who pays not known (structure rule)
            scores, asking = {**scores, "payer": {UNKNOWN: 1.0}}, False
        if on_condition(words) and _about_a_payer(scores) and ClauseReading(words, index, False, scores).fact(
                "payer") is None:  # about money, naming no payer itself ("if the partner is free" names one)
            out = _payer_taken_back(out)  # "we would pay the coach, but only if our grant application falls through"
        if set(tokens) <= HEDGE_ASIDE:
            out = _payer_taken_back(out)  # "the PTSA, I think, but ...": a hedge said after it
        if _I_MEAN.match(words) and out and (_only_a_subject(without_openers(out[-1].words))
                                             or _A_NAME_ALONE.fullmatch(out[-1].words.strip(" .,!-"))):
            out = _payer_taken_back(out, NONE)  # "The Garfield Booster Club... sorry, I mean the Garfield Alumni
            # Foundation, wants ...": the name said first is taken back, and is no party "they" may be
            out[-1] = replace(out[-1], parties=frozenset())
        if _REFUTED.fullmatch(words.strip(" ,.;:!-\u2014")):
            out = _payer_taken_back(out, NONE)  # "someone told me the school isn't paying, but that's wrong"
        elif _DISOWNED.search(words) and (_about_a_payer(scores) or reports_another(words) and any(
                reading.fact("payer") is not None for reading in out)):
            # "..., but the PTSA treasurer says they never agreed to that": it states nothing, and takes back
            scores = {**scores, "payer": {NONE: 1.0}}
            out = _payer_taken_back(out)
        elif standing(scores) == WITHDRAWN and not reports_another(words):  # another's "that's wrong" disputes
            scores = {**scores, "payer": {NONE: 1.0}}
            out = _payer_taken_back(out)  # "..., but they withdrew the offer", "the board denies ever committing to
            # it": the standing model reads a clause that takes back what came before (structure: what it takes back)
        reading = ClauseReading(said, index, correcting, scores, asking, party_kinds(tokens),
                                correcting and brings_news(words), listed)
        if second and out:
            out[-1], reading = one_predicate(out[-1], reading)
        out.append(reading)
        carried = correcting and not reading.states()  # "but actually scratch that, the partner's covering it"
        # "when we started, | the parent group paid | these days ...": a time that was, said alone, holds the plan
        # that follows it, and what comes after that tells what holds now
        alone = was_planned(reading.words) and not reading.states() and len(reading.words.split()) <= TIME_WORDS
        planned, then = (False, True) if alone else (then or was_planned(reading.words), False)
        before = tokens
        opinion = bool(told) or any(mark.startswith("may_") for mark in scope)
        previous = [t for t, mark in zip(tokens, scope) if not mark]  # a party denied ("neither is the PTSA") is not "they"
    return tuple(out)


_GIFT_WORDS = "grant|donation|gift|donor|sponsor|sponsorship"
"""Money someone gives, whose holder a message may leave unsaid (with "foundation")."""
_HOLDERLESS_MONEY = re.compile(r"\b(?:(?:the|a)\s+(?:[a-z]+\s+)?foundation|(?:(?:the|a|an)\s+(?:[a-z]+\s+)?)?"
                               r"(?:" + _GIFT_WORDS + r")s?)\b", re.I)
_A_HOLDER_OR_DIRECT = re.compile(r"\b(?:our|we|us|school(?!\s+foundation)|district|directly)\b"
                                 r"|\b(?!(?:there|it|that|what|here|who|he|she|let)'s\b)\w+(?:'s|s')\s+(?:own\s+)?"
                                 r"(?:[a-z]+\s+)?(?:" + _GIFT_WORDS + r"|foundation)s?\b", re.I)
"""Words that say whose the money is, or that it goes straight to the partner ("the chess club's sponsor")."""
_GIVEN = re.compile(r"\b(?:gave|gives|give|given|awarded|received|receives|receive|got|won|has|have|had)\b", re.I)


def _money_of_nobody(words: str, text: str, scores: dict[str, dict[str, float]]) -> bool:
    """"the foundation is covering the cost", "it's paid by the grant", "a corporate donor": money whose holder is
    not said may be the school's (a school's foundation, grant or gift, then the school pays) or the partner's, so the
    partner is not read as paying (structure rule); "their grant", "the Mariners' foundation", "they have a grant",
    "our school got a grant", "the city gave the collective a grant", "the grant was awarded to the mentoring org" say
    whose it is (anywhere in the message), and "the foundation pays the artist directly" that no school money changes
    hands."""
    payer = scores.get("payer") or {}
    # "a grant will cover most of the cost" read as the school's money is no surer of its holder
    return max(payer.get("partner", 0.0), payer.get("school", 0.0)) >= FLOOR and bool(_HOLDERLESS_MONEY.search(words)) \
        and not names_a_party(text) and not _A_HOLDER_OR_DIRECT.search(words) and not _GIVEN.search(text)


CONDITIONS = ("if", "unless", "only if", "but only if", "provided", "as long as", "assuming", "pending", "depending",
              "once", "as soon as")
CONDITIONS_TO_COME = tuple(c for c in CONDITIONS if c != "if")


_PARENT_BODY_IS = re.compile(
    r"\b(?:parent|parents'?|family|families'?|boosters?)\s+(?:group|club|committee|association|collective)\s+"
    r"(?:is|isn't|isnt|is\s+not|'s\s+not|was|wasn't|wasnt)\s+(?:really\s+|technically\s+)?(?:an?|the)\s+"
    r"(?:official\s+|real\s+|registered\s+|formal\s+|actual\s+)?(?:PTSA|PTA|PTO|PTSO)\b"
    r"|\b(?:(?:we|they)(?:'re|\s+are)\s+(?:technically\s+|really\s+|actually\s+)?not|(?:we|they)\s+aren'?t"
    r"|(?:it|this)(?:'s|\s+is)\s+(?:technically\s+|really\s+|actually\s+)?not|it\s+isn'?t)\s+"
    r"(?:technically\s+|really\s+|actually\s+)?(?:an?|the)\s+(?:official\s+|real\s+|registered\s+|formal\s+|actual\s+)?"
    r"(?:PTSA|PTA|PTO|PTSO)\b"
    r"|\b(?:(?:we|our school|the school|they)\s+(?:don't|do not|doesn't|does not|dont|doesnt)\s+have|there(?:'s|\s+is)\s+no"
    r"|(?:we|our school|the school)\s+(?:has|have)\s+no)\s+(?:an?\s+)?(?:official\s+|active\s+|real\s+)?"
    r"(?:PTSA|PTA|PTO|PTSO)\b", re.I)
"""A parent group said to be, or not to be, a PTSA, or a school said to have none: the clause says what the group
is, not who pays (structure rule); a parent group coordinating and paying is a PTSA-coordinated enrichment either
way."""


def says_what_a_parent_body_is(text: str) -> bool:
    """"the parent group isn't a PTSA btw, it's just parents": said of the case's payer, it changes nothing."""
    return bool(_PARENT_BODY_IS.search(text))


_ASIDE = re.compile(r"\(([^()]*)\)|\s[-\u2013\u2014]+\s([^-\u2013\u2014]*?)\s[-\u2013\u2014]+\s")


def _identity_asides_dropped(text: str) -> str:
    """An aside that only says what a parent body is ("the PTA (we're technically not a PTSA) pays an art teacher",
    "our PTA - we're not a PTSA, but same idea - is funding ...") is left out of the clause around it, which is read
    as if it were not there (structure rule)."""
    def dropped(found: re.Match[str]) -> str:
        aside = found.group(1) if found.group(1) is not None else found.group(2)
        return " " if _PARENT_BODY_IS.search(aside) else found.group(0)
    left = _ASIDE.sub(dropped, text)
    return re.sub(r"\s{2,}", " ", left) if left != text else text


_ANOTHER_PARENT_BODY = re.compile(
    r"\b(?:parent|parents'?|family|families'?|boosters?)\s+(?:group|club|committee|association|alliance|collective|council)s?\b"
    r"|\b(?:a|our|the)\s+(?:handful|few|group)\s+of\s+(?:parents|families)\b"
    r"|\b(?:just|only)\s+(?:(?:a\s+)?(?:few|group\s+of|couple\s+of)\s+)?(?:parents|families)\b", re.I)
"""A parent body that is not the PTSA: beside it, "not the PTSA" says which body, not that parents don't pay."""
_PAYING = re.compile(r"\b(?:pay|pays|paid|paying|cover|covers|covered|covering|fund|funds|funded|funding)\b", re.I)


def _top(scores: dict[str, dict[str, float]]) -> str:
    """The clause's likeliest payer reading (NONE when it reads none)."""
    payer = scores.get("payer") or {}
    return max(payer, key=payer.__getitem__, default=NONE)


def on_condition(words: str, conditions: Sequence[str] = CONDITIONS) -> bool:
    """"if our grant application falls through", "unless the PTSA steps in": a condition on what came before."""
    said = " ".join(_said(words))
    return any(said == c or said.startswith(c + " ") for c in conditions)


def opens_on_a_condition(words: str) -> bool:
    """"Assuming the levy dollars arrive, Beacon Hill would pay ...": a clause that opens with a condition holds what
    it states until then. Not "if": "If the PTSA pays, which agreement?" asks of a case put forward."""
    return on_condition(words, CONDITIONS_TO_COME)


_A_NAME_ALONE = re.compile(r"(?:(?:[Tt]he|[Oo]ur|[Aa])\s+)?(?:[A-Z][\w'&.-]*\s*)+")
_I_MEAN = re.compile(r"\W*(?:(?:sorry|oops|no|er|um)\W+)*I\s+mean[t]?\b", re.I)
"""A correction of the words just said ("sorry, I mean ...")."""
_REFUTED = re.compile(r"(?:but\s+|and\s+)?(?:(?:that'?s|that is|which is|it'?s|this is)?\s*(?:not\s+(?:true|right|correct|so)|"
                      r"wrong|incorrect|false|a mistake)|(?:that|it|this)\s+(?:isn'?t|wasn'?t)\s+(?:true|right|correct|so))",
                      re.I)
"""A clause that only says what came before is not so ("..., but that's wrong")."""


_LEADS = r"(?:run|direct|lead|manage|coordinate|oversee|founded|started)"
_AFFILIATION = re.compile(r"\b[Ii](?:'m|\s+am|\s+" + _LEADS + r")\s+"
                          r"(?:(?:the|a|an|one\s+of\s+the)\s+)?(?:[\w-]+\s+){0,3}?"
                          r"(?:at|with|for|from|of)\s+((?:[A-Z][\w'&.-]*\s+){0,4}[A-Z][\w'&.-]*)"
                          # "I coordinate the Lushootseed Language Circle, a little nonprofit": the body led, named
                          r"|\b[Ii]\s+" + _LEADS + r"\s+(?:the\s+)?((?:[A-Z][\w'&.-]*\s+){1,4}[A-Z][\w'&.-]*)"
                          # "We're Delridge Youth Soccer Alliance.": a body the writers are, named on its own
                          r"|\b[Ww]e(?:'re|\u2019re|\s+are)\s+(?:the\s+)?((?:[A-Z][\w'&.-]*\s+){1,4}[A-Z][\w'&.-]*)"
                          r"(?=\s*(?:[.,;:!?]|$|\s+and\b))")
_THE_DISTRICTS = re.compile(r"\b(?:district|public\s+schools|SPS|PTSA|PTA|PTO|PTSO|central\s+office|department|"
                            r"title|lap|asb|levy|budget)\b",
                            re.I)


def writes_from(text: str, names_a_school: Callable[[str], bool]) -> str:
    """The named body the writer is with ("I'm the program coordinator at Greenway Outdoor School", "I'm the director
    of Hope Tutoring"), when it is not one of the district's schools, nor the district or a PTSA: "" otherwise
    (structure rule). A school's own staff name their school ("I'm the office manager at Cascadia")."""
    found = _AFFILIATION.search(text)
    name = next((group for group in found.groups() if group), "") if found else ""
    if not name or _THE_DISTRICTS.search(name) or names_a_school(name):
        return ""
    return name


_DISOWNED = re.compile(
    r"\b(?:(?:never|not|didn'?t|did\s+not|hasn'?t|has\s+not|haven'?t|have\s+not|don'?t|doesn'?t|won'?t|wasn'?t)"
    r"\s+(?:(?:actually|even|ever|really|officially|yet)\s+)?|(?:nobody|no\s+one)\s+(?:(?:has|ever|actually)\s+)?)"
    r"(?:agree|agreed|approve|approved|vote|voted|sign|signed|commit|committed|okay|okayed|ok'?d|promise|promised|"
    r"offer|offered|say|said|confirm|confirmed)\s*(?:(?:off|up)\s*)?(?:(?:on|to|for)\s*)?"
    r"(?:that|this|it|any\s+of\s+(?:that|this|it)|anything\s+like\s+that|such\s+a\s+thing)?\s*[.!?]*$", re.I)
"""A clause that only disowns what came before ("they never agreed to that", "nobody signed off on it"): said by
someone else, the earlier statement is disputed, so who pays is not known (structure rule)."""


def disowns(words: str) -> bool:
    """Whether the words end disowning what came before ("the PTSA president just told me they never agreed to
    that"), which states nothing alone: it is read after what it disowns."""
    return bool(_DISOWNED.search(words))


def _payer_taken_back(out: list[ClauseReading], value: str = UNKNOWN) -> list[ClauseReading]:
    """Paying only on a condition about money ("we would pay the robotics coach, but only if our grant application
    falls through"), or with a hedge said after it ("the PTSA, I think, ..."), does not settle who pays (structure
    rule): the nearest clause before that states something, if it states a payer, has it taken back (not known, or
    `value`: said to be wrong, it says nothing)."""
    for i in range(len(out) - 1, -1, -1):
        if out[i].fact("payer") is not None:
            return [*out[:i], replace(out[i], scores={**out[i].scores, "payer": {value: 1.0}}), *out[i + 1:]]
        if out[i].states():
            break
    return out


def standing(scores: dict[str, dict[str, float]]) -> str | None:
    """How the clause's statement stands, if the standing model reads it surely: only what was, still to come,
    reasoned or taken back; None for what is said as now."""
    read = scores.get(STANDING) or {}
    value = max(read, key=read.__getitem__, default=NONE)
    return value if value != NONE and read[value] >= STANDS else None


def _about_a_payer(scores: dict[str, dict[str, float]]) -> bool:
    """The clause is more likely about who pays than about nothing of it ("is it the athletics dept": the school's
    money 0.2, not known 0.1, ...; "do they need a background check?" is about none)."""
    payer = scores.get("payer") or {}
    return bool(payer) and payer.get(NONE, 0.0) < FLOOR


def _states_a_payer(scores: dict[str, dict[str, float]]) -> bool:
    """The clause's likeliest payer reading names one (not nothing, not "unknown", not a denial)."""
    top = _top(scores)
    return top not in (NONE, UNKNOWN) and not top.startswith("not_")


def _subject_kind(words: str) -> str:
    """Who the clause's subject is, by kind: a parent body, the school, or someone else."""
    subject = _said(words)[:SUBJECT_WORDS]
    if PARENT_WORDS.intersection(subject):
        return "parents"
    return "school" if {"school", "district", "we", "our", "us"}.intersection(subject) else "other"


NOT_A_VERB = DETERMINERS | PRONOUN_SUBJECTS | frozenset("them us me him you school schools district each every all "
                                                           "be".split())
"""Words after "to" that make it a preposition ("talked to them", "to the school"), not a purpose ("to run")."""
PAYING_STEMS = frozenset(stem(w) for w in "pay cover fund charge donate sponsor reimburse compensate bill spend cost "
                                             "hire contract".split())


def _without_the_purpose(models: FactModels, scores: dict[str, dict[str, float]], tokens: list[str],
                         scope: list[str], placeholders: frozenset[str]) -> dict[str, dict[str, float]]:
    """"the special ed budget pays for a sensory-gym company to come twice a week": what a partner is paid to do
    says nothing of who pays (the models are taught so), and a long purpose can drown the payer said before it. A
    clause that states no payer is read again without its purpose ("to <verb> ...", a verb of paying kept), and
    the payer that part states surely counts (structure rule)."""
    cut = next((i for i in range(MIN_PART, len(tokens) - 1)
                if tokens[i] == "to" and stem(tokens[i + 1]) not in PAYING_STEMS and not scope[i]
                and tokens[i + 1] not in NOT_A_VERB and tokens[i + 1] not in placeholders), None)
    if cut is None:
        return scores
    head = models.scores(features(tokens[:cut], placeholders, scope[:cut]), ("payer",))
    if not _states_a_payer(head) or head["payer"][_top(head)] < FLOOR:
        return scores
    return {**scores, "payer": head["payer"]}


def paid_to_the_school(tokens: Sequence[str], scope: Sequence[str], school_money: str | None = None,
                       before: Sequence[str] = ()) -> str | None:
    """"a rec league pays the school to use the field", "a church group wants to pay us to use the gym", "we would
    pay the district's facility rental fee": money paid to the school's side is for space, not for the partner's
    work, so who pays for that is not said (NONE); rent ("they pay rent to the district", "pays the district rent")
    is a tenant's, who pays its own way ("partner"). None when the payer is itself the school's side ("Whittier
    would pay us a stipend": "us" is the partner writing), or when the paying is negated or hedged (structure rule:
    who pays whom)."""
    for verb, token in enumerate(tokens):
        if token not in PAYING_FORMS or scope[verb]:
            continue
        payer_words = tokens[max(0, verb - PAYER_REACH):verb]
        if SCHOOL_PAYERS.intersection(payer_words) or school_money in payer_words:
            continue
        paid = next((i for i in range(verb + 1, min(verb + 1 + RECIPIENT_REACH, len(tokens)))
                     if tokens[i] not in DETERMINERS), None)
        if paid is None:
            continue
        named_after = tokens[paid + 1:paid + 1 + RECIPIENT_REACH]
        if tokens[paid] == "rent" or tokens[paid] in RECIPIENTS and named_after[:1] == ["rent"]:
            return "partner"
        if RENT_WORDS.intersection(tokens[paid:paid + RECIPIENT_REACH]):
            return NONE  # "pay the facility rental fee", "they'd pay the building rental fee": a fee for space
        if tokens[paid] not in RECIPIENTS or any(_a_party(t) or t in GROUP_NOUNS for t in named_after):
            continue  # "pays the Cleveland High School robotics alumni group": a body named after a school
        # "us" is the school only when the money is for space ("pay us to use the gym", "a studio wants to rent our
        # gym, they'd pay us": said in the clause before); from a partner, "the school plans to pay us" and "a credit
        # union pays us directly" are the partner paid
        if tokens[paid] != "us" or USE_WORDS.intersection([*named_after[:USE_REACH], *before]):
            return NONE
    return None


def families_pay_the_provider(tokens: Sequence[str], scope: Sequence[str]) -> bool:
    """"families pay the swim program directly", "parents pay tuition to the studio": families paying the provider
    themselves, each for their own child, with no parent body named to coordinate it, fund the partner as its
    customers (no school money, no PTSA), unlike "families chipped in to pay the coach" (structure rule)."""
    start = _families_at(tokens)
    if start is None or PARENT_BODY_WORDS.intersection(tokens):
        return False
    verb = next((i for i in range(start + 1, min(start + 3, len(tokens))) if tokens[i] in PAYING_FORMS), None)
    return verb is not None and not scope[verb] and bool(CUSTOMER_WORDS.intersection(tokens[verb + 1:]))


def _families_at(tokens: Sequence[str]) -> int | None:
    """Where families open the clause as its subject ("if families pay ...", "each family pays ..."), or None."""
    start = next((i for i, t in enumerate(tokens) if t not in FAMILY_OPENERS), len(tokens))
    return start if start < len(tokens) and tokens[start] in FAMILIES else None


def families_open(words: str) -> bool:
    """Whether families are the subject the clause opens with ("families pay the provider directly")."""
    return _families_at(_said(words)) is not None


FAMILY_OPENERS = frozenset("if when and but so the each some our all".split())
FAMILIES = frozenset("families family parents".split())
PARENT_BODY_WORDS = frozenset("pta ptsa pto ptso booster boosters association group club council committee".split())
CUSTOMER_WORDS = frozenset("directly tuition fee fees themselves straight".split())
"""Words that say families pay the provider as its customers (see `families_pay_the_provider`)."""


PAYING_FORMS = frozenset("pay pays paying paid".split())
RECIPIENTS = frozenset(f"us school schools district districts {PLACEHOLDER_SCHOOL}".split())
"""Who may be paid, said right after the verb, so that the school's side is paid ("pay the district a fee")."""
SCHOOL_PAYERS = RECIPIENTS - {"us"} | {"principal"}
"""Words before the verb that make the school's side the payer (with the name of school money)."""
RENT_WORDS = frozenset("rent rental rentals facility facilities".split())
USE_WORDS = RENT_WORDS | frozenset("use using renting".split())
USE_REACH = 4
"""How near after "pay us" the use of space must be said for "us" to be the school paid for it."""
RECIPIENT_REACH = 3
"""How many words after the verb (determiners among them) may name who is paid."""
PAYER_REACH = 6
"""How many words before the verb may name who pays (the school's side pays no one to use its own space)."""


def one_predicate(first: ClauseReading, second: ClauseReading) -> tuple[ClauseReading, ClauseReading]:
    """Two subjects of one predicate ("the school and PTSA split it") pay alike or the payer is not settled:
    readings that differ (one may be a model's weak guess) make both undecided, to be asked."""
    def value(reading: ClauseReading) -> str:
        fact = reading.fact("payer")
        return fact.value if fact is not None else NONE
    kinds = {_subject_kind(first.words), _subject_kind(second.words)}
    if value(first) == value(second) and (len(kinds) == 1 or "school" in kinds):
        return first, second  # "the PTSA and the Lions club are both chipping in": two kinds of payer, asked
    undecided = {"payer": {UNKNOWN: 1.0}}
    return (replace(first, scores={**first.scores, **undecided}),
            replace(second, scores={**second.scores, **undecided}))


BARE_WORDS = frozenset("it its it's s is was for at to the a an our their this that of in with about re regarding "
                       "called named".split())
"""Words that, around a name and nothing else, only point at it ("it's for <school>", "with <org>")."""


def only_names(tokens: Sequence[str], names: frozenset[str]) -> bool:
    """A clause of names and pointing words only: it states no fact, however a model would lean."""
    return any(t in names for t in tokens) and all(t in names or t in BARE_WORDS for t in tokens)


DOUBT = 0.3
"""An "undecided" reading this likely keeps school money named in the clause from deciding anything."""
MONEY_SAYS = 0.9
"""How sure a clause that names school money, neither negated nor hedged, says the school pays."""
ALTERNATIVES = frozenset("or either whether if unless between deciding decide undecided".split())
"""Words that make school money one possibility among others ("our budget or the PTSA's", "if ASB pays"): no fact."""


def money_said(scores: dict[str, dict[str, float]], tokens: list[str], scope: list[str],
               school_money: str) -> dict[str, dict[str, float]]:
    """A name of school money said plainly ("ASB", "Title 1 is going to cover it", "her discretionary funds")
    is the school paying, whatever else the clause says: money the school manages is the school's, whatever it
    is called. Not when the name is negated, hedged or one possibility ("not Title I", "we might use LAP", "our
    budget or the PTSA's"), nor when the clause reads another payer surely (the PTSA's "ASB account" is the PTSA's)."""
    payer = scores.get("payer")
    named = [i for i, (t, mark) in enumerate(zip(tokens, scope)) if t == school_money and not mark]
    # "Title I won't pay for it": a negation after the name negates it too
    plain = bool(named) and not ALTERNATIVES.intersection(tokens) and not NEGATORS.intersection(tokens[named[0]:])
    if not payer or not plain or payer.get("school", 0.0) >= MONEY_SAYS:
        return scores
    other = max((v for k, v in payer.items() if k not in ("school", NONE, UNKNOWN)), default=0.0)
    if other >= 0.6 or payer.get(UNKNOWN, 0.0) >= DOUBT:  # "still deciding between Title I and the PTSA"
        return scores
    rest = 1.0 - payer.get("school", 0.0)
    scale = (1.0 - MONEY_SAYS) / rest if rest > 0 else 0.0
    return {**scores, "payer": {k: (MONEY_SAYS if k == "school" else v * scale) for k, v in payer.items()}}


def parts(tokens: list[str], scope: list[str]) -> list[tuple[list[str], list[str]]]:
    """A clause's parts, cut before the words that open one (PART_OPENERS), each with its scope marks
    from the whole clause (a negation reaches into the part it governs); parts too short to state a fact
    are left out."""
    # "the leased partner ... also wants us to pay them": "also" opens a second predicate, kept in its part
    cuts = [i for i, token in enumerate(tokens) if i and (token in PART_OPENERS or token == "also"
                                                          and tokens[i - 1] not in PART_OPENERS)]
    bounds = [0, *cuts, len(tokens)]
    out = []
    for start, end in zip(bounds, bounds[1:]):
        start += 1 if start in cuts and tokens[start] in PART_OPENERS else 0
        if end - start >= MIN_PART:
            out.append((tokens[start:end], scope[start:end]))
    return out


CASE_OPENERS = frozenset("when whenever".split())
"""Inside a question these open the case it asks about, with its own subject ("which agreement when the PTSA pays")."""


def described_case(models: FactModels, tokens: list[str], scope: list[str],
                   placeholders: frozenset[str]) -> dict[str, dict[str, float]] | None:
    """A question whose case is described in a relative part ("can we do a PSC for a partner that brings their
    own funding?") or a when-part ("... when the PTSA pays a coach?"): the part states what it says (as a relative
    clause does, see `relative`); the question's own words ask. The surest stating part's readings, or None when no
    such part states anything."""
    found = None
    for i, token in enumerate(tokens):
        verb = RELATIVE_CONTRACTIONS.get(token, "")
        # "is that an alignment agreement ...": "that" after a verb is a pronoun, not a relative
        if i and (token in RELATIVES or verb) and tokens[i - 1] not in AUXILIARIES \
                and len(tokens) - i - 1 + bool(verb) >= MIN_PART:
            # the part's subject is what it describes: "a partner that'll be in our building" -> "they will be ..."
            said = ["they", *([verb] if verb else [])]
            part = models.scores(features([*said, *tokens[i + 1:]], placeholders, [""] * len(said) + scope[i + 1:]))
        elif i and token in CASE_OPENERS and len(tokens) - i - 1 >= MIN_PART:
            # "what's the right agreement when the PTSA pays an enrichment provider": the case has its own subject
            part = models.scores(features(tokens[i + 1:], placeholders, scope[i + 1:]))
        else:
            continue
        sure = surest(part)
        if sure >= FLOOR and (found is None or sure > found[0]):
            found = (sure, part)
    return found[1] if found else None


def with_parts(models: FactModels, scores: dict[str, dict[str, float]], tokens: list[str], scope: list[str],
               placeholders: frozenset[str]) -> dict[str, dict[str, float]]:
    """A clause that states one slot may state another in a part of it: "the preschool that leases two rooms
    long term is also going to run a class that the PTSA pays for" states a lease and a PTSA payer. Such a
    slot takes the surest part's reading; a slot the clause states keeps the clause's, and a clause that
    states nothing is read whole (a name's words are no fact)."""
    states = {slot for slot, clause_scores in scores.items()
              if (value := max(clause_scores, key=clause_scores.__getitem__)) != NONE and clause_scores[value] >= FLOOR}
    pieces = parts(tokens, scope) if states - QUALIFIERS else []
    if len(pieces) < 2:
        return scores
    out = dict(scores)
    for slot in set(scores) - states - QUALIFIERS:
        readings = [models.models[slot].probabilities(features(piece, placeholders, marks_of))
                    for piece, marks_of in pieces]
        stated = [r for r in readings if (v := max(r, key=r.__getitem__)) != NONE and r[v] >= FLOOR]
        if stated:
            out[slot] = max(stated, key=lambda r: max(r.values()))
    return out


def example_features(text: str, tokens_of: Callable[[str], list[str]], placeholders: frozenset[str]) -> list[str]:
    """An example clause as the models see it: the same path as a message's clause."""
    tokens, scope = scoped_tokens(without_openers(names_masked(nothing_for_zero(text))), tokens_of)
    return features(tokens, placeholders, scope)


_OPENING_WORDS = "|".join(sorted(CONNECTIVES - NO_WORDS, key=len, reverse=True))
_OPENERS = re.compile(r"^(?:(?:(?:" + _OPENING_WORDS + r")\b|(?:no|nope)(?=\s*[,.!:;-]|\s+(?:" + _OPENING_WORDS
                      + r"|the|we|they|it|its|our|their|i|he|she|you|this|that)\b|\s*$))[\s,.!:;-]*)+", re.I)
"""Words that only open a clause. "no" opens one set apart ("no, the PTA pays", "oh no wait, ..."), before
a subject ("actually no the school pays") or alone; before a noun it negates it ("no lease, we pay them")."""


_ASKING_HEAD = re.compile(
    r"^(?:which|what)(?:'s|\u2019s|s|\s+is)?\s+(?:the\s+)?(?:(?:kind|type|sort)\s+of\s+)?(?:"
    + "|".join(sorted(ABOUT_THE_AGREEMENT, key=len, reverse=True))
    + r")\b[^,]*?\b(?:for|if|when|where|since|because|with)\s+", re.I)


def without_openers(words: str) -> str:
    """A clause without the words that only open it ("oh wait no sorry, the studio is donating it"): they
    say it corrects, not what it states, and a "no" among them negates nothing after it. Nor the head of a
    question for the agreement ("which agreement applies for ..."): it asks, the case after it states."""
    return _ASKING_HEAD.sub("", _OPENERS.sub("", words.strip()))


_ZERO = re.compile(r"\$\s?0(?:\.00)?(?!\.?\d|,\d)|\b0\s*(?:dollars|bucks)\b|\bzero dollars\b", re.I)
_ZERO_DOLLAR = re.compile(r"\b(?:zero|0|no)[- ]dollar\b(?!s)|\b\$0[- ](?=partnership|program|agreement)", re.I)


_QUOTED = re.compile(
    r"(?P<speaker>(?:^|(?<=[.!?;,'\"\u2019\u201d]\s)|(?<=\s-\s)|(?<=\s--\s))(?:per\s+)?[^.!?;:'\"\u2018\u201c]{2,60}?)"
    r"\s*[:,]\s*['\"\u2018\u201c](?P<said>(?:[^'\"\u2018\u2019\u201c\u201d]|(?<=\w)['\u2019](?=\w)){6,}?)[.!?]?"
    r"['\"\u2019\u201d](?=\s|$|[.,!?;])", re.I)
"""`<who>: '<what they said>'` ("per Jen (office mgr): 'school is paying the chess coach.'", "the PTSA president
just replied-all: 'no, the school is covering them'")."""


_ANSWER_FIRST = re.compile(r"^(?:no|nope|yes|yeah|yep|well|ok|okay)\b[,.!]*\s*", re.I)


def quotes_reported(text: str) -> str:
    """Quoted speech is reported speech: "per Tom (PTSA treasurer): 'PTSA is paying the coach.'" is read as "Tom
    (PTSA treasurer) says PTSA is paying the coach." (structure rule), so the report rules apply to it."""
    def reported_as_said(found: re.Match[str]) -> str:
        speaker = re.sub(r"^(?:per|from|according\s+to)\s+", "", found.group("speaker").strip(), flags=re.I)
        verb = "" if REPORTING_VERBS.intersection(_said(speaker)[-1:]) else " says"
        said = _ANSWER_FIRST.sub("", found.group("said").strip())  # "'no, the school is covering them'"
        return f"{speaker}{verb} {said}."
    return _QUOTED.sub(reported_as_said, text)


def nothing_for_zero(text: str) -> str:
    """ "the school pays $0" is "the school pays nothing": an amount of zero is a denial, not a payment;
    and "a zero-dollar partnership" is a free one."""
    return _ZERO.sub("nothing", _ZERO_DOLLAR.sub("free", text))
