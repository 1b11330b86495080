"""A generated guard suite: never a confidently wrong agreement.

Every combination of who pays (in several wordings, third parties included) × the use of space
× a negation of another payer × a school's or an organisation's name is asked as one message.
Each must be answered with the right agreement or with a question (or a confirmation), never with
another agreement; and most must be decided outright (a bot that only asks is no help).
"""

from __future__ import annotations

import itertools
import random
import shutil
from contextlib import contextmanager
from typing import Iterator

import pytest

from handlers.agreement_rules import ALIGN, MOU, PSC, PTSA
from tests.conftest import Harness

PAYERS = {
    "school": ["we're paying them out of our building budget", "the school pays the instructor a stipend",
               "the district will pay them from Title I funds", "our principal is paying for it from discretionary money"],
    "partner": ["they bring their own funding", "a local bank pays them directly, so it costs the school nothing",
                "it's free to us because a foundation funds the program", "the nonprofit covers everything with its own grant"],
    "ptsa": ["the PTSA pays the coach", "our parent group hires and pays the instructor",
             "the PTA is covering the whole cost", "parents organize it and pay the teacher themselves"],
    "unknown": ["we're not sure who's paying yet", "funding is still being worked out"],
}
SPACES = {
    "none": [""],
    "lease": ["they lease two classrooms from the district for three years"],
    "short": ["they'd use the gym on Saturdays for six weeks"],
}
DENIALS = {"school": "the PTSA isn't paying for this", "partner": "it's not the PTSA paying", "ptsa": "", "unknown": ""}
NAMES = ["", "Cleveland High School asked me about this.", "Rainier School of Music wants to come in.",
         "Emerald Arts Project reached out."]


def expected(payer: str, space: str) -> str | None:
    """The department's rules; None where only a question (or the department) can decide."""
    if space == "lease":  # leased and also paid by the school (or maybe): the department decides
        return None if payer in ("school", "unknown") else ALIGN
    return {"school": PSC, "partner": MOU, "ptsa": PTSA}.get(payer)


def situations() -> list[tuple[str, str | None]]:
    out = []
    for (payer, wordings), (space, places), name, negate in itertools.product(
            PAYERS.items(), SPACES.items(), NAMES, (False, True)):
        for wording in wordings:
            for place in places:
                parts = [name, place.capitalize() + "." if place else "",
                         (DENIALS[payer] + ", " if negate and DENIALS[payer] else "") + wording + ".",
                         "Which agreement do we need?"]
                out.append((" ".join(p for p in parts if p), expected(payer, space)))
    return out


SITUATIONS = situations()


def test_the_guard_suite_is_large() -> None:
    assert len(SITUATIONS) >= 300


@pytest.fixture(scope="module")
def replies(sqlite_template, tmp_path_factory) -> list[tuple[str, str | None, dict]]:  # type: ignore[no-untyped-def]
    with _a_bot(sqlite_template, tmp_path_factory, "guard") as harness:
        return [(text, want, harness.ask(text, session=f"g{n}").data) for n, (text, want) in enumerate(SITUATIONS)]


@contextmanager
def _a_bot(sqlite_template, tmp_path_factory, name: str) -> Iterator[Harness]:  # type: ignore[no-untyped-def]
    """A bot on its own copy of the migrated template database, shared by one module's tests."""
    from bot.notify import RecordingNotifier
    from tests.conftest import FROZEN_NOW, make_settings

    path = tmp_path_factory.mktemp(name) / f"{name}.db"
    shutil.copy(sqlite_template, path)
    harness = Harness(make_settings(f"sqlite:///{path}"), RecordingNotifier(), FROZEN_NOW)
    try:
        yield harness
    finally:
        harness.close()


def test_never_a_wrong_agreement(replies: list[tuple[str, str | None, dict]]) -> None:
    wrong = [(text, want, data.get("agreement")) for text, want, data in replies
             if data.get("agreement") is not None and data.get("agreement") != want]
    assert not wrong, f"{len(wrong)} of {len(replies)} named another agreement: {wrong[:5]}"


def test_most_situations_are_decided_outright(replies: list[tuple[str, str | None, dict]]) -> None:
    decidable = [(text, want, data) for text, want, data in replies if want is not None]
    decided = [1 for _, want, data in decidable if data.get("agreement") == want]
    assert len(decided) >= 0.8 * len(decidable), f"only {len(decided)} of {len(decidable)} decided"


# Reported speech: what others told the writer. One report is decided or asked, never wrong; two reports that
# disagree (in one message however they are joined, or a later report against a decided one) are always asked.
SPEAKERS = ["the AP", "our principal", "the PTSA president", "the PTSA treasurer", "the org's director",
            "the office manager", "my co-teacher", "the program lead"]
REPORTING = ["says", "said", "told me", "is telling me", "thinks", "claims", "insists", "mentioned", "keeps saying",
             "swears", "emailed that", "just texted that", "is saying"]
CLAIMS = {
    "school": ["the school is paying her", "the school pays the instructor out of the building budget",
               "we're covering it from Title I", "the district is paying for it"],
    "ptsa": ["the PTSA pays her", "the PTSA is covering the instructor", "the parent group is paying for it"],
    "partner": ["the partner is paying for it", "the nonprofit brings its own funding",
                "a local foundation pays them directly"],
}
REPORT_JOINS = ["{a}, but {b}", "{a} and {b}", "{a}. {b}", "{a}, while {b}", "{a}; {b}", "{a} but {b}"]
NEWS = ["", "hmm ", "ugh now ", "wait, ", "but ", "now "]


def one_report_each() -> list[tuple[str, str]]:
    return [(f"{speaker} {verb} {claim}. which agreement?", {"school": PSC, "ptsa": PTSA, "partner": MOU}[payer])
            for payer, claims in CLAIMS.items() for claim in claims
            for speaker, verb in itertools.product(SPEAKERS[::2], REPORTING)]


def reports_that_disagree() -> list[tuple[str, str, str]]:
    """(one message with two reports, the first report alone, the second said a turn later)."""
    rng = random.Random(24)
    out = []
    for (first, claims_a), (second, claims_b) in itertools.permutations(CLAIMS.items(), 2):
        for a, b in itertools.product(claims_a, claims_b):
            for join in REPORT_JOINS:
                (s1, s2), v1, v2 = rng.sample(SPEAKERS, 2), rng.choice(REPORTING), rng.choice(REPORTING)
                said_a, said_b = f"{s1} {v1} {a}", f"{s2} {v2} {b}"
                out.append((join.format(a=said_a, b=said_b) + ". which agreement?", f"{said_a}. which agreement?",
                            rng.choice(NEWS) + said_b))
    return out


@pytest.fixture(scope="module")
def reported(sqlite_template, tmp_path_factory):  # type: ignore[no-untyped-def]
    with _a_bot(sqlite_template, tmp_path_factory, "reports") as harness:
        single = [(text, want, harness.ask(text, session=f"r{n}").data.get("agreement"))
                  for n, (text, want) in enumerate(one_report_each())]
        pairs = []
        for n, (together, first, later) in enumerate(reports_that_disagree()):
            at_once = harness.ask(together, session=f"p{n}").data.get("agreement")
            decided = harness.ask(first, session=f"t{n}").data.get("agreement")
            pairs.append((together, at_once, later, decided, harness.ask(later, session=f"t{n}").data.get("agreement")))
        return single, pairs


def test_the_reports_suite_is_large() -> None:
    assert len(one_report_each()) >= 400 and len(reports_that_disagree()) >= 300


def test_one_report_is_decided_or_asked_never_wrong(reported) -> None:  # type: ignore[no-untyped-def]
    single, _ = reported
    wrong = [(text, named) for text, want, named in single if named is not None and named != want]
    assert not wrong, f"{len(wrong)} of {len(single)} named another agreement: {wrong[:5]}"
    assert sum(named == want for _, want, named in single) >= 0.9 * len(single)


def test_reports_that_disagree_are_asked_in_one_message_or_across_turns(reported) -> None:  # type: ignore[no-untyped-def]
    _, pairs = reported
    at_once = [(text, named) for text, named, *_ in pairs if named is not None]
    assert not at_once, f"{len(at_once)} of {len(pairs)} named an agreement: {at_once[:5]}"
    later = [(text, named) for _, _, text, decided, named in pairs if decided is not None and named is not None]
    assert not later, f"{len(later)} later reports against a decided one named an agreement: {later[:5]}"
    assert sum(decided is not None for *_, decided, _ in pairs) >= 0.9 * len(pairs)


# Several programs in one message, each paid its own way, then a question about one and a follow-up about
# another: each is decided by what was said of it, or asked; never given another program's agreement.
PROGRAMS = [("chess club", "chess"), ("drumming residency", "drumming"), ("garden club", "garden"),
            ("robotics team", "robotics"), ("reading program", "reading"), ("dance class", "dance")]
TOLD = {
    "school": ["{p} paid by the school", "{p} (we pay from Title I)", "{p} that we pay for out of LAP",
               "{p} is paid from our building budget"],
    "ptsa": ["{p} paid by the PTSA", "{p} (PTSA pays)", "{p} that our PTSA pays for", "{p} is paid by the parent group"],
    "partner": ["{p} that a nonprofit runs for free", "{p} (free, the partner funds it)",
                "{p} which a local bank pays for directly", "{p} is free from a nonprofit"],
    "unknown": ["a new {p}", "{p} (nobody has sorted out who pays)", "{p} we haven't figured out yet"],
}
LIST_JOINS = ["{a}, {b} and {c}", "{a}, {b}, and {c}", "{a}; {b}; {c}", "{a}. {b}. {c}"]
LIST_OPENERS = ["", "We have a few programs this spring: ", "quick q, "]
ONE_ASKED = ["Which agreement for the {s}?", "For the {s}, which agreement?", "what do we need for the {s}",
             "which agreement does the {s} need?"]
ANOTHER_ASKED = ["and the {s}?", "what about the {s}?", "and {s}", "and for the {s} one?"]


def programs_told() -> list[tuple[str, str | None, str, str | None]]:
    """(the message telling three programs and asking of one, its agreement, a follow-up asking of another, its)."""
    rng = random.Random(7)
    want = {"school": PSC, "ptsa": PTSA, "partner": MOU, "unknown": None}
    out = []
    for kinds in itertools.permutations(TOLD, 3):
        for join in LIST_JOINS:
            for _ in range(3):
                programs = rng.sample(PROGRAMS, 3)
                items = [rng.choice(TOLD[kind]).format(p=name) for kind, (name, _) in zip(kinds, programs)]
                asked, other = rng.sample(range(3), 2)
                text = rng.choice(LIST_OPENERS) + join.format(a=items[0], b=items[1], c=items[2])
                out.append((f"{text}. {rng.choice(ONE_ASKED).format(s=programs[asked][1])}", want[kinds[asked]],
                            rng.choice(ANOTHER_ASKED).format(s=programs[other][1]), want[kinds[other]]))
    return out


@pytest.fixture(scope="module")
def programs(sqlite_template, tmp_path_factory):  # type: ignore[no-untyped-def]
    with _a_bot(sqlite_template, tmp_path_factory, "programs") as harness:
        out = []
        for n, (text, want, later, later_want) in enumerate(programs_told()):
            first = harness.ask(text, session=f"m{n}").data.get("agreement")
            out.append((text, want, first, later, later_want, harness.ask(later, session=f"m{n}").data.get("agreement")))
        return out


def test_the_programs_suite_is_large() -> None:
    assert len(programs_told()) >= 280


def test_each_program_of_several_is_decided_by_its_own_payer_or_asked(programs) -> None:  # type: ignore[no-untyped-def]
    wrong = [(text, want, named) for text, want, named, *_ in programs if named is not None and named != want]
    assert not wrong, f"{len(wrong)} of {len(programs)} named another agreement: {wrong[:3]}"
    later = [(text, later, want, named) for text, _, _, later, want, named in programs
             if named is not None and named != want]
    assert not later, f"{len(later)} of {len(programs)} follow-ups named another agreement: {later[:3]}"
    decidable = [(want, named) for _, want, named, *_ in programs if want is not None]
    assert sum(want == named for want, named in decidable) >= 0.8 * len(decidable)
