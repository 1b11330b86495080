"""`partners`: which organisations serve a school, and how partnerships are spread.

A question becomes a `PartnerQuery` (a school, an organisation, or a
district-wide kind, with service, level and region filters). The answer keeps
the query in the conversation's context, so a follow-up such as "only the arts
ones", "and the one on Beacon Hill?", "I meant the middle school" or "just the
high schools" changes one filter of the last question instead of starting over.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot import dialogue
from bot.core import Button, Chart, Message, Reply, Table
from bot.turn import Turn
from bot.dialogue import Answer, Form, Prompt, Slot
from bot.directory import health, queries
from bot.directory.queries import SchoolFilter
from bot.directory.schools import LEVEL_TYPES, SchoolMatch, name_tokens
from bot.directory.vocab import Service, find_service, region_names, services
from bot.models import Organisation, School
from bot.router import Registry
from bot.understanding import Understanding, follow_ups
from bot.understanding.tokens import stems
from bot.understanding.entities import region_words
from handlers.common import ON_RECORD

PAGE = 8
REGION_SCHOOLS_SHOWN = 20
CONTEXT = "partners"
SAMPLE_FOOTER = "Sample data: these partnerships are generated examples, not the district's records."
ORG_PATTERNS = (
    re.compile(r"(?:which|what) schools (?:does|do|is|are|did) (?:the )?(.+?) (?:serve|serving|work|working|partner|support|run|operate|at|in)\b", re.I),
    re.compile(r"\bwho (?:does|do|is|are) (?:the )?(.+?) (?:work|working|partner|partnering|serve|serving)(?: with| at)?\b", re.I),
    re.compile(r"\bwhat (?:does|do) (?:the )?(.+?) do\b", re.I),
    re.compile(r"\b(?:tell me about|info on|information on|details on|look up|lookup) (?:the )?(.+?)\??$", re.I),
    re.compile(r"where (?:does|do|is|are) (?:the )?(.+?) (?:work|serve|operate|partner|run|located|placed|based)", re.I),
    re.compile(r"schools (?:served by|that work with|working with|partnered with|with) (?:the )?(.+?)\??$", re.I),
    re.compile(r"^(?:the )?(.+?) (?:serves|works with|work with|is at|is in) (?:which|what) schools", re.I),
    re.compile(r"^(?:is|are) (?:the )?(.+?) (?:(?:still|listed|working|placed|based|partnered|partnering) )?"
               r"(?:at|with|serving)\b", re.I),
)
GENERIC_SCHOOL = re.compile(r"^(?:my|our|a|the|this|your|each|every|any|all)\s+(?:school|schools|building|site)\b", re.I)
SCHOOL_AFTER = re.compile(r"\b(?:at|in|for|with|serve|serves|serving|of)\s+(.+?)[?.!]*$")
LEVEL_NAMES = {"elementary": "elementary schools", "middle": "middle schools", "high": "high schools", "k8": "K-8 schools"}
WITHOUT = ("no partner", "without a", "without any", "don't have", "do not have", "doesn't have", "lack", "no mentor",
           "no tutor", "have no", "has no", "missing a", "zero", "none", "with no", "no current")
FEWEST = ("fewest", "least", "fewer", "lowest number", "smallest number", "underserved", "under served")
MOST = ("most partner", "most partnership", "the most", "highest number", "largest number")
BY_REGION = ("region", "regions", "area", "areas", "part of the district", "parts of the district", "neighborhood",
             "geographic", "geographically")
BY_TYPE = ("school type", "by type", "per type", "elementary vs", "middle vs", "type of school", "types of school",
           "by level", "per level", "school level", "grade level")
TOP_SERVICES = ("top service", "most common service", "popular service", "which service", "what service", "service type",
                "kinds of service", "kind of service", "types of service", "type of service", "what services",
                "which services", "how many of each", "services do partners provide", "services partners provide",
                "services offered", "breakdown by service", "by service", "per service", "service area",
                "what do partners provide", "what do partners offer")
SCHOOL_WORDS = ("school", "schools", "building", "buildings", "site", "sites")
"""A ranking of services ("which services most?") unless it is schools that are ranked."""
DISTRIBUTION = ("how many partnership", "how many partner", "number of partner", "distribut", "across the district",
                "district wide", "districtwide", "spread", "overall picture", "big picture", "count of partner",
                "total partner", "breakdown")


@dataclass(frozen=True)
class PartnerQuery:
    """What a partners question asks; kept in context so follow-ups can change one part."""

    kind: str = "school"  # school | organisation | schools_with | schools_without | by_region | by_type | top_services | fewest | most
    school_id: int | None = None
    organisation_id: int | None = None
    service: str | None = None
    level: str | None = None
    region: str | None = None
    said: str = ""  # how the school was named ("west seattle"), for "I meant the high school"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PartnerQuery":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def where(self) -> SchoolFilter:
        return SchoolFilter(LEVEL_TYPES.get(self.level or "", ()), self.region)


def year(turn: Turn) -> str:
    return queries.current_school_year(turn.now.astimezone(turn.settings.tz).date())


def _service(u: Understanding, organisation: tuple[int, str] | None = None) -> Service | None:
    service = u.entities.service
    if service and organisation and any(word in organisation[1].lower().split()
                                        for s in service.synonyms for word in s.lower().split()):
        return None  # "Cascade Arts Collective" names an organisation, not the arts
    return service


def _distribution_kind(u: Understanding) -> str | None:
    if u.entities.has_school or u.entities.organisation:
        return None
    if u.has(*WITHOUT):
        return "schools_without"
    if u.has(*TOP_SERVICES) and not u.has(*SCHOOL_WORDS):  # "what services do partners offer the most?"
        return "top_services"
    if u.has(*MOST):
        return "most"
    if u.has(*FEWEST):
        return "fewest"
    if u.has(*TOP_SERVICES):
        return "top_services"
    if u.has(*BY_TYPE):
        return "by_type"
    if u.has(*BY_REGION) or (u.has(*DISTRIBUTION) and not u.entities.service):
        return "by_region"
    if u.entities.region and not u.entities.service:
        return "by_region"  # "partners in the north end"
    return None


_THERE = re.compile(r"\b(?:have|has|at|in|over)\s+there\b|\bthere\s*[?.!]*\s*$|\b(?:that|the\s+same)\s+school\b", re.I)
"""Words that point to the school of the last answer ("... have there?", "what about Weekend Backpack there?")."""


def points_to_a_school(text: str) -> bool:
    return bool(_THERE.search(text))


def school_said_before(turn: Turn) -> tuple[int, str] | None:
    """The school the last partners or paperwork answer was about, if it was about one."""
    context = turn.state.context(turn.now)
    filters = context[1] if context is not None else {}
    if filters.get("school"):
        school_id, name = filters["school"]
        return int(school_id), str(name)
    school = turn.session.get(School, int(filters["school_id"])) if filters.get("school_id") else None
    return (school.id, school.name) if school is not None else None


def read_query(u: Understanding, turn: Turn) -> PartnerQuery | SchoolMatch | None:
    """The query a message states in full, or the ambiguous school it names, or None (no subject)."""
    kind = _distribution_kind(u)
    if kind is not None:
        service = _code(_service(u))
        if kind == "by_region" and service and u.entities.region:
            kind = "schools_with"  # "tutoring partners across the Southeast region": its schools with tutoring
        return PartnerQuery(kind, service=service, level=u.entities.level, region=u.entities.region)
    organisation = _organisation_pattern(u.text, turn) or (
        None if u.entities.has_school else u.entities.organisation or _written_organisation(u.text, turn))
    if organisation is not None:
        school = u.entities.school
        at = school.found.id if school is not None and school.found and not _holds_more_than(
            organisation[1], school.span) else None  # "is Harbor Wellness Center at Garfield?"
        if at is None and points_to_a_school(u.text):
            there = school_said_before(turn)  # "which agreement does Weekend Backpack Project have there?"
            at = there[0] if there is not None else None
        return PartnerQuery("organisation", organisation_id=organisation[0], service=_code(_service(u, organisation)),
                            school_id=at)
    school = u.entities.school
    if school is not None and school.schools and _inside_another_name(u.text, school):
        return None  # "Cascadia Kite Collective" is an organisation's name, not Cascadia
    if school is not None and school.ambiguous:
        return school
    if school is not None and school.found:
        return PartnerQuery("school", school_id=school.found.id, service=_code(_service(u)), said=school.span)
    return None


NAME_RUN = re.compile(r"(?<=\w\s)(?:[A-Z][\w'&.-]*(?:'s)?\s+(?:(?:of|the|and|for|&)\s+)?)+[A-Z][\w&.-]*")
"""Two or more capitalised words after the first word of the message: a name as written ("where does Blue
Heron Robotics work?"). The message's first word is left out: it is capitalised anyway."""


ORGANISATION_HEADS = frozenset("collective society foundation club alliance project center centre network institute "
                               "coalition league initiative works group association council company studio theater "
                               "theatre academy partners program programs services inc llc arts robotics mentors kids "
                               "youth reads players ensemble lab labs fund trust agency clinic ministries".split())
"""Last words that make two capitalised words an organisation's name ("Blue Heron Robotics"), not a person's
("Maria Lopez"): three or more capitalised words are taken for one anyway."""


def _written_names(text: str) -> list[str]:
    """Organisation names written with capitals in the text ("is Blue Heron Robotics Foundation's insurance
    current?"), except a place one goes to ("partners at Qqqqq Zzzzz" names a school)."""
    names = []
    for m in NAME_RUN.finditer(text):
        name = m.group(0).removesuffix("'s")
        words = name.split()
        before = text[: m.start()].rstrip().rsplit(" ", 1)[-1].lower()
        if before in ("at", "in") or not (len(words) >= 3 or words[-1].lower() in ORGANISATION_HEADS):
            continue
        names.append(name)
    return names


def writes_a_name(text: str) -> bool:
    """The message writes an organisation's name, known or not ("is Kinetc Learning Lab's check still good?")."""
    return bool(_written_names(text))


UNSURE_OF_INTENT = 0.5
SCHOOL_NAME_WORDS = frozenset("high school elementary middle k 8 k8 k-8 international intl int'l stem option academy hs "
                               "ms es elem".split())
"""Words a school's own name may add to the name it is called by ("Garfield High School")."""


def _inside_another_name(text: str, school: SchoolMatch) -> bool:
    """The school was read inside a longer written name that is not one of its own ("Cascadia Kite
    Collective", but not "Garfield High School", nor "Chief Sealth High School" read from "Sealth")."""
    own = frozenset(word for ref in school.schools for word in name_tokens(ref.name))
    return any(_holds_more_than(name, school.span, own) for name in _written_names(text))


def _holds_more_than(name: str, span: str, own: frozenset[str] = frozenset()) -> bool:
    words, lowered = span.lower().split(), name.lower().split()
    extra = [w for w in lowered if w not in words and w not in SCHOOL_NAME_WORDS and w not in own]
    return len(lowered) > len(words) and all(w in lowered for w in words) and bool(extra)


COMPASS = re.compile(r"\b(?:north|south|east|west)(?:[\s-]?(?:east|west))?\b|\bcentral\b", re.I)
PLACE = re.compile(r"\b(?:in|across|around|from|at) the (?:north|south|east|west)(?:[\s-]?(?:east|west))?"
                   r"(?:\s+(?:end|side|part|area|region))?\b", re.I)
"""A part of the city named by the compass ("in the south end"): a region, known or not."""


def region_not_known(u: Understanding, turn: Turn, asking: str = "partners in the {} region") -> Reply | None:
    """A region the district's map does not have ("just the Northeast"): say which regions there are,
    each a button asking `asking` of it."""
    if u.entities.region is not None or u.entities.has_school:
        return None
    known = [r for r in region_names() if r != "Unassigned"]
    said = [word for word in _compass_words_outside_names(u) if word.lower() not in {r.lower() for r in known}]
    if not said or not (follow_ups.is_follow_up(u, FOLLOW_UP_WORDS) or u.has("region") or PLACE.search(u.text)):
        return None
    return Reply(f"There's no {said[0].title()} region on the district's map: the regions are {', '.join(known)}. "
                 "Which one do you mean?", "partners", 1.0,
                 {"school": None, "service": None, "partners": [], "unknown_region": said[0]},
                 buttons=tuple(Button(r, "menu", asking.format(r)) for r in known))


def _compass_words_outside_names(u: Understanding) -> list[str]:
    """Compass words the message says of a place, not inside a name ("Central District Jazz Workshop",
    "Southwest Youth Arts" are organisations, whether or not the directory knows them)."""
    text = u.text
    names = list(_written_names(text))
    if u.entities.organisation is not None:
        names.append(u.entities.organisation[1])
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.I)
    return [m.group(0) for m in COMPASS.finditer(text)]


def names_an_unknown_organisation(u: Understanding) -> str | None:
    """A message the classifier is unsure of that asks about a written name ("is Blue Heron Robotics
    Foundation's insurance current?") or a part of the city that is not a region ("partners in the south
    end"): the lookup (of partners or of their paperwork, whichever is likelier) says whether it knows it."""
    if u.intent == "agreement" and not ON_RECORD.search(u.text):
        return None  # "Jefferson Park Arts Studio will teach printmaking at Mercer. Which agreement?": a case
    unsure = u.intent in follow_ups.WEAK_INTENTS or u.confidence < UNSURE_OF_INTENT
    place = not u.entities.has_school and (u.entities.region or PLACE.search(u.text))
    known = u.entities.organisation[1].lower() if u.entities.organisation else None
    unknown_names = [name for name in _written_names(u.text)
                     if not known or (name.lower() not in known and known not in name.lower())]
    if not unsure or not (unknown_names or place):
        return None
    return max(("partners", "partnership_health"), key=lambda intent: u.scores.get(intent, 0.0))


def _code(service: Service | None) -> str | None:
    return service.code if service else None


def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    unknown_region = region_not_known(u, turn)
    if unknown_region is not None:
        return unknown_region
    query = read_query(u, turn)
    if isinstance(query, PartnerQuery) and query.kind != "organisation" and any(
            map(_names_someone, _names_asked(u.text))):
        unknown = organisation_not_found(u.text, turn)  # "what does Pacific Coding Dojo do at Hamilton?"
        if unknown is not None:
            return unknown
    if isinstance(query, PartnerQuery):
        return as_read(run(query, turn), query.organisation_id if query.kind == "organisation" else None, u, turn)
    service = _service(u)
    if isinstance(query, SchoolMatch):
        return _did_you_mean(query, service, turn)
    unknown = organisation_not_found(u.text, turn)
    if unknown is not None:
        return unknown
    if service is not None:
        return run(PartnerQuery("schools_with", service=service.code, level=u.entities.level,
                                region=u.entities.region), turn)
    attempted = SCHOOL_AFTER.search(u.text)
    if attempted and len(attempted.group(1)) >= 3 and not GENERIC_SCHOOL.match(attempted.group(1)):
        return _not_found(attempted.group(1), service, turn)
    return dialogue.start(WHICH_SCHOOL, {"service": _code(service)}, message, turn)


def as_read(reply: Reply, organisation_id: int | None, u: Understanding, turn: Turn) -> Reply:
    """An answer about an organisation found from a misspelt name says how it read it ("I took “Norhtwind
    Futures Clbu” to mean Northwind Futures Club")."""
    if organisation_id is None:
        return reply
    org = turn.session.get(Organisation, organisation_id)
    said = next((n.strip() for n in _names_asked(u.text)
                 if turn.lookups.organisation_like(n) == (organisation_id, getattr(org, "name", ""))), None)
    if org is None or said is None or said.lower() == org.name.lower():
        return reply
    return replace(reply, text=f"(I took “{said}” to mean *{org.name}*.)\n{reply.text}")


def refine(message: Message, turn: Turn, previous: dict[str, Any]) -> Reply | None:
    """A follow-up that changes one filter of the last question; None if it isn't one."""
    u = turn.understanding
    offered = previous.get("choose")
    if offered:  # "which one did you mean?" is read first
        picked = _chosen(u, list(offered), turn)
        if picked is not None:
            return run(PartnerQuery("school", school_id=picked, service=previous.get("service")), turn)
    if follow_ups.placed_elsewhere(u, "partners", PLACED_ELSEWHERE) or (
            u.intent == "report_outdated" and not dialogue.is_question(u)):
        return None  # "that list is wrong, Hilltop Soccer Club stopped coming" reports it: not a look-up of the club
    unknown = region_not_known(u, turn) or (organisation_not_found(u.text, turn) if _names_asked(u.text) else None)
    if unknown is not None:
        return unknown  # "which schools does Bright Minds Tutoring Co serve?" after a list: never the old list
    last = PartnerQuery.from_dict(previous)
    if _to_the_whole_district(u, last):  # "what about the whole district?" after "mentoring orgs at Chief Sealth"
        if last.service is None:
            return run(PartnerQuery("by_region"), turn)
        return kept_filter(run(PartnerQuery("schools_with", service=last.service), turn), last.service)
    stated = read_query(u, turn)
    if isinstance(stated, SchoolMatch):
        return _did_you_mean(stated, _service(u) or services().get(last.service or ""), turn)
    if isinstance(stated, PartnerQuery) and _narrows_district_answer(u, stated, last):
        return run(replace(last, region=stated.region, level=stated.level or last.level), turn)  # "only southeast schools"
    if isinstance(stated, PartnerQuery):
        school = u.entities.school
        named = school.end - school.start if school is not None and school.schools else 0
        keep = (stated.kind == "school" and not u.entities.service and last.service and last.kind in SERVICE_KEPT
                and follow_ups.elliptical(u, named) and not follow_ups.widens(u))
        if keep:
            stated = replace(stated, service=last.service)  # "what about Garfield?" keeps "tutoring"
        elif _moves_to_a_region(u, stated, last):
            keep, stated = True, replace(stated, kind="schools_with", service=last.service)
        if not _is_short(u):
            return None
        reply = run(stated, turn)
        return kept_filter(reply, last.service) if keep else reply
    if follow_ups.widens(u) and last.service and _is_short(u):
        return run(replace(last, service=None), turn)  # "any service", "all of them"
    service, level, region = _service(u), u.entities.level, u.entities.region
    if not (service or level or region) or not _is_short(u):
        return None
    if last.kind == "school" and level and not service:
        return _other_level(last, level, turn)
    if last.kind in ("school", "organisation"):
        return run(replace(last, service=_code(service) or last.service), turn) if service else None
    return run(replace(last, service=_code(service) or last.service, level=level or last.level,
                       region=region or last.region), turn)


FOLLOW_UP_WORDS = 8
SERVICE_KEPT = frozenset({"school", "schools_with"})
"""Frames whose service a follow-up naming only a school keeps: "what about Garfield?" after "tutoring at Franklin",
"at Leschi" after "all the tutoring partners" (the schools with one)."""
PLACED_ELSEWHERE = 0.9
"""A follow-up the classifier is this sure belongs to another topic (a report that a listed partner left) leaves
the last look-up, whatever names it holds."""
DISTRICT_KINDS = frozenset({"schools_with", "schools_without", "by_region", "by_type", "top_services", "fewest", "most"})


def _narrows_district_answer(u: Understanding, stated: PartnerQuery, last: PartnerQuery) -> bool:
    """A region said alone after a district-wide answer ("only southeast schools" after "high schools with
    no mentoring partners") narrows that answer: its kind, service and level stay."""
    return (stated.kind == "by_region" and stated.region is not None and last.kind in DISTRICT_KINDS
            and last.kind != "by_region" and not stated.service and not u.has(*BY_REGION, *DISTRIBUTION)
            and follow_ups.elliptical(u, 2) and _is_short(u))


def _moves_to_a_region(u: Understanding, stated: PartnerQuery, last: PartnerQuery) -> bool:
    """"what about the whole Southeast region?" after "tutoring partners at Franklin": the same service, in
    that region's schools."""
    return (stated.kind == "by_region" and stated.region is not None and not u.entities.service
            and last.service is not None and last.kind in ("school", "schools_with")
            and follow_ups.elliptical(u, region_words(list(u.tokens)))
            and not follow_ups.widens(u))


WHOLE_DISTRICT = ("whole district", "entire district", "district wide", "districtwide", "across the district",
                  "all schools", "every school", "all the schools", "citywide", "city wide")


def _to_the_whole_district(u: Understanding, last: PartnerQuery) -> bool:
    """"what about the whole district?", "and district-wide?" after a school's partners: the same service in every
    school, or without one the district's partnerships by region."""
    return (last.kind == "school" and u.has(*WHOLE_DISTRICT)
            and u.entities.school is None and not u.entities.service and not follow_ups.widens(u)
            and follow_ups.elliptical(u, 3) and _is_short(u))


def kept_filter(reply: Reply, service_code: str | None) -> Reply:
    """Say which filter a follow-up kept from the last question ("still only tutoring")."""
    service = services().get(service_code or "")
    if service is None:
        return reply
    return replace(reply, text=f"{reply.text}\n_(Still only {service_phrase(service)}: say \"all partners\" "
                               f"to see every one.)_")


def _is_short(u: Understanding) -> bool:
    return follow_ups.is_follow_up(u, FOLLOW_UP_WORDS)


def _other_level(last: PartnerQuery, level: str, turn: Turn) -> Reply | None:
    """"I meant the middle school": the school of that name at the other level."""
    index = turn.lookups.schools
    school = turn.session.get(School, last.school_id) if last.school_id else None
    if school is None:
        return None
    match = index.find(last.said or school.name)
    at_level = index.of_level(match, level) if match.schools else []
    candidates = [s for s in at_level if s.id != school.id]
    if not candidates and any(s.id == school.id for s in at_level):
        return run(last, turn)  # "I meant the middle school" about the middle school: it is the one shown
    if len(candidates) == 1:
        return run(replace(last, school_id=candidates[0].id), turn)
    if candidates:
        return _did_you_mean(SchoolMatch(tuple(candidates), match.span), services().get(last.service or ""), turn)
    return Reply(f"I don't know a {LEVEL_NAMES[level][:-1]} called {school.name}. Which school did you mean?",
                 "partners", 1.0, {"school": None, "service": None, "partners": []})


def run(query: PartnerQuery, turn: Turn, offset: int = 0) -> Reply:
    turn.state.remember(CONTEXT, query.to_dict(), turn.now)
    service = services().get(query.service or "")
    if query.kind == "school" and query.school_id:
        return school_listing(query.school_id, service, offset, turn)
    if query.kind == "organisation" and query.organisation_id:
        org = turn.session.get(Organisation, query.organisation_id)
        if org is not None:
            return _org_listing((org.id, org.name), service, offset, turn, query.school_id)
    if query.kind == "schools_with" and service is not None:
        return _schools_with(service, query, turn)
    return _distribution(query, service, turn)


# ---- "which school?" ------------------------------------------------------------------------

def _parse_school(answer: Answer) -> Any:
    school = answer.u.entities.school
    if school is not None and school.found:
        return school.found.id
    if answer.pending and school is not None and school.ambiguous:
        return {"choose": [s.id for s in school.schools[:6]], "said": school.span}
    return None


def _ask_school(values: dict[str, Any], turn: Turn) -> Prompt:
    choice = values.get("school")
    if isinstance(choice, dict):
        refs = [turn.session.get(School, sid) for sid in choice.get("choose", [])]
        return Prompt(f"Which {str(choice.get('said') or 'school').title()} do you mean?",
                      tuple(Button(s.name, "partners.answer", f"school={s.id}") for s in refs if s is not None))
    return Prompt("Which school? You can use any of its names (\"Hamilton\", \"REMS\", \"Rainier Beach High\").")


def _school_chosen(values: dict[str, Any], message: Message, turn: Turn) -> Reply:
    return run(PartnerQuery("school", school_id=int(values["school"]), service=values.get("service")), turn)


WHICH_SCHOOL = Form(
    name="partners",
    intent="partners",
    title="partner lookup",
    slots=(Slot("school", _ask_school, _parse_school,
                lambda value, turn: int(value) if value.isdigit() else None),),
    complete=_school_chosen,
    answer_action="partners.answer",
    next_slot=lambda values, turn: None if isinstance(values.get("school"), int) else "school",
    describe=lambda values, turn: {"school": None, "service": _service_name(values.get("service")), "partners": []},
    cancelled="OK.",
)


def _service_name(code: str | None) -> str | None:
    service = services().get(code or "")
    return service.name if service else None


# ---- listings -------------------------------------------------------------------------------

def service_phrase(service: Service) -> str:
    """"tutoring and academic support", but "STEM" stays as written."""
    return service.name if service.name.isupper() else service.name.lower()


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def local_day(turn: Turn) -> dt.date:
    return turn.now.astimezone(turn.settings.tz).date()


def partner_dicts(rows: list[queries.PartnerRow], turn: Turn) -> list[dict[str, Any]]:
    """The rows for the reply's data, each with what is missing or expiring in its paperwork."""
    today = local_day(turn)
    return [{**r.to_dict(), "paperwork": [i.describe() for i in health.problems(health.assess(r.on_file, today))]
             if r.on_file else []} for r in rows]


def _partner_line(row: queries.PartnerRow, where: str, today: dt.date) -> str:
    status = " (pending)" if row.status == "pending" else ""
    paperwork = f" · {health.compact(health.assess(row.on_file, today))}" if row.on_file else ""
    return f"• *{where}*{status}: {', '.join(row.services)} · {agreement_label(row.agreement_type)}{paperwork}"


def school_listing(school_id: int, service: Service | None, offset: int, turn: Turn) -> Reply:
    school = turn.session.get(School, school_id)
    assert school is not None
    school_year = year(turn)
    rows, total = queries.partners_at(turn.session, school_year, school_id, service.code if service else None, offset, PAGE)
    what = f"{service_phrase(service)} partner" if service else "partner"
    if total == 0:
        text = f"I have no {what}s on record at *{school.name}* for {school_year}."
        if service:
            text += " Ask without the service to see every partner there."
    else:
        head = f"{plural(total, what)} at *{school.name}* in {school_year}" + (
            f" ({school.type}, {school.region})" if school.type else "")
        lines = [head + (":" if offset == 0 else f", continued ({offset + 1}–{offset + len(rows)}):")]
        for row in rows:
            lines.append(_partner_line(row, row.organisation, local_day(turn)) + f" · verified {row.last_verified or 'never'}")
        text = "\n".join(lines)
    buttons: tuple[Button, ...] = ()
    if offset + PAGE < total:
        buttons += (Button("More", "partners.more", f"school|{school_id}|{service.code if service else ''}|{offset + PAGE}"),)
    buttons += (Button("Report outdated info", "report_outdated.start", f"school|{school_id}"),)
    return Reply(
        text, "partners", turn.understanding.confidence or 1.0,
        {"school": school.name, "service": service.name if service else None, "organisation": None,
         "partners": partner_dicts(rows, turn), "total": total, "offset": offset},
        buttons=buttons, footer=_footer(rows),
    )


def _org_listing(organisation: tuple[int, str], service: Service | None, offset: int, turn: Turn,
                 school_id: int | None = None) -> Reply:
    """The schools an organisation serves; asked about one school ("is it at Garfield?"), yes or no first."""
    org_id, name = organisation
    school_year = year(turn)
    rows, total = queries.schools_of(turn.session, school_year, org_id, service.code if service else None, offset, PAGE)
    asked = turn.session.get(School, school_id) if school_id else None
    if total == 0:
        text = f"*{name}* has no partnerships on record for {school_year}."
    else:
        lines = [f"*{name}* serves {plural(total, 'school')} in {school_year}:"]
        lines += [_partner_line(r, r.school, local_day(turn)) for r in rows]
        text = "\n".join(lines)
    if asked is not None:
        listed = queries.schools_of(turn.session, school_year, org_id, None, 0, 1, school_id=asked.id)[1] > 0
        text = (f"Yes: *{name}* is listed at *{asked.name}* for {school_year}.\n" if listed else
                f"No: *{name}* isn't listed at *{asked.name}* for {school_year}.\n") + text
    buttons = (Button("More", "partners.more", f"org|{org_id}|{service.code if service else ''}|{offset + PAGE}"),) if offset + PAGE < total else ()
    return Reply(
        text, "partners", turn.understanding.confidence or 1.0,
        {"school": asked.name if asked is not None else None, "service": service.name if service else None,
         "organisation": name, "partners": partner_dicts(rows, turn), "total": total, "offset": offset},
        buttons=buttons, footer=_footer(rows),
    )


def more(message: Message, turn: Turn) -> Reply:
    kind, ident, code, offset = ((message.value or "").split("|") + ["", "", "", "0"])[:4]
    if not ident.isdigit() or not offset.isdigit():
        return Reply("That list has expired; ask again.", "partners", 1.0, {"school": None, "service": None, "partners": []})
    if kind == "org":
        if turn.session.get(Organisation, int(ident)) is None:
            return Reply("That organisation is no longer listed.", "partners", 1.0, {"school": None, "service": None, "partners": []})
        return run(PartnerQuery("organisation", organisation_id=int(ident), service=code or None), turn, int(offset))
    return run(PartnerQuery("school", school_id=int(ident), service=code or None), turn, int(offset))


def pick_school(message: Message, turn: Turn) -> Reply:
    ident, _, code = (message.value or "").partition("|")
    if not ident.isdigit() or turn.session.get(School, int(ident)) is None:
        return Reply("I couldn't find that school any more; ask again.", "partners", 1.0, {"school": None, "service": None, "partners": []})
    return run(PartnerQuery("school", school_id=int(ident), service=code or None), turn)


ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "last": -1}


def _chosen(u: Understanding, offered: list[int], turn: Turn) -> int | None:
    """Which of the schools just offered a reply picks: one of them by name, by its level ("the middle
    school"), or by its place in the list ("the second one")."""
    school = u.entities.school
    named = [s.id for s in school.schools if s.id in offered] if school is not None else []
    if len(named) == 1:
        return named[0]
    level = u.entities.level
    if level is not None:
        at_level = [sid for sid in offered if (ref := turn.lookups.schools.schools.get(sid)) is not None
                    and ref.type in LEVEL_TYPES.get(level, ())]
        if len(at_level) == 1:
            return at_level[0]
    place = next((ORDINALS[t] for t in u.tokens if t in ORDINALS), None)
    if place is not None and -len(offered) <= place < len(offered):
        return offered[place]
    return _by_own_word(u, offered, turn)


def _by_own_word(u: Understanding, offered: list[int], turn: Turn) -> int | None:
    """A word of one offered school's name that no other offered name has ("the K-8" of Cascadia, Licton Springs
    K-8 and Robert Eagle Staff), said in a short reply."""
    if len(u.tokens) > CHOICE_WORDS:
        return None
    names = {sid: set(name_tokens(ref.name)) for sid in offered if (ref := turn.lookups.schools.schools.get(sid))}
    said = set(name_tokens(u.text))
    picked = [sid for sid, words in names.items()
              if said & (words - set().union(*(w for other, w in names.items() if other != sid)))]
    return picked[0] if len(picked) == 1 else None


CHOICE_WORDS = 5
"""A reply this short to "which one did you mean?" may pick by a word of a name."""


def _did_you_mean(match: SchoolMatch, service: Service | None, turn: Turn) -> Reply:
    names = ", ".join(s.name for s in match.schools)
    code = service.code if service else ""
    # the question is pending: a reply naming one of them, its level or its place picks it
    turn.state.remember(CONTEXT, {"choose": [s.id for s in match.schools[:6]], "service": code or None}, turn.now)
    return Reply(
        f"\"{match.span.title()}\" could be several schools ({names}). Which one did you mean?",
        "partners", turn.understanding.confidence or 1.0,
        {"school": None, "service": service.name if service else None, "partners": [], "ambiguous": [s.name for s in match.schools]},
        buttons=tuple(Button(s.name, "partners.school", f"{s.id}|{code}") for s in match.schools[:6]),
    )


def _not_found(attempt: str, service: Service | None, turn: Turn) -> Reply:
    suggestions = turn.lookups.schools.suggestions(attempt)
    code = service.code if service else ""
    text = f"I couldn't find a school called \"{attempt.strip()}\"."
    if suggestions:
        text += " Did you mean one of these?"
        turn.state.remember(CONTEXT, {"choose": [s.id for s in suggestions], "service": code or None}, turn.now)
    return Reply(
        text, "partners", turn.understanding.confidence or 1.0,
        {"school": None, "service": service.name if service else None, "partners": [],
         "suggestions": [s.name for s in suggestions]},
        buttons=tuple(Button(s.name, "partners.school", f"{s.id}|{code}") for s in suggestions),
    )


def _scope(query: PartnerQuery) -> str:
    """"high schools in the Southeast region", or "schools"."""
    what = LEVEL_NAMES.get(query.level or "", "schools")
    return what + (f" in the {query.region} region" if query.region else "")


def _narrowed(query: PartnerQuery) -> str:
    """" (high schools)" when a level or region narrows a district-wide answer, else ""."""
    return f" ({_scope(query)})" if query.level or query.region else ""


def _schools_with(service: Service, query: PartnerQuery, turn: Turn) -> Reply:
    rows = queries.schools_with_service(turn.session, year(turn), service.code, query.where)
    lines = [f"{len(rows)} {_scope(query)} have current {service_phrase(service)} partners"]
    lines[0] += ":" if rows else "."
    lines += [f"• {name}: {count}" for name, count in rows[:15]]
    if len(rows) > 15:
        lines.append(f"…and {len(rows) - 15} more. Name a school to see its partners.")
    return Reply("\n".join(lines), "partners", turn.understanding.confidence or 1.0,
                 {"school": None, "service": service.name, "partners": [], "level": query.level, "region": query.region,
                  "distribution": {"kind": "schools_with_service", "rows": [{"school": n, "organisations": c} for n, c in rows]}},
                 footer=sample_footer(turn))


def _distribution(query: PartnerQuery, service: Service | None, turn: Turn) -> Reply:
    """District-wide questions: no partner for a service, fewest/most, per region/type, top services."""
    session, where, scope = turn.session, query.where, _scope(query)
    rows: list[dict[str, object]]
    table: Table | None = None
    chart: Chart | None = None
    if query.kind == "schools_without":
        names = queries.schools_without_service(session, year(turn), query.service, where)
        what = f"current {service_phrase(service)} partner" if service else "current partner at all"
        lines = [f"{len(names)} {scope} have no {what}" + (":" if names else ".")]
        lines += [f"• {n}" for n in names[:25]] + ([f"…and {len(names) - 25} more."] if len(names) > 25 else [])
        rows = [{"school": n} for n in names]
    elif query.kind in ("fewest", "most"):
        most = query.kind == "most"
        found = queries.fewest_partners(session, year(turn), most=most, where=where)
        lines = [f"{scope[0].upper() + scope[1:]} with the {'most' if most else 'fewest'} current partnerships:"]
        lines += [f"• {n}: {c}" for n, c in found]
        rows = [{"school": n, "partnerships": c} for n, c in found]
        chart = _chart(f"Schools with the {'most' if most else 'fewest'} current partnerships{_narrowed(query)}",
                       found, horizontal=True)
    elif query.kind == "by_type":
        found = queries.counts_by(session, year(turn), School.type, where)
        lines = [f"Current partnerships by school type{_narrowed(query)}:"]
        table = _table("Type", found)
        chart = _chart(f"Current partnerships by school type{_narrowed(query)}", [(g, p) for g, p, _ in found])
        rows = [{"type": g, "partnerships": p, "schools": s} for g, p, s in found]
    elif query.kind == "top_services":
        found_services = queries.top_services(session, year(turn), where)
        lines = [f"Services by number of current partnerships{_narrowed(query)}:"]
        lines += [f"• {n}: {c}" for n, c in found_services]
        chart = _chart(f"Services by current partnerships{_narrowed(query)}", found_services[:15], horizontal=True)
        rows = [{"service": n, "partnerships": c} for n, c in found_services]
    elif query.region is not None:  # one region ("just the Southeast ones"): its schools, one level down
        found = queries.counts_by(session, year(turn), School.name, where)
        lines = [f"Current partnerships in the {query.region} region, by school{_narrowed(replace(query, region=None))}:"]
        table = Table(("School", "Partnerships"), tuple((g, str(p)) for g, p, _ in found[:REGION_SCHOOLS_SHOWN]))
        if len(found) > REGION_SCHOOLS_SHOWN:
            lines.append(f"(the {REGION_SCHOOLS_SHOWN} with the most of {len(found)} schools)")
        chart = _chart(f"Current partnerships in the {query.region} region", [(g, p) for g, p, _ in found[:15]],
                       horizontal=True)
        rows = [{"school": g, "partnerships": p} for g, p, _ in found]
    else:
        found = queries.counts_by(session, year(turn), School.region, where)
        lines = [f"Current partnerships across the district, by region{_narrowed(query)}:"]
        table = _table("Region", found)
        chart = _chart(f"Current partnerships by region{_narrowed(query)}", [(g, p) for g, p, _ in found])
        rows = [{"region": g, "partnerships": p, "schools": s} for g, p, s in found]
    kind = "by_region" if query.kind not in ("schools_without", "fewest", "most", "by_type", "top_services") else query.kind
    if kind == "by_region" and query.region is not None:
        kind = "by_school"
    if kind in ("fewest", "most"):
        kind = f"{kind}_partners"
    return Reply("\n".join(lines), "partners", turn.understanding.confidence or 1.0,
                 {"school": None, "service": service.name if service else None, "partners": [], "level": query.level,
                  "region": query.region, "distribution": {"kind": kind, "rows": rows}},
                 footer=sample_footer(turn), table=table, chart=chart)


def _chart(title: str, found: list[tuple[str, int]], horizontal: bool = False) -> Chart | None:
    """The figures as bars; none for a single figure or nothing at all."""
    if len(found) < 2:
        return None
    return Chart(title, tuple(label for label, _ in found), tuple(float(n) for _, n in found), horizontal=horizontal)


def _table(group: str, found: list[tuple[str, int, int]]) -> Table:
    return Table((group, "Partnerships", "Schools"), tuple((g, str(p), str(s)) for g, p, s in found))


def _organisations_asked(text: str) -> list[str]:
    """The names in "which schools does X serve?", "where is X placed?", as written."""
    return [m.group(1) for pattern in ORG_PATTERNS if (m := pattern.search(text))]


def _names_asked(text: str) -> list[str]:
    """The names asked about, and organisation names written with capitals ("is Blue Heron Robotics
    Foundation's insurance current?")."""
    written = _written_names(text)
    # a question's pattern may take more words than the name ("is Kinetc Learning Lab's background check still good"):
    # the name as written, capitalised, is the tighter one
    asked = [name for name in _organisations_asked(text) if not any(w != name and w in name for w in written)]
    return asked + [name for name in written if name not in asked]


def _written_organisation(text: str, turn: Turn) -> tuple[int, str] | None:
    """An organisation written as a name, misspelt ("is Free Arts Nortwest insured?"): the question is about it,
    never the district's list of a service its name holds."""
    return _first_known(_written_names(text), turn)


def _organisation_pattern(text: str, turn: Turn) -> tuple[int, str] | None:
    return _first_known(_organisations_asked(text), turn)


def _first_known(names: list[str], turn: Turn) -> tuple[int, str] | None:
    """The first of `names` the directory knows as an organisation, typos allowed."""
    return next((found for name in names if (found := turn.lookups.organisation_like(name))), None)


NOT_A_NAME = frozenset("our my the your their his her its a an any all some each every these those this that it they them "
                       "we you us partner partners organization organizations organisation organisations org orgs "
                       "group groups program programs provider providers nonprofit nonprofits agency agencies "
                       "community school schools people staff i district".split())
"""Words of "where do our partners work?": a question about partners in general, not a name."""


def _names_someone(said: str) -> bool:
    """Written as a name ("City Year", "Boys & Girls Club", "Emerld Arts"): capitalised, with no word of a
    question about partners in general, and no service unless two words are capitalised ("the tutoring
    partners" is a service)."""
    words = said.replace("'s", "").replace("-", " ").split()
    lowered = [w.lower() for w in words]
    capitals = sum(1 for w in words if w[:1].isupper())
    return (len(said) >= 3 and capitals >= 1 and not NOT_A_NAME.intersection(lowered)
            and (capitals >= 2 or find_service(stems(lowered)) is None))


def organisation_not_found(text: str, turn: Turn) -> Reply | None:
    """Asked about an organisation the database does not have: say so, with the names it resembles ("did
    you mean Emerald Arts Project?"), never a wider answer instead."""
    asked = [n.strip() for n in _names_asked(text)
             if not (school := turn.lookups.schools.find(n)).schools or _holds_more_than(n, school.span)]
    named = turn.lookups.organisation_in(text)  # "Duwamish Dance Collective left": "Dance Collective" is part of it
    asked = [n for n in asked if turn.lookups.organisation_in(n) is None and turn.lookups.organisation_like(n) is None
             and not (named is not None and n.lower() in named[1].lower())]
    for said in asked:
        similar = turn.lookups.organisations_like(said)
        if similar or _names_someone(said):
            return _unknown_organisation(said, similar, turn)
    return None


def _unknown_organisation(said: str, similar: list[tuple[int, str]], turn: Turn) -> Reply:
    data = {"school": None, "organisation": None, "service": None, "partners": [], "unknown_organisation": said,
            "suggestions": [name for _, name in similar]}
    if similar:
        names = " or ".join(f"*{name}*" for _, name in similar)
        return Reply(f"I don't know an organisation called \"{said}\". Did you mean {names}?", "partners",
                     turn.understanding.confidence or 1.0, data,
                     buttons=tuple(Button(name, "menu", f"which schools does {name} serve") for _, name in similar)
                     + (Button("Report outdated info", "report_outdated.start", ""),))
    return Reply(f"I don't know an organisation called \"{said}\": it isn't in the partnership database. If it works "
                 "with one of our schools, the department can add it: report it as missing.", "partners",
                 turn.understanding.confidence or 1.0, data,
                 buttons=(Button("Report outdated info", "report_outdated.start", ""),))


AGREEMENT_LABELS = {"personal_services_contract": "PSC", "mou": "MOU", "alignment_agreement": "Alignment Agreement",
                    "ptsa_enrichment": "PTSA enrichment"}


def agreement_label(code: str) -> str:
    """"PSC", "MOU", ... for an agreement type as stored."""
    return AGREEMENT_LABELS.get(code, code)


def _footer(rows: list[queries.PartnerRow]) -> str | None:
    return SAMPLE_FOOTER if any(r.is_sample for r in rows) else None


def sample_footer(turn: Turn) -> str | None:
    return SAMPLE_FOOTER if queries.uses_sample_data(turn.session) else None


def names_an_organisation(u: Understanding) -> list[str]:
    """Evidence for the classifier: the message asks about a named organisation ("where does Blue Heron
    Robotics work?", "what does Zorblat do?"), even one the database has never heard of."""
    return ["asks_about_organisation"] if any(_names_someone(name) for name in _names_asked(u.text)) else []


WHO = frozenset({"who", "whos", "who's"})


def who_is_at_a_school(u: Understanding) -> str | None:
    """A tie-breaker: "who is at Leschi these days?" asks who works there (its partners), however the words around
    the school's name sway the classifier towards "not something I do"."""
    # or placed here, or anywhere but not surely
    unplaced = u.intent in follow_ups.WEAK_INTENTS or u.intent == "partners" or u.confidence < follow_ups.PLACED
    return "partners" if unplaced and u.entities.has_school and u.tokens and u.tokens[0] in WHO else None


def register(registry: Registry) -> None:
    registry.form(WHICH_SCHOOL)
    registry.intent("partners")(handle)
    registry.reader(names_an_organisation)
    registry.rule(names_an_unknown_organisation)
    registry.rule(who_is_at_a_school)
    registry.refiner(CONTEXT)(refine)
    registry.action("partners.more")(more)
    registry.action("partners.school")(pick_school)
