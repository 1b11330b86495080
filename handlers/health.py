"""Partnership health in chat: what is on file, missing or expiring, and what to do next.

"what's missing for our partners at Garfield?", "which partners need a new DSA for
next year?", "is Cascade Youth Alliance's insurance current?", "which schools have
partners without an agreement?", "compliance by region". The facts and rules are
bot/directory/health.py; answers report the `partners` intent (the partnership
database) with `data.kind == "health"`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import replace, dataclass, field
from typing import Any

from sqlalchemy import exists

from bot.core import Button, Chart, Message, Reply, Table
from bot.directory import health, nudges, queries
from bot.directory.health import Item
from bot.directory.vocab import services
from bot.models import Organisation, Partnership, PartnershipService, School
from bot.router import Registry
from bot.tickets import service as tickets
from bot.turn import Turn
from bot.understanding import follow_ups
from handlers.common import consult_button
from handlers.partners import CONTEXT as PARTNERS_CONTEXT
from handlers.partners import (PartnerQuery, agreement_label, as_read, local_day, organisation_not_found, plural,
                               points_to_a_school, school_said_before,
                              region_not_known, sample_footer, year)

SHOWN = 15
SCHOOL_YEAR_IN_TEXT = re.compile(r"\b20\d\d\s*[-/]\s*(?:20)?\d\d\b")
BY_REGION = ("by region", "region by region", "district wide", "districtwide", "across the district",
             "compliance rate", "compliance rates", "whole district", "each region")
NO_AGREEMENT = ("without an agreement", "without agreement", "no agreement", "without a signed agreement",
                "missing an agreement", "missing agreement", "no signed agreement", "agreement missing")
WHICH_SCHOOLS = ("which schools", "what schools", "schools where", "schools with", "schools that")
NEXT_YEAR = ("next year", "next school year", "renew", "renewal", "new dsa", "new one")
STATE_WORDS = (
    (health.EXPIRING, re.compile(r"\b(?:expiring|expires? soon|about to expire|running out|due for renewal|"
                                 r"coming up for renewal)\b")),
    (health.EXPIRED, re.compile(r"\b(?:expired|lapsed|ran out|run out)\b")),
)
"""Only what has expired, or only what is about to (not what is missing). Read from the words as
typed: "expired" and "expiring" share their stem."""
FOCUS_CUES = (
    ("dsa", ("dsa", "data sharing agreement", "data sharing")),
    ("insurance", ("insurance", "insured")),
    ("background_check", ("background check", "background", "watch check", "attestation")),
    ("principal_approval", ("principal approval", "approved by the principal", "approval", "approvals",
                            "signed off", "sign off", "principal signed")),
    ("outcomes", ("outcome", "outcomes", "measurable")),
    ("agreement", ("signed agreement", "agreement", "agreements", "contract", "contracts", "mou")),
)
"""In order: "data sharing agreement" is the DSA before it is an agreement."""


@dataclass(frozen=True)
class Scope:
    """Whose partnerships: one school, one organisation, one region, or the district (and, after a
    follow-up such as "only the arts ones", one service)."""

    label: str
    where: tuple[Any, ...] = ()
    school: str | None = None
    organisation: str | None = None
    region: str | None = None
    ids: dict[str, Any] = field(default_factory=dict)  # what a follow-up needs to ask again
    service: str | None = None  # the service's name, after "only the arts ones"

    @classmethod
    def of(cls, school: tuple[int, str] | None = None, organisation: tuple[int, str] | None = None,
           region: str | None = None, service: str | None = None) -> "Scope":
        where: list[Any] = []
        label = ""
        if organisation:
            where.append(Partnership.organisation_id == organisation[0])
            label = f"of *{organisation[1]}*"
        if school:
            where.append(Partnership.school_id == school[0])
            label = f"{label} at *{school[1]}*".strip()
        if region and not school and not organisation:
            where.append(School.region == region)
            label = f"in the {region} region"
        if service:
            where.append(exists().where(PartnershipService.partnership_id == Partnership.id,
                                        PartnershipService.service == service))
            name = services()[service].name if service in services() else service
            label = f"{label or 'across the district'} ({name})"
        return cls(label or "across the district", tuple(where), school[1] if school else None,
                   organisation[1] if organisation else None, region,
                   {"school": list(school) if school else None, "organisation": list(organisation) if organisation else None,
                    "region": region, "service": service},
                   services()[service].name if service in services() else service)


def read_scope(turn: Turn) -> Scope | Reply:
    u = turn.understanding
    school = u.entities.school
    if school is not None and school.ambiguous:
        names = ", ".join(s.name for s in school.schools[:5])
        return Reply(f"Which school do you mean: {names}?", "partners", u.confidence,
                     {"kind": "health", "asking": "school", "candidates": [s.name for s in school.schools[:5]]})
    found = (school.found.id, school.found.name) if school is not None and school.found else None
    organisation = tuple(u.entities.organisation) if u.entities.organisation else None
    if found is None and points_to_a_school(u.text):
        found = school_said_before(turn)  # "which agreement does Nordic Heritage have there?"
    if organisation is None:
        # never the district's or the school's paperwork for a name we lack ("what agreement does Blue Heron Theatre
        # have at Garfield")
        unknown = organisation_not_found(u.text, turn)
        # with the school named, a name like one it has ("Harbor Robotics at Aki") is answered from its list
        if unknown is not None and (found is None or not unknown.data["suggestions"]):
            return replace(unknown, data={**unknown.data, "kind": "health"})
    return Scope.of(found, organisation, None if found or organisation else u.entities.region)  # type: ignore[arg-type]


def focus_of(turn: Turn) -> str | None:
    u = turn.understanding
    if u.has(*NO_AGREEMENT):
        return "agreement"
    for focus, cues in FOCUS_CUES:
        if u.has(*cues):
            return focus
    return None


def state_of(turn: Turn) -> str | None:
    for state, words in STATE_WORDS:
        if words.search(turn.understanding.normalised):
            return state
    return None


def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    unknown_region = region_not_known(u, turn, asking="paperwork in the {} region")  # "...in the south end?"
    if unknown_region is not None:
        return replace(unknown_region, data={**unknown_region.data, "kind": "health"})
    scope = read_scope(turn)
    if isinstance(scope, Reply):
        return scope
    listed = _last_listing(turn) if not scope.where and u.entities.region is None else None
    scope = listed or scope
    focus = focus_of(turn)
    today = local_day(turn)
    school_year = year(turn)
    if not scope.where and (u.has(*BY_REGION) or focus is None):
        turn.state.remember(CONTEXT, {"focus": focus, "state": None}, turn.now)  # "just the Southeast ones" may follow
        return by_region(turn, today, school_year)
    named_year = _school_year_named(u.text)
    if focus == "dsa" and (u.has(*NEXT_YEAR) or (named_year and named_year > school_year)):
        return dsa_renewals(turn, scope, today, school_year, named_year)
    if focus == "agreement" and not scope.school and u.has(*WHICH_SCHOOLS):
        return schools_without_agreement(turn, scope, today, school_year)
    state = state_of(turn)
    if scope.where:  # "only the arts ones", "and at Franklin?", "what about DSAs?" may follow
        _remember(turn, scope, focus, state)
    named = scope.ids.get("organisation")
    reply = as_read(listing(turn, scope, focus, today, school_year, state), named[0] if named else None, u, turn)
    return _of_the_last_list(reply, scope) if listed else reply


def _of_the_last_list(reply: Reply, scope: Scope) -> Reply:
    """Say that the answer is about the list just shown."""
    return replace(reply, text=f"{reply.text}\n_(The partners {scope.label} from your last question: ask about "
                                f"another school or \"across the district\" for more.)_",
                   data={**reply.data, "kept": scope.ids})


def _last_listing(turn: Turn) -> Scope | None:
    """ "which are missing paperwork?" right after a school's (or an organisation's) partner list asks
    about that list: a short question that points back takes the list's school, organisation and service."""
    u = turn.understanding
    if not follow_ups.is_follow_up(u, FOLLOW_UP_WORDS) or not (follow_ups.refers_back(u) or u.has(*POINTING)):
        return None
    context = turn.state.context(turn.now)
    if context is None or context[0] != PARTNERS_CONTEXT:
        return None
    return _listed(PartnerQuery.from_dict(context[1]), turn)


def _listed(query: PartnerQuery, turn: Turn) -> Scope | None:
    """The school, organisation and service of a partner list."""
    school = turn.session.get(School, query.school_id) if query.school_id else None
    organisation = turn.session.get(Organisation, query.organisation_id) if query.organisation_id else None
    if school is None and organisation is None:
        return None
    return Scope.of((school.id, school.name) if school else None,
                    (organisation.id, organisation.name) if organisation else None, None, query.service)


POINTING = ("which are", "which ones", "which of", "any of", "are any")
"""Openings that pick from the list just shown ("which are missing paperwork?")."""


CONTEXT = "partnership_health"


def narrow_listing(message: Message, turn: Turn, previous: dict[str, Any]) -> Reply | None:
    """"only the expired ones", "anything expired?" right after a school's partner list: that list's paperwork in that state (a
    refiner of the partners' frame; None when the follow-up names no state or the list had no school)."""
    u = turn.understanding
    state = state_of(turn)
    # "and only the expired ones?", "whats expired for them", "anything expired?": naming no other school,
    # organisation or region, a short question about a state is about the list just given
    elsewhere = u.entities.has_school or u.entities.organisation is not None or u.entities.region is not None
    if state is None or not follow_ups.is_follow_up(u, FOLLOW_UP_WORDS) or not (
            follow_ups.opens_as_follow_up(u) or follow_ups.refers_back(u) or not elsewhere):
        return None
    scope = _listed(PartnerQuery.from_dict(previous), turn)
    if scope is None:
        return None
    _remember(turn, scope, None, state)
    return _of_the_last_list(listing(turn, scope, None, local_day(turn), year(turn), state), scope)


def refine(message: Message, turn: Turn, previous: dict[str, Any]) -> Reply | None:
    """A short follow-up to a paperwork answer changes one thing of it: a service, the school, the
    item; None when it is not one."""
    u = turn.understanding
    if not follow_ups.is_follow_up(u, FOLLOW_UP_WORDS):
        return None
    unknown_region = region_not_known(u, turn, asking="paperwork in the {} region")
    if unknown_region is not None:
        return replace(unknown_region, data={**unknown_region.data, "kind": "health"})
    school = u.entities.school.found if u.entities.school is not None else None
    service, focus, state, region = u.entities.service, focus_of(turn), state_of(turn), u.entities.region
    # "and what about Weekend Backpack Project there?" after an organisation's paperwork: another organisation
    organisation = u.entities.organisation if previous.get("organisation") else None
    # "so what is missing for them?" after one item of an organisation's paperwork: all of it, for the same one
    everything = follow_ups.refers_back(u) and u.has(*MISSING_WORDS) and previous.get("focus") is not None
    if not (service or school or focus or state or region or organisation or everything):
        return None
    last = dict(previous)
    if everything and focus is None:
        last["focus"] = last["state"] = None
    if organisation is not None:
        last["organisation"] = list(organisation)
    if school is not None:  # another school: the same question about it
        last["school"], last["region"] = [school.id, school.name], None
    elif region is not None:  # one region of a district-wide answer
        last["region"], last["school"] = region, None
    if service is not None:
        last["service"] = service.code
    if focus is not None:
        last["focus"], last["state"] = focus, state
    elif state is not None:  # "which of those are expiring soon?"
        last["state"] = state
    scope = Scope.of(tuple(last["school"]) if last.get("school") else None,  # type: ignore[arg-type]
                     tuple(last["organisation"]) if last.get("organisation") else None, last.get("region"),
                     last.get("service"))
    _remember(turn, scope, last.get("focus"), last.get("state"))
    return listing(turn, scope, last.get("focus"), local_day(turn), year(turn), last.get("state"))


FOLLOW_UP_WORDS = 8
MISSING_WORDS = ("missing", "expired", "outstanding", "not on file", "lacking", "still need")
"""Words asking what paperwork is wanting, whatever the item."""


def _remember(turn: Turn, scope: Scope, focus: str | None, state: str | None) -> None:
    """What a follow-up starts from: the scope's ids, the item and the state."""
    turn.state.remember(CONTEXT, {**scope.ids, "focus": focus, "state": state}, turn.now)


def _assessed(turn: Turn, scope: Scope, school_year: str, today: dt.date, *extra: Any,
              attention: bool = False) -> list[tuple[queries.PaperworkRow, list[Item]]]:
    return queries.assessed(turn.session, school_year, today, *scope.where, *extra,
                            attention_on=today if attention else None)


def listing(turn: Turn, scope: Scope, focus: str | None, today: dt.date, school_year: str,
            state: str | None = None) -> Reply:
    """The partnerships in scope with a problem (of one kind, or any; only expired or only expiring
    ones when `state` says so), each with what is wrong. They are counted in SQL and only the ones
    shown are read (a school may have a thousand)."""
    extra = (Partnership.agreement_type == "personal_services_contract",) if focus == "insurance" else ()
    where = (*scope.where, *extra)
    checked = queries.count_current(turn.session, school_year, *where)
    what = (health.NAMES[focus] + (f" {state}" if state else "")) if focus else "paperwork"
    if not checked:
        kind = "paid (PSC) partnerships" if focus == "insurance" else "current partnerships"
        text = f"I have no {kind} {scope.label} for {school_year}."
        if focus == "insurance":
            text += " An insurance certificate is needed only when the school or district pays the partner."
        return _reply(turn, text, scope, focus, [], 0)
    needing = queries.needing_attention(turn.session, school_year, today, *where, item=focus, state=state)
    if not needing.partnerships:
        kind = f"{'paid ' if focus == 'insurance' else ''}partnership"
        if state and focus:
            text = (f"None of the {plural(checked, kind)} {scope.label} has an {state} {health.NAMES[focus]} "
                    f"({school_year}).")
        else:
            every = {1: f"The {kind}", 2: f"Both {kind}s"}.get(checked, f"All {plural(checked, kind)}")
            text = (f"{every} {scope.label} {'has its' if checked == 1 else 'have their'} {what} in order "
                    f"for {school_year}.")
        if focus == "agreement" and scope.organisation:
            # "which agreement does Fremont Theater Lab have at Hamilton?": the form on file, too
            rows = _assessed(turn, scope, school_year, today)
            kinds = _forms_on_file(rows)
            text = f"{text[:-1]}: {kinds}." if kinds else text
            runs_to = sorted({i.due for _, items in rows for i in items if i.what == "agreement" and i.due})
            if runs_to and state:  # "when does their agreement run out?"
                text += f" It runs to {runs_to[0].isoformat()}."
        if focus == "insurance" and scope.organisation:
            rows = _assessed(turn, scope, school_year, today, *extra)
            dates = sorted({i.due for _, items in rows for i in items if i.what == "insurance" and i.due})
            text = (f"Yes: {possessive(scope.organisation)} insurance certificate is current"
                    + (f" (until {dates[0].isoformat()})." if dates else "."))
        return _reply(turn, text, scope, focus, [], checked, state=state)
    verdict_needs_all = focus == "insurance" and scope.organisation is not None
    shown = queries.assessed(turn.session, school_year, today, *where, attention_on=today, item=focus, state=state,
                             limit=None if verdict_needs_all else SHOWN)
    found = [(row, [i for i in health.problems(items) if (focus is None or i.what == focus)
                    and (state is None or i.state == state)]) for row, items in shown]
    verdict = ""
    if verdict_needs_all:
        soon = all(i.state == health.EXPIRING for _, items in found for i in items)
        verdict = "Yes, but not for long: " if soon else ("No: " if needing.partnerships == checked else "Not everywhere: ")
    kind = "paid (PSC) partnership" if focus == "insurance" else "partnership"  # insurance: only they need it
    head = verdict + (f"{needing.partnerships} of {plural(checked, kind)} {scope.label} "
                      f"{'needs' if needing.partnerships == 1 else 'need'} attention ({what}, {school_year}):")
    lines = [head]
    for row, items in found[:SHOWN]:
        at = row.school if scope.school is None else ""
        name = f"*{row.organisation}*" + (f" at {at}" if at else "")
        lines.append(f"• {name}: " + "; ".join(i.describe() for i in items))
    if needing.partnerships > SHOWN:
        lines.append(f"…and {needing.partnerships - SHOWN} more.")
    if focus == "agreement" and scope.organisation:
        lines.insert(1, f"On file: {_forms_on_file(_assessed(turn, scope, school_year, today))}.")
    lines.append(_next_steps(set(needing.items)))
    return _reply(turn, "\n".join(lines), scope, focus, found[:SHOWN], checked, needing.items, needing.partnerships,
                  state=state)


def _school_year_named(text: str) -> str | None:
    """"for 2027-28", "2027/2028": the school year a message names, if any."""
    found = SCHOOL_YEAR_IN_TEXT.search(text)
    return health.parse_school_year(found.group(0)) if found else None


def dsa_renewals(turn: Turn, scope: Scope, today: dt.date, school_year: str, named: str | None = None) -> Reply:
    """Partners with student data whose DSA does not cover next school year (or the one named) yet."""
    upcoming = named if named and named > school_year else health.next_school_year(school_year)
    rows = queries.paperwork(turn.session, school_year, *scope.where, Partnership.dsa_needed.is_(True))
    # those without a DSA even for this year first: they are the more urgent
    due = sorted((row for row in rows if health.needs_dsa_for(row.on_file, upcoming)),
                 key=lambda row: (row.on_file.dsa_school_year or "") >= school_year)
    accepted = dt.date(int(school_year[:4]) + 1, *health.DSA_NEXT_YEAR_FROM)
    when = ("they can be submitted now" if today >= accepted
            else f"the district accepts them from {accepted.isoformat()}")
    if not due:
        text = f"Every partner with student data {scope.label} already has a DSA for {upcoming}."
    else:
        lines = [f"{len(due)} partners with student data {scope.label} need a DSA for {upcoming} ({when}):"]
        lines += [f"• *{row.organisation}*" + (f" at {row.school}" if scope.school is None else "")
                  + (f": DSA on file for {row.on_file.dsa_school_year}" if row.on_file.dsa_school_year
                     and row.on_file.dsa_school_year >= school_year else f": no DSA on file even for {school_year}")
                  for row in due[:SHOWN]]
        if len(due) > SHOWN:
            lines.append(f"…and {len(due) - SHOWN} more.")
        lines.append("What to do: " + health.NEXT_STEPS["dsa"] + ".")
        text = "\n".join(lines)
    found = [(row, [Item("dsa", health.MISSING)]) for row in due]
    return _reply(turn, text, scope, "dsa", found, len(rows), next_year=upcoming)


def schools_without_agreement(turn: Turn, scope: Scope, today: dt.date, school_year: str) -> Reply:
    counts: Counter[str] = Counter()
    for row, items in _assessed(turn, scope, school_year, today, attention=True):
        if any(i.what == "agreement" and i.state in (health.MISSING, health.EXPIRED) for i in items):
            counts[row.school] += 1
    if not counts:
        text = f"Every current partnership {scope.label} has an agreement on file for {school_year}."
        if scope.organisation is not None:  # "in what school are they, and which agreement do they have?"
            text = text[:-1] + ": " + ", ".join(sorted(f"{row.school} ({agreement_label(row.on_file.agreement_type)})"
                                                      for row, _ in _assessed(turn, scope, school_year, today))) + "."
    else:
        lines = [f"{len(counts)} schools {scope.label} have partners without an agreement in place ({school_year}):"]
        lines += [f"• *{school}*: {n} partnership{'s' if n > 1 else ''}" for school, n in
                  sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:SHOWN]]
        if len(counts) > SHOWN:
            lines.append(f"…and {len(counts) - SHOWN} more.")
        lines.append(_next_steps({"agreement"}))
        text = "\n".join(lines)
    rows = [{"school": school, "partnerships": n} for school, n in sorted(counts.items())]
    return Reply(text, "partners", turn.understanding.confidence or 1.0,
                 {"kind": "health", "focus": "agreement", "schools": rows, "school": None, "service": None,
                  "partners": []},
                 buttons=_buttons({"agreement"}), footer=sample_footer(turn))


def by_region(turn: Turn, today: dt.date, school_year: str) -> Reply:
    """District-wide compliance: per region, how many partnerships have everything on file."""
    totals = queries.compliance_by_region(_assessed(turn, Scope("across the district"), school_year, today))
    columns = tuple(health.NAMES)
    rows = []
    for region, c in totals.items():
        rate = round(100 * c["complete"] / c["partnerships"]) if c["partnerships"] else 0
        rows.append({"region": region, "partnerships": c["partnerships"], "complete": c["complete"], "rate": rate,
                     **{k: c[k] for k in columns}})
    whole = sum(r["partnerships"] for r in rows)
    complete = sum(r["complete"] for r in rows)
    text = (f"Partnership paperwork by region, {school_year}: {complete} of {whole} partnerships have everything on "
            f"file ({round(100 * complete / whole) if whole else 0}%). Columns count what is missing, expired or "
            "expiring within 60 days." if whole else f"No current partnerships for {school_year}.")
    table = Table(("Region", "Partnerships", "All on file", "Agreement", "DSA", "Insurance", "Background", "Approval",
                   "Outcomes"),
                  tuple((r["region"], str(r["partnerships"]), f"{r['rate']}%", *(str(r[k]) for k in columns))
                        for r in rows))
    return Reply(text, "partners", turn.understanding.confidence or 1.0,
                 {"kind": "health", "focus": None, "distribution": {"kind": "compliance_by_region", "rows": rows},
                  "school": None, "service": None, "partners": []}, table=table, buttons=(consult_button("other"),),
                 footer=sample_footer(turn),
                 chart=Chart(f"Share of partnerships with all paperwork on file, {school_year}",
                             tuple(r["region"] for r in rows), tuple(float(r["rate"]) for r in rows), percent=True)
                 if len(rows) > 1 else None)


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _next_steps(whats: set[str]) -> str:
    order = list(health.NAMES)
    steps = [f"• {health.NAMES[w]}: {health.NEXT_STEPS[w]}" for w in sorted(whats, key=order.index)]
    return "What to do next:\n" + "\n".join(steps)


def _buttons(whats: set[str]) -> tuple[Button, ...]:
    buttons: tuple[Button, ...] = ()
    if "agreement" in whats:
        buttons += (Button("Which agreement applies?", "menu", "which agreement applies"),)
    return buttons + (consult_button("other"),)


def _forms_on_file(rows: list[tuple[queries.PaperworkRow, list[Item]]]) -> str:
    """The agreement forms on file for these partnerships ("Alignment Agreement and MOU")."""
    return " and ".join(sorted({agreement_label(row.on_file.agreement_type) for row, _ in rows}))


def _reply(turn: Turn, text: str, scope: Scope, focus: str | None,
           found: list[tuple[queries.PaperworkRow, list[Item]]], checked: int, whats: frozenset[str] | None = None,
           total: int | None = None, **extra: Any) -> Reply:
    """`found`: the partnerships shown; `total` how many need attention in all and `whats` which
    items do, when there may be more than those shown."""
    rows = [{"organisation": row.organisation, "school": row.school,
             "items": [{"what": i.what, "state": i.state, "due": i.due.isoformat() if i.due else None}
                       for i in items]} for row, items in found]
    data = {"kind": "health", "focus": focus, "school": scope.school, "service": scope.service,
            "organisation": scope.organisation, "region": scope.region, "checked": checked, "rows": rows, "found": len(rows) if total is None else total,
            "partners": [], **extra}
    if whats is None:
        whats = frozenset(i.what for _, items in found for i in items)
    return Reply(text, "partners", turn.understanding.confidence or 1.0, data,
                 buttons=_buttons(set(whats)), footer=sample_footer(turn))


RENEWAL_TOPIC = {"dsa": "data_sharing", "background_check": "background_checks", "insurance": "agreements",
                 "agreement": "agreements"}


def _held(message: Message, turn: Turn, kind: str) -> tuple[Any, list[str]] | Reply:
    """The partnership and items a nudge button is about, if the person pressing it may act on them."""
    raw_id, _, listed = (message.value or "").partition("|")
    partnership = turn.session.get(Partnership, int(raw_id)) if raw_id.isdigit() else None
    whats = [w for w in listed.split(",") if w in health.NAMES]
    if partnership is None or not whats:
        return Reply("That button has expired.", "partners", 1.0, {"kind": "health", "held": None})
    allowed = nudges.contact_of(turn.session, message.platform, message.user, partnership) is not None or (
        tickets.is_staff(turn.session, turn.settings, message.platform, message.user))
    if not allowed:
        return Reply("Only the school's contacts (or the department) can do that.", "partners", 1.0,
                     {"kind": "health", "held": None, "error": "not_a_contact"})
    held = [nudges.hold(turn.session, partnership.id, what, kind, f"{message.platform}:{message.user}", turn.now)
            for what in whats]
    if all(held) and kind == "renewing":
        return Reply(f"The department already knows the {_named(whats)} for *{partnership.organisation.name}* is "
                     "being renewed; the reminders stay on hold.", "partners", 1.0,
                     {"kind": "health", "held": "renewing", "what": whats, "partnership_id": partnership.id,
                      "ticket_id": None})
    return partnership, whats


def _named(whats: list[str]) -> str:
    names = [health.NAMES[w] for w in whats]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def snooze(message: Message, turn: Turn) -> Reply:
    held = _held(message, turn, "snoozed")
    if isinstance(held, Reply):
        return held
    partnership, whats = held
    return Reply(f"Snoozed for two weeks: {_named(whats)} for *{partnership.organisation.name}* at "
                 f"{partnership.school.name}.", "partners", 1.0,
                 {"kind": "health", "held": "snoozed", "what": whats, "partnership_id": partnership.id})


def renewing(message: Message, turn: Turn) -> Reply:
    held = _held(message, turn, "renewing")
    if isinstance(held, Reply):
        return held
    partnership, whats = held
    actor = tickets.Actor.of(message)
    ticket = tickets.create(
        turn.session, turn.outbox, actor, RENEWAL_TOPIC.get(whats[0], "other"),
        f"Renewal in progress: {_named(whats)} for {partnership.organisation.name} at {partnership.school.name} "
        "(from a paperwork nudge).", partnership.school_id, turn.now)
    return Reply(f"Thanks: the department knows the {_named(whats)} for *{partnership.organisation.name}* "
                 f"{'is' if len(whats) == 1 else 'are'} being renewed ({ticket.number}), and I'll hold the reminders "
                 "for six weeks.", "partners", 1.0,
                 {"kind": "health", "held": "renewing", "what": whats, "partnership_id": partnership.id,
                  "ticket_id": ticket.number})


def register(registry: Registry) -> None:
    registry.intent("partnership_health")(handle)
    registry.refiner(CONTEXT)(refine)
    registry.refiner(PARTNERS_CONTEXT, intent="partnership_health")(narrow_listing)
    registry.action(nudges.SNOOZE_ACTION)(snooze)
    registry.action(nudges.RENEWING_ACTION)(renewing)
