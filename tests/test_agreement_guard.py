"""A generated guard suite: never a confidently wrong agreement.

Every combination of who pays (in several wordings, third parties included) × the use of space
× a negation of another payer × a school's or an organisation's name is asked as one message.
Each must be answered with the right agreement or with a question (or a confirmation), never with
another agreement; and most must be decided outright (a bot that only asks is no help).
"""

from __future__ import annotations

import itertools

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
    import shutil

    from bot.notify import RecordingNotifier
    from tests.conftest import FROZEN_NOW, make_settings

    path = tmp_path_factory.mktemp("guard") / "guard.db"
    shutil.copy(sqlite_template, path)
    harness = Harness(make_settings(f"sqlite:///{path}"), RecordingNotifier(), FROZEN_NOW)
    try:
        return [(text, want, harness.ask(text, session=f"g{n}").data) for n, (text, want) in enumerate(SITUATIONS)]
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
