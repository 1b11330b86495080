"""Small helpers shared by handlers: standard buttons and department links."""

from __future__ import annotations

import re

from bot.config import Settings
from bot.core import Button
from bot.turn import Turn
from knowledge import load_yaml

CAPABILITIES: tuple[tuple[str, str, str], ...] = (
    ("Which agreement applies?", "menu", "which agreement applies"),
    ("Partners at a school", "menu", "which partners serve my school"),
    ("Upcoming trainings", "menu", "upcoming trainings"),
    ("Ask the department", "consultation.start", ""),
)


def menu_buttons() -> tuple[Button, ...]:
    return tuple(Button(label, action, value) for label, action, value in CAPABILITIES)


def consult_button(topic: str = "", label: str = "Ask the department") -> Button:
    return Button(label, "consultation.start", topic)


def link_defaults() -> dict[str, str]:
    """What to say where a department link (LINK_<NAME>) is not configured."""
    return {k: str(v) for k, v in (load_yaml("faq.yaml").get("links") or {}).items()}


def fill_links(text: str, settings: Settings, defaults: dict[str, str]) -> str:
    """Replace `{link:NAME}` with LINK_NAME from config (or a default) and `{email}`."""
    out = text
    while "{link:" in out:
        start = out.index("{link:")
        end = out.find("}", start)
        if end < 0:  # an unclosed placeholder (a model's answer cut short): drop it, never fail the reply
            out = out[:start]
            break
        name = out[start + 6 : end]
        out = out[:start] + settings.link(name, defaults.get(name, "")) + out[end + 1 :]
    return out.replace("{email}", settings.department_email).strip()


def school_in_context(turn: Turn) -> int | None:
    """The school of the last answer, if it was about one ("that list is wrong" right after a school's
    partners): a partners lookup keeps `school_id`, a paperwork answer `school` as [id, name]."""
    context = turn.state.context(turn.now)
    if context is None:
        return None
    filters = context[1]
    school = filters.get("school_id") or (filters.get("school") or [None])[0]
    return int(school) if isinstance(school, int) else None


ON_RECORD = re.compile(r"\b(?:which|what)\s+(?:kind\s+of\s+|type\s+of\s+)?(?:agreement|contract|form)s?\b[^.?!]*?"
                       r"\b(?:(?:do|does|did)\s+(?:\S+\s+){1,6}?have|(?:they|we|it)\s+(?:have|has|are on|is on)|have with|"
                       r"(?:is|are)\s+(?:\S+\s+){1,6}?on|on (?:file|record))\b(?!\s+to\b)"
                       # "<partner> - when does their agreement run out?"
                       r"|\b(?:their|its)\s+(?:agreement|contract|mou|psc)\s+(?:\w+\s+)?(?:expires?|run\s+out|runs\s+out|"
                       r"ends?|lapses?)\b", re.I)
"""Words asking what a partnership already has ("which agreement do we have with ...", "what agreement is <org> on"),
not what it needs."""
