"""FAQ answers (data sharing, background checks, tools, training module): the department's FAQ entries
(seeded from knowledge/faq.yaml, edited on the desk: bot/faq_entries.py).

The entry whose example questions the message most resembles answers it (the
classifier's own tf-idf space); background-check questions that describe a
situation get the rules applied to it (handlers/background_rules.py).
"""

from __future__ import annotations

import re

from bot import faq_entries
from bot.core import Message, Reply
from bot.faq_entries import Entry, Topic
from bot.turn import Turn
from bot.dialogue import is_question
from bot.understanding import follow_ups
from bot.router import Registry
from handlers import health
from handlers.background_rules import advise, read_situation
from handlers.common import consult_button, fill_links, link_defaults
from handlers.grounded import grounded_reply
from handlers.partners import writes_a_name

TOPICS = ("data_sharing", "background_checks", "partnership_tools", "training_module")
ON_RECORD = ("background_checks", "data_sharing")
"""Topics whose paperwork the directory records for each partnership (a background check, a data sharing agreement)."""
_ASKS_ITS_RECORD = re.compile(r"\b(?:valid|current|expired?|expiring|up to date|on file|on record|have|has|in order|"
                              r"still\s+(?:good|ok|okay|active))\b", re.I)
"""Words asking about a partnership's paperwork as it stands ("still valid?", "do they have a DSA?"), not what the
rule asks of partners ("what do they need first?")."""
CONSULT_TOPIC = {"data_sharing": "data_sharing", "background_checks": "background_checks", "training_module": "trainings"}
RESEMBLANCE = 0.3
"""Below this similarity to every entry's questions (and no cue), the topic's overview answers."""
CONTEXT = "faq"
FOLLOW_UP_WORDS = 12
FOLLOW_UP_START = ("and", "so", "also", "what about", "how about", "but", "then", "do we", "do they", "does it", "is it",
                   "is that", "are they", "can they", "can we", "should we", "what if", "right", "ok so", "okay so")
SAME = ("same", "the same")
""""Same rule for PTSA providers?" asks the last topic again, unless the message is plainly about
something else ("same question but for trainings: any in March?")."""
PRONOUNS = ("they", "it", "that", "them", "this", "one", "those", "these", "their", "its")
OWN_TOPIC_CONFIDENCE = 0.8
SURE_OF_ENTRY = 0.5
"""An entry chosen less surely than this gives way to a passage of the knowledge that matches the
question better, unless the best passage is this topic's own (bot/retrieval)."""


def example_questions() -> list[tuple[str, str]]:
    """(intent, question) for every shipped entry: the classifier learns them too (questions added on the
    desk are taught to it as examples, bot/platforms/desk/knowledge.py)."""
    shipped = faq_entries.shipped()
    return [(name, q) for name in TOPICS if name in shipped for entry in shipped[name].entries for q in entry.questions]


def _topic(turn: Turn, name: str) -> Topic:
    return turn.faq()[name]


def best_entry(topic: Topic, turn: Turn) -> Entry | None:
    return scored_entry(topic, turn)[0]


def scored_entry(topic: Topic, turn: Turn) -> tuple[Entry | None, float]:
    """The entry the question resembles most (its example questions), helped by its cues, and
    how sure that is (resemblance plus 0.15 a cue)."""
    u = turn.understanding
    best: tuple[float, int] | None = None
    for i, entry in enumerate(topic.entries):
        resemblance = max(turn.similarity(u.text, entry.questions), default=0.0)
        cues = sum(1 for cue in entry.cues if u.has(cue))
        score = resemblance + 0.15 * cues
        if (resemblance >= RESEMBLANCE or cues) and (best is None or score > best[0]):
            best = (score, i)
    return (None, 0.0) if best is None else (topic.entries[best[1]], best[0])


def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    if (u.entities.organisation is not None or writes_a_name(u.text)) and u.intent in ON_RECORD \
            and _ASKS_ITS_RECORD.search(u.text):
        # "is the background check of Duwamish Waterways Science Lab still valid?": that partner's paperwork, as
        # the directory holds it, not the rule (and a name it lacks is said: "Kinetc Learning Lab", did you mean?)
        return health.handle(message, turn)
    return answer(turn.understanding.intent, turn)


def refine(message: Message, turn: Turn, previous: dict) -> Reply | None:
    """A follow-up on the last FAQ answer ("so they need a new one every year?", "how long is it?").

    Read against the last topic: the entry it resembles, else the one just given, else the overview."""
    u = turn.understanding
    intent = str(previous.get("topic") or "")
    if intent not in TOPICS or not follow_ups.is_follow_up(u, FOLLOW_UP_WORDS):
        return None
    if u.entities.has_school:
        return None  # the department's answers hold district-wide: a school named asks about its partnerships
    if follow_ups.placed_elsewhere(u, intent, OWN_TOPIC_CONFIDENCE):
        return None  # a question about another topic ("ok and which agreement if the partner funds it?")
    same_again = u.opens_with(*SAME) and (u.intent in TOPICS or u.confidence < OWN_TOPIC_CONFIDENCE)
    elliptical = u.opens_with(*FOLLOW_UP_START) or u.has(*PRONOUNS) or same_again
    if not elliptical and not (is_question(u) and (follow_ups.unplaced(u) or best_entry(_topic(turn, intent), turn) is not None)):
        return None  # neither pointing back nor a question this topic answers ("do the families sign anything?")
    last = previous.get("entry")
    points_back = elliptical and isinstance(last, int)  # "does that include ...?": the answer just given
    return answer(intent, turn, fallback=last if points_back else None, follow_up=True)


def answer(intent: str, turn: Turn, fallback: int | None = None, follow_up: bool = False) -> Reply:
    topic = _topic(turn, intent)
    entry, sure = scored_entry(topic, turn)
    if entry is None and fallback is not None and 0 <= fallback < len(topic.entries):
        entry = topic.entries[fallback]  # "does that include ...?" is about the answer just given
    situation = read_situation(turn.understanding, follow_up) if intent == "background_checks" else None
    if situation is not None and situation.described:
        lines = advise(situation)
        if entry is not None and entry.answer not in lines:
            lines.append(entry.answer)  # the situation, and the specific thing asked (cost, fingerprints)
        body = " ".join(lines + ([] if situation.who or entry else ["Checks are renewed every year."]))
        chosen: object = "situation"
    else:
        if sure < SURE_OF_ENTRY and not follow_up:  # no entry fits well: is it answered better elsewhere?
            found = turn.grounded(turn.understanding.text, generate=False, unless=f"faq:{intent}")
            if found is not None:
                return grounded_reply(found, turn, intent)
        body = entry.answer if entry else topic.overview
        chosen = None if entry is None else topic.entries.index(entry)
    turn.state.remember(CONTEXT, {"topic": intent, "entry": chosen}, turn.now)
    text = fill_links(body, turn.settings, link_defaults())
    return Reply(
        f"*{topic.title}*\n{text}",
        intent,
        turn.understanding.confidence,
        {"topic": intent, "entry": chosen, "source": topic.source},
        buttons=(consult_button(CONSULT_TOPIC.get(intent, "other")),),
        footer=f"Source: {topic.source}",
    )


def register(registry: Registry) -> None:
    registry.intent(*TOPICS)(handle)
    registry.refiner(CONTEXT)(refine)
