"""`agreement`: which agreement applies, why, and what it needs.

Reads the facts in the question (handlers/agreement_rules.py), asks one
clarifying question at a time when they are missing, and remembers earlier
answers in the conversation state (flow "agreement").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.core import Button, Field, Message, Reply, Turn
from bot.nlu import Understanding
from bot.router import registry
from handlers.agreement_rules import (
    PERMIT,
    Decision,
    Facts,
    answer_from_text,
    decide,
    facts_from_button,
    named_agreements,
    read_facts,
)
from handlers.agreement_rules import _DIFFERENCE, _DOCUMENTS, _TEMPLATE
from handlers.common import consult_button, fill_links
from handlers.faq import link_defaults
from knowledge import load_yaml, require

FLOW = "agreement"
UNSURE = ("don't know", "dont know", "do not know", "not sure", "no idea", "unsure", "idk", "no clue")
ANSWER_ACTION = "agreement.answer"


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


def note(name: str) -> str:
    return knowledge()[1][name]


def rfq_threshold() -> float:
    return float(info("personal_services_contract").extra.get("rfq_threshold", 9999))


@registry.booster
def describes_a_partnership(u: Understanding, turn: Turn) -> dict[str, float]:
    """Who pays, whose funding, a lease or a PTSA running things: evidence for `agreement`."""
    if u.has("fingerprint", "background check", "watch check", "criminal history", "data sharing", "ferpa"):
        return {}  # a question about checks or data that happens to mention who pays
    facts = read_facts(u)
    if facts.payer in ("school", "district") or facts.lease == "lease":
        return {"agreement": 5.0}
    if facts.payer:
        return {"agreement": 4.0}
    if facts.lease == "short" and facts.space:
        return {"agreement": 2.0}
    return {}


@registry.intent("agreement")
def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    named = named_agreements(u)
    facts = read_facts(u)
    if not facts.known and not facts.lease:
        if u.has("request for qualifications"):
            return _topic_answer(turn, "rfq", "personal_services_contract")
        if u.has("insurance") and not named:
            return _topic_answer(turn, "insurance", None)
        if named:
            return _informational(named, turn)
    if len(named) >= 2 and u.has(*_DIFFERENCE) and not facts.known:
        return _compare(named, turn)
    return advise(facts, turn, named=named)


def _informational(named: list[str], turn: Turn) -> Reply:
    """Questions about an agreement itself: differences, templates, documents, definitions."""
    u = turn.understanding
    if u.has(*_DIFFERENCE) and (len(named) >= 2 or u.has("difference")):
        return _compare(named, turn)
    code = named[0]
    if u.has(*_TEMPLATE) and not u.has(*_DOCUMENTS[:4]):
        return _template(code, turn)
    return _explain(code, turn, "documents" if u.has(*_DOCUMENTS) else "definition")


def _topic_answer(turn: Turn, topic: str, agreement: str | None) -> Reply:
    """A rule that spans agreements (the RFQ threshold, insurance), stated directly."""
    return Reply(note(topic), "agreement", turn.understanding.confidence or 1.0,
                 {"agreement": agreement, "question": topic},
                 buttons=(Button("Which agreement applies to us?", "agreement.restart", ""), consult_button("agreements")),
                 footer=f"Source: {note('source')}")


def advise(facts: Facts, turn: Turn, named: list[str] | None = None) -> Reply:
    """Decide from the facts; ask the next question when they don't settle it."""
    decision = decide(facts, rfq_threshold())
    if decision.asking:
        turn.state.start(FLOW, facts=facts.to_dict(), asking=decision.asking)
        return _ask(decision.asking, facts, turn)
    if turn.state.flow == FLOW:
        turn.state.clear()
    if decision.agreement:
        return _answer(decision, facts, turn, named or [])
    return _other_outcome(decision, facts, turn)


def _ask(question: str, facts: Facts, turn: Turn) -> Reply:
    spec = knowledge()[2][question]
    buttons = tuple(Button(b["label"], ANSWER_ACTION, f"{question}={b['value']}") for b in spec["buttons"])
    lead = "To tell which agreement applies I need one more fact. " if facts.known or facts.space else ""
    return Reply(
        lead + spec["text"],
        "agreement",
        turn.understanding.confidence or 1.0,
        {"agreement": None, "asking": question, "facts": facts.to_dict()},
        buttons=buttons,
    )


def _needs_lines(agreement: AgreementInfo) -> str:
    return "\n".join(f"• {need}" for need in agreement.needs)


def _answer(decision: Decision, facts: Facts, turn: Turn, named: list[str]) -> Reply:
    agreement = info(decision.agreement or "")
    why = agreement.why.get(decision.reason or "", agreement.applies_when)
    lines = []
    mismatch = [code for code in named if code != agreement.code]
    if mismatch:
        lines.append(f"Not {info(mismatch[0]).article} {info(mismatch[0]).short}: here it's {agreement.article} *{agreement.name}*.")
    else:
        lines.append(f"*{agreement.name}*")
    lines.append(f"This is {agreement.article} {agreement.short} because {why}.")
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
    if turn.understanding.has("grant") and turn.understanding.has("apply", "application", "applying"):
        lines.append("\n" + note("grant"))
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
            "source": agreement.source,
        },
        buttons=(consult_button("agreements"), Button("Start over", "agreement.restart", "")),
        fields=(Field("Agreement", agreement.name), Field("Applies when", agreement.applies_when)),
        footer=f"Source: {agreement.source}",
    )


def _other_outcome(decision: Decision, facts: Facts, turn: Turn) -> Reply:
    data: dict[str, Any] = {"agreement": None, "outcome": decision.outcome, "facts": facts.to_dict()}
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
        text = (
            "This one mixes forms: the lease points to an *Alignment Agreement*, and the paid program to a "
            "*Personal Services Contract*. " + note("unclear")
        )
    else:
        text = note("volunteer")
    return Reply(
        text,
        "agreement",
        turn.understanding.confidence or 1.0,
        data,
        buttons=(consult_button("agreements"), Button("Start over", "agreement.restart", "")),
        footer=f"Source: {note('source')}",
    )


def _compare(named: list[str], turn: Turn) -> Reply:
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
    defaults = link_defaults()
    if code == "mou":
        where = fill_links(str(agreement.extra["template_where"]), turn.settings, defaults)
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
        {"agreement": code, "question": "template"},
        buttons=(consult_button("agreements"),),
        footer=f"Source: {agreement.source}",
    )


def _explain(code: str, turn: Turn, question: str) -> Reply:
    agreement = info(code)
    lines = [f"*{agreement.name}*: used when {agreement.applies_when}.", "\nWhat it needs:\n" + _needs_lines(agreement)]
    if code == "personal_services_contract":
        lines.append("\n" + str(agreement.extra["rfq_note"]))
    return Reply(
        "\n".join(lines),
        "agreement",
        turn.understanding.confidence or 1.0,
        {"agreement": code, "question": question, "needs": list(agreement.needs)},
        buttons=(consult_button("agreements"), Button("Which one applies to us?", "agreement.restart", "")),
        footer=f"Source: {agreement.source}",
    )


@registry.action(ANSWER_ACTION)
def on_answer(message: Message, turn: Turn) -> Reply:
    question, _, value = (message.value or "").partition("=")
    facts = Facts.from_dict(turn.state.data.get("facts", {})) if turn.state.flow == FLOW else Facts()
    return advise(facts_from_button(question, value, facts), turn)


@registry.action("agreement.restart")
def on_restart(message: Message, turn: Turn) -> Reply:
    return advise(Facts(), turn)


@registry.follow_up(FLOW)
def on_follow_up(message: Message, turn: Turn) -> Reply | None:
    """The next message while we wait for an answer: use it, or step aside."""
    u = turn.understanding
    facts = Facts.from_dict(turn.state.data.get("facts", {}))
    asking = str(turn.state.data.get("asking", "who_pays"))
    other_topic = u.intent not in ("agreement", "unknown") and u.confidence >= 0.6
    if other_topic and not read_facts(u).known:
        turn.state.clear()
        return None
    if u.has(*UNSURE) and not read_facts(u).known:
        asked = _ask(asking, facts, turn)
        return Reply(note("unsure") + "\n" + asked.text, "agreement", asked.confidence, asked.data,
                     buttons=(consult_button("agreements"),) + asked.buttons)
    updated = answer_from_text(asking, u, facts)
    if updated is None:
        return None
    return advise(updated, turn)
