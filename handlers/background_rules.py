"""Background checks applied to the situation described: who runs it, which check.

Pure functions over an `Understanding`, like the agreement rules: who the
person is (partner staff, a PTA-paid provider, a school volunteer, paid by the
district), how long they have lived in Washington, and whether they work with
students unsupervised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding import Understanding

NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "few": 3, "couple": 2, "several": 4}
_NUMBER = r"(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|couple of|several)"
_DURATION = re.compile(_NUMBER + r"\s+(month|year|yr)s?\b", re.I)
_IN_STATE = ("washington", "wa", "the state", "state", "seattle", "here")
_NEW_TO_STATE = ("new to washington", "from out of state", "out of state", "just moved", "recently moved",
                 "moved here", "moved to washington", "moved to seattle", "relocated", "new to the state",
                 "less than three years", "less than 3 years", "fewer than three years", "under three years",
                 "moved from", "arrived from", "came from")
_LONG_IN_STATE = ("more than three years", "more than 3 years", "over three years", "lifelong", "whole life",
                  "grew up here", "born and raised", "always lived", "for years", "long time")
_UNSUPERVISED = ("unsupervised", "alone with", "one on one", "without supervision", "by themselves", "by himself",
                 "by herself", "without a teacher", "no teacher", "on their own with", "not supervised")
_SUPERVISED = ("supervised", "with a teacher", "teacher present", "teacher in the room", "staff present",
               "under supervision", "always with")
_PARTNER = ("partner", "organization", "community based organization", "non profit", "agency", "their staff",
            "their tutor", "their volunteer", "their mentor", "their coach", "their employee", "program staff",
            "vendor", "provider", "company", "tutors", "mentors", "coaches", "instructors", "volunteers from",
            "people from", "staff from", "who come in", "that come in", "coming in", "americorps", "city year",
            "ymca", "boys and girls club", "outside group", "their people", "their team")
_PTA = ("ptsa", "parent group", "booster")
_PTA_PAYS = ("pay", "hire", "contract", "fund", "money", "sponsor")
_SCHOOL_VOLUNTEER = ("our volunteer", "school volunteer", "parent volunteer", "volunteer at our school",
                     "volunteers at our school", "chaperone", "our own volunteer", "classroom volunteer",
                     "volunteering in the classroom", "volunteer in the classroom", "a parent who volunteers",
                     "parents who volunteer", "volunteer at the school")
_DISTRICT_PAID = ("paid by the district", "district pay", "district hire", "district employee", "paid directly by",
                  "on district payroll", "we pay them directly", "the district is paying", "hired by the district",
                  "hired by the school", "we hire", "school pays them", "we pay them")


_WHO_RUNS = ("run", "who", "do the check", "do background", "responsible", "conduct", "handle", "order",
             "should we", "do we", "does the school", "do i", "should i", "our job", "need to", "have to",
             "is it on us", "on us", "up to us", "check them", "clear them", "screen", "take care of")
"""The question is about who does the check (not, say, what it costs)."""
_NEEDS_CHECK = ("need a background", "need background", "needs a background", "need a check", "need checks",
                "need a watch", "need to be checked", "require a background", "required to have",
                "have to be checked")
"""...or whether, and which, check a person needs: answered with who runs it, but not as a yes or no to
"do we run it?"."""
_OTHER_ASPECT = ("how often", "renew", "renewal", "how long", "expire", "valid for", "good for", "how much",
                 "what does it cost", "what do they cost", "fee")
"""...unless it asks about another side of the check ("how often do partner staff checks have to be
renewed?" asks how often, whatever "have to" says), and names no one who runs it."""


@dataclass(frozen=True)
class Situation:
    who: str | None = None  # partner | pta | school_volunteer | district
    years_in_state: float | None = None
    unsupervised: bool | None = None
    first_year: bool = False
    asks_who_runs: bool = False  # "do we run it?" is answered "No, ..."; "does she need a national check?" is not
    asks_if_needed: bool = False  # "does the mentor need a background check?": yes, everyone serving students

    @property
    def described(self) -> bool:
        return self.who is not None or self.years_in_state is not None or self.unsupervised is not None


def read_situation(u: Understanding, follow_up: bool = False) -> Situation:
    """`follow_up`: the message continues a background-check question ("what about the folks from
    the partner org?"), so the question of who runs the check is implied."""
    unsupervised = True if u.has(*_UNSUPERVISED) else (False if u.has(*_SUPERVISED) else None)
    return Situation(_who(u, follow_up), _years_in_state(u), unsupervised,
                     u.has("first year", "new hire", "just started"), follow_up or u.has(*_WHO_RUNS),
                     u.has(*_NEEDS_CHECK))


def _who(u: Understanding, follow_up: bool = False) -> str | None:
    """Whose check it is, when the question is about who runs it or which check applies."""
    if not follow_up and not u.has(*_WHO_RUNS, *_NEEDS_CHECK, "which check", "what check", "national", "state check",
                                   "fingerprint"):
        return None  # "how can a small nonprofit get WATCH checks for free" is not about who runs it
    if not follow_up and u.has(*_OTHER_ASPECT) and not u.has("who", "run", "runs", "responsible"):
        return None
    if u.has(*_PTA) and u.has(*_PTA_PAYS):
        return "pta"
    if u.has(*_SCHOOL_VOLUNTEER):
        return "school_volunteer"
    if u.has(*_DISTRICT_PAID):
        return "district"
    return "partner" if u.has(*_PARTNER) else None


def _years_in_state(u: Understanding) -> float | None:
    if u.has(*_NEW_TO_STATE, *(f"moved to {place}" for place in _IN_STATE)):
        duration = _duration(u.text)
        return min(duration, 2.9) if duration is not None else 0.5
    if u.has(*_LONG_IN_STATE):
        return 10.0
    if u.has(*(f"in {place}" for place in _IN_STATE), "lived", "living", "resident"):
        return _duration(u.text)
    return None


def _duration(text: str) -> float | None:
    m = _DURATION.search(text)
    if not m:
        return None
    raw = m.group(1).lower().replace(" of", "")
    number = float(raw) if raw[0].isdigit() else float(NUMBERS.get(raw, 1))
    return number / 12 if m.group(2).lower().startswith("month") else number


def advise(s: Situation) -> list[str]:
    """What to do, in the order staff need it: who runs the check, then which check."""
    lines: list[str] = []
    if s.who == "partner":
        lead = ("No, the school doesn't run it: the partner organisation" if s.asks_who_runs
                else "Yes, everyone serving students needs one, and the partner organisation" if s.asks_if_needed
                else "The partner organisation")
        lines.append(f"{lead} runs background checks for its own staff and volunteers, renewed every year. Schools run "
                     "WATCH checks only for their own school volunteers.")
    elif s.who == "pta":
        lines.append("The district can't run this check: someone paid by a PTA (or another non-district body) is "
                     "checked by the organisation that pays or supervises them, or they order the check themselves. "
                     "It's renewed every year.")
    elif s.who == "school_volunteer":
        lines.append("Yes: the school runs a WATCH check for its own school volunteers, renewed every year.")
    elif s.who == "district":
        lines.append("Someone paid directly by the district goes through the district's check, which generally "
                     "includes fingerprinting.")
    if s.years_in_state is not None and s.years_in_state < 3:
        lines.append("Because they have lived in Washington for fewer than three years, they need a national "
                     "background check, not only the state (WATCH) check.")
    elif s.unsupervised:
        lines.append("Anyone working with students unsupervised needs a national check in their first year, then "
                     "the state (WATCH) check in later years.")
    elif s.years_in_state is not None and s.years_in_state >= 3:
        lines.append("With three or more years in Washington, a supervised person needs the state (WATCH) check; "
                     "someone working unsupervised needs a national check in their first year.")
    return lines
