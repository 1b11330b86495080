"""`partners`: which organisations serve a school, and how partnerships are spread.

School names are resolved with bot/directory/schools.py (any name, typos,
ambiguity), services with the controlled vocabulary, organisations fuzzily.
"""

from __future__ import annotations

import re

from bot.core import Button, Message, Reply, Turn
from bot.directory import queries
from bot.directory.schools import SchoolMatch, directory
from bot.directory.vocab import Service, find_service, services
from bot.models import School
from bot.nlu import Understanding, default_classifier
from bot.router import registry

PAGE = 8
FLOW = "partners"
SAMPLE_FOOTER = "Sample data: these partnerships are generated examples, not the district's records."
ORG_PATTERNS = (
    re.compile(r"(?:which|what) schools (?:does|do|is|are|did) (?:the )?(.+?) (?:serve|serving|work|working|partner|support|run|operate|at|in)\b"),
    re.compile(r"where (?:does|do|is|are) (?:the )?(.+?) (?:work|serve|operate|partner|run|located)"),
    re.compile(r"schools (?:served by|that work with|working with|partnered with|with) (?:the )?(.+?)\??$"),
    re.compile(r"^(?:the )?(.+?) (?:serves|works with|work with|is at|is in) (?:which|what) schools"),
)
GENERIC_SCHOOL = re.compile(r"^(?:my|our|a|the|this|your|each|every|any|all)\s+(?:school|schools|building|site)\b", re.I)
SCHOOL_AFTER = re.compile(r"\b(?:at|in|for|with|serve|serves|serving|of)\s+(.+?)[?.!]*$")


@registry.booster
def mentions_school(u: Understanding, turn: Turn) -> dict[str, float]:
    """A school name in the question is evidence for a partner lookup."""
    match = directory.index(turn.session).find(u.text)
    if not match.schools:
        return {}
    weight = 1.0 if match.score >= 100 else 0.5
    return {"partners": 3.0 * weight, "report_outdated": 1.0 * weight}


@registry.booster
def mentions_organisation(u: Understanding, turn: Turn) -> dict[str, float]:
    """A partner organisation named in the question is evidence for a lookup."""
    return {"partners": 4.0} if queries.organisations.mentioned(turn.session, u.text) else {}


def year(turn: Turn) -> str:
    return queries.current_school_year(turn.now.astimezone(turn.settings.tz).date())


def _service_outside(u: Understanding, match: SchoolMatch) -> Service | None:
    """The service asked about, ignoring words of the school's own name ("Cleveland STEM")."""
    if not match.schools or not match.span:
        return find_service(u)
    span = match.span.split()
    tokens = list(u.tokens)
    for i in range(len(tokens) - len(span) + 1):
        if tokens[i : i + len(span)] == span:
            tokens = tokens[:i] + tokens[i + len(span) :]
            break
    return find_service(default_classifier().understand(" ".join(tokens)))


@registry.intent("partners")
def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    match = directory.index(turn.session).find(u.text)
    service = _service_outside(u, match)
    distribution = _distribution(u, service, turn)
    if distribution is not None:
        return distribution
    organisation = _organisation(u.text.lower(), turn) or (
        None if match.schools else queries.organisations.mentioned(turn.session, u.text))
    if organisation is not None:
        named_service = service if service and not _service_is_org_word(service, organisation[1]) else None
        return _org_listing(organisation, named_service, 0, turn)
    if match.ambiguous:
        return _did_you_mean(match, service, turn)
    if match.found:
        return school_listing(match.found.id, service, 0, turn)
    if service is not None:
        return _schools_with(service, turn)
    attempted = SCHOOL_AFTER.search(u.text)
    if attempted and len(attempted.group(1)) >= 3 and not GENERIC_SCHOOL.match(attempted.group(1)):
        return _not_found(attempted.group(1), service, turn)
    turn.state.start(FLOW, asking="school", service=service.code if service else None)
    return Reply(
        "Which school? You can use any of its names (\"Hamilton\", \"REMS\", \"Rainier Beach High\").",
        "partners", u.confidence, {"school": None, "service": service.name if service else None, "partners": [],
                                   "asking": "school"},
    )


@registry.follow_up(FLOW)
def on_school_answer(message: Message, turn: Turn) -> Reply | None:
    u = turn.understanding
    if u.intent not in ("partners", "unknown") and u.confidence >= 0.6:
        turn.state.clear()
        return None
    match = directory.index(turn.session).find(u.text)
    code = turn.state.data.get("service")
    service = services().get(code) if code else find_service(u)
    if match.ambiguous:
        turn.state.clear()
        return _did_you_mean(match, service, turn)
    if match.found:
        turn.state.clear()
        return school_listing(match.found.id, service, 0, turn)
    turn.state.clear()
    return None


def _service_is_org_word(service: Service, organisation: str) -> bool:
    return any(word in organisation.lower().split() for s in service.synonyms for word in s.lower().split())


def service_phrase(service: Service) -> str:
    """"tutoring and academic support", but "STEM" stays as written."""
    return service.name if service.name.isupper() else service.name.lower()


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _partner_line(row: queries.PartnerRow, where: str) -> str:
    status = " (pending)" if row.status == "pending" else ""
    return f"• *{where}*{status}: {', '.join(row.services)} · {_agreement_label(row.agreement_type)}"


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
            lines.append(_partner_line(row, row.organisation) + f" · verified {row.last_verified or 'never'}")
        text = "\n".join(lines)
    buttons: tuple[Button, ...] = ()
    if offset + PAGE < total:
        buttons += (Button("More", "partners.more", f"school|{school_id}|{service.code if service else ''}|{offset + PAGE}"),)
    buttons += (Button("Report outdated info", "report_outdated.start", f"school|{school_id}"),)
    return Reply(
        text, "partners", turn.understanding.confidence or 1.0,
        {"school": school.name, "service": service.name if service else None, "organisation": None,
         "partners": [r.to_dict() for r in rows], "total": total, "offset": offset},
        buttons=buttons, footer=_footer(rows, turn),
    )


def _org_listing(organisation: tuple[int, str], service: Service | None, offset: int, turn: Turn) -> Reply:
    org_id, name = organisation
    school_year = year(turn)
    rows, total = queries.schools_of(turn.session, school_year, org_id, service.code if service else None, offset, PAGE)
    if total == 0:
        text = f"*{name}* has no partnerships on record for {school_year}."
    else:
        lines = [f"*{name}* serves {plural(total, 'school')} in {school_year}:"]
        lines += [_partner_line(r, r.school) for r in rows]
        text = "\n".join(lines)
    buttons = (Button("More", "partners.more", f"org|{org_id}|{service.code if service else ''}|{offset + PAGE}"),) if offset + PAGE < total else ()
    return Reply(
        text, "partners", turn.understanding.confidence or 1.0,
        {"school": None, "service": service.name if service else None, "organisation": name,
         "partners": [r.to_dict() for r in rows], "total": total, "offset": offset},
        buttons=buttons, footer=_footer(rows, turn),
    )


@registry.action("partners.more")
def more(message: Message, turn: Turn) -> Reply:
    kind, ident, code, offset = ((message.value or "").split("|") + ["", "", "", "0"])[:4]
    service = services().get(code) if code else None
    if not ident.isdigit() or not offset.isdigit():
        return Reply("That list has expired; ask again.", "partners", 1.0, {"school": None, "service": None, "partners": []})
    if kind == "org":
        from bot.models import Organisation

        org = turn.session.get(Organisation, int(ident))
        if org is None:
            return Reply("That organisation is no longer listed.", "partners", 1.0, {"school": None, "service": None, "partners": []})
        return _org_listing((org.id, org.name), service, int(offset), turn)
    return school_listing(int(ident), service, int(offset), turn)


@registry.action("partners.school")
def pick_school(message: Message, turn: Turn) -> Reply:
    ident, _, code = (message.value or "").partition("|")
    if not ident.isdigit() or turn.session.get(School, int(ident)) is None:
        return Reply("I couldn't find that school any more; ask again.", "partners", 1.0, {"school": None, "service": None, "partners": []})
    return school_listing(int(ident), services().get(code) if code else None, 0, turn)


def _did_you_mean(match: SchoolMatch, service: Service | None, turn: Turn) -> Reply:
    names = ", ".join(s.name for s in match.schools)
    code = service.code if service else ""
    return Reply(
        f"\"{match.span.title()}\" could be several schools ({names}). Which one did you mean?",
        "partners", turn.understanding.confidence or 1.0,
        {"school": None, "service": service.name if service else None, "partners": [], "ambiguous": [s.name for s in match.schools]},
        buttons=tuple(Button(s.name, "partners.school", f"{s.id}|{code}") for s in match.schools[:6]),
    )


def _not_found(attempt: str, service: Service | None, turn: Turn) -> Reply:
    suggestions = directory.index(turn.session).suggestions(attempt)
    code = service.code if service else ""
    text = f"I couldn't find a school called \"{attempt.strip()}\"."
    if suggestions:
        text += " Did you mean one of these?"
    return Reply(
        text, "partners", turn.understanding.confidence or 1.0,
        {"school": None, "service": service.name if service else None, "partners": [],
         "suggestions": [s.name for s in suggestions]},
        buttons=tuple(Button(s.name, "partners.school", f"{s.id}|{code}") for s in suggestions),
    )


def _schools_with(service: Service, turn: Turn) -> Reply:
    rows = queries.schools_with_service(turn.session, year(turn), service.code)
    lines = [f"{plural(len(rows), 'school')} have current {service_phrase(service)} partners"]
    lines[0] += ":" if rows else "."
    lines += [f"• {name}: {count}" for name, count in rows[:15]]
    if len(rows) > 15:
        lines.append(f"…and {len(rows) - 15} more. Name a school to see its partners.")
    return Reply("\n".join(lines), "partners", turn.understanding.confidence or 1.0,
                 {"school": None, "service": service.name, "partners": [],
                  "distribution": {"kind": "schools_with_service", "rows": [{"school": n, "organisations": c} for n, c in rows]}},
                 footer=_sample_footer(turn))


def _distribution(u, service: Service | None, turn: Turn) -> Reply | None:  # type: ignore[no-untyped-def]
    """District-wide questions: no partner for a service, fewest, per region/type, top services."""
    session = turn.session
    kind: str | None = None
    rows: list[dict[str, object]] = []
    if u.has("no partner", "without a", "without any", "don't have", "do not have", "lack", "no mentor", "no tutor",
             "have no", "missing a", "zero partner", "none"):
        kind = "schools_without"
        names = queries.schools_without_service(session, year(turn), service.code if service else None)
        what = f"current {service_phrase(service)} partner" if service else "current partner at all"
        lines = [f"{len(names)} schools have no {what}" + (":" if names else ".")]
        lines += [f"• {n}" for n in names[:25]] + ([f"…and {len(names) - 25} more."] if len(names) > 25 else [])
        rows = [{"school": n} for n in names]
    elif u.has("fewest", "least", "fewer", "most partner", "most partnership", "the most"):
        most = u.has("most")
        kind = "most_partners" if most else "fewest_partners"
        found = queries.fewest_partners(session, year(turn), most=most)
        lines = [f"Schools with the {'most' if most else 'fewest'} current partnerships:"]
        lines += [f"• {n}: {c}" for n, c in found]
        rows = [{"school": n, "partnerships": c} for n, c in found]
    elif u.has("region", "regions", "area", "part of the district", "neighborhood"):
        kind = "by_region"
        found = queries.counts_by(session, year(turn), School.region)
        lines = ["Current partnerships by region:", _table(("Region", "Partnerships", "Schools"), found)]
        rows = [{"region": g, "partnerships": p, "schools": s} for g, p, s in found]
    elif u.has("school type", "by type", "per type", "elementary vs", "middle vs", "type of school", "level"):
        kind = "by_type"
        found = queries.counts_by(session, year(turn), School.type)
        lines = ["Current partnerships by school type:", _table(("Type", "Partnerships", "Schools"), found)]
        rows = [{"type": g, "partnerships": p, "schools": s} for g, p, s in found]
    elif u.has("top service", "most common service", "popular service", "which service", "what service", "service type"):
        kind = "top_services"
        found = queries.top_services(session, year(turn))
        lines = ["Services by number of current partnerships:"] + [f"• {n}: {c}" for n, c in found]
        rows = [{"service": n, "partnerships": c} for n, c in found]
    elif u.has("how many partnership", "how many partner", "number of partner", "distribution", "across the district",
               "district wide", "districtwide") and not directory.index(session).find(u.text).schools:
        kind = "by_region"
        found = queries.counts_by(session, year(turn), School.region)
        lines = ["Current partnerships across the district, by region:", _table(("Region", "Partnerships", "Schools"), found)]
        rows = [{"region": g, "partnerships": p, "schools": s} for g, p, s in found]
    if kind is None:
        return None
    return Reply("\n".join(lines), "partners", u.confidence or 1.0,
                 {"school": None, "service": service.name if service else None, "partners": [],
                  "distribution": {"kind": kind, "rows": rows}},
                 footer=_sample_footer(turn))


def _table(header: tuple[str, str, str], rows: list[tuple[str, int, int]]) -> str:
    width = max([len(header[0])] + [len(r[0]) for r in rows])
    lines = [f"{header[0]:<{width}}  {header[1]:>12}  {header[2]:>7}"]
    lines += [f"{g:<{width}}  {p:>12}  {s:>7}" for g, p, s in rows]
    return "```\n" + "\n".join(lines) + "\n```"


def _organisation(text: str, turn: Turn) -> tuple[int, str] | None:
    for pattern in ORG_PATTERNS:
        m = pattern.search(text)
        if m:
            found = queries.organisations.find(turn.session, m.group(1))
            if found:
                return found
    return None


AGREEMENT_LABELS = {"personal_services_contract": "PSC", "mou": "MOU", "alignment_agreement": "Alignment Agreement",
                    "ptsa_enrichment": "PTSA enrichment"}


def _agreement_label(code: str) -> str:
    return AGREEMENT_LABELS.get(code, code)


def _footer(rows: list[queries.PartnerRow], turn: Turn) -> str | None:
    return SAMPLE_FOOTER if any(r.is_sample for r in rows) else None


def _sample_footer(turn: Turn) -> str | None:
    return SAMPLE_FOOTER if queries.uses_sample_data(turn.session) else None
