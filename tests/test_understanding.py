"""Intent understanding: normalisation, typos, abbreviations and many phrasings."""

from __future__ import annotations

import pytest

from bot.understanding.entities import parse_amounts
from bot.text import clean, escape_mrkdwn, normalise, stem


def test_clean_straightens_quotes_and_drops_control_characters() -> None:
    assert clean("We\u2019re \u201cpaying\u201d\x00 a\ttutor\u200b") == "We're \"paying\" a tutor"


def test_normalise_expands_nothing_but_lowercases_words() -> None:
    assert normalise("Hamilton Int\u2019l  MIDDLE-School!") == "hamilton int'l middle school"


@pytest.mark.parametrize("word,expected", [("paying", "pay"), ("paid", "pay"), ("pays", "pay"), ("leasing", "leas"),
                                           ("lease", "leas"), ("trainings", "train"), ("status", "status")])
def test_stem_folds_simple_endings(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_mrkdwn_escape_defuses_mentions() -> None:
    assert escape_mrkdwn("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


@pytest.mark.parametrize("text,amount", [("$12,000", 12000), ("12k", 12000), ("5 thousand dollars", 5000),
                                         ("$9,999.00", 9999), ("grades 6-8", None), ("K-8", None)])
def test_amounts(text: str, amount: float | None) -> None:
    assert (parse_amounts(text) or (None,))[0] == amount


PHRASINGS = [
    # agreement
    ("We're hiring a teaching artist for a 6-week residency, what contract?", "agreement"),
    ("WHICH AGREEMENT FOR A CBO THAT IS FREE TO US", "agreement"),
    ("do i need an mou or a psc for a volunteer tutoring nonprofit", "agreement"),
    ("what paperwork for paying a coach", "agreement"),
    ("agrement for a partner using our gym once", "agreement"),
    ("what's the difference between a PSC and an MOU?", "agreement"),
    ("where's the MOU template", "agreement"),
    ("What documents does a personal services contract need?", "agreement"),
    ("our pta wants to hire a chess teacher after school", "agreement"),
    ("a nonprofit wants a multi-year lease for an office in our building", "agreement"),
    # partners
    ("who works with Rainier Beach?", "partners"),
    ("any tutoring partners at aki kurose", "partners"),
    ("which schools have no mentoring partner?", "partners"),
    ("mental health providers at franklin hs", "partners"),
    ("how many partnerships per region", "partners"),
    ("schools with the fewest partners", "partners"),
    # trainings
    ("what trainings are coming up?", "trainings"),
    ("any RULER sessions next month", "trainings"),
    ("upcomming trainigs on equity", "trainings"),
    ("is there an SEL workshop in January", "trainings"),
    ("professional development calendar for partners", "trainings"),
    # consultation
    ("I need a consultation about a partnership", "consultation"),
    ("can I talk to someone in the partnerships office", "consultation"),
    ("please open a ticket for the department", "consultation"),
    ("consultaton pls", "consultation"),
    # ticket_status
    ("Is my consultation ticket open still?", "ticket_status"),
    ("status of C-1042", "ticket_status"),
    ("any update on my request?", "ticket_status"),
    ("claim C-1001", "ticket_status"),
    # report_outdated
    ("The partner list for Leschi is outdated", "report_outdated"),
    ("the database says Sound Mentors is at Lowell but they left", "report_outdated"),
    ("info for garfield is wrong", "report_outdated"),
    # FAQ topics
    ("Do schools run background checks for partner staff?", "background_checks"),
    ("backround chekcs for volunters?", "background_checks"),
    ("who runs the WATCH check for a PTA-paid instructor", "background_checks"),
    ("does a tutor need fingerprinting", "background_checks"),
    ("Can a partner see our students' assessment scores?", "data_sharing"),
    ("how does a partner get a DSA", "data_sharing"),
    ("what does FERPA let us share", "data_sharing"),
    ("Where is the partnership summary one-pager?", "partnership_tools"),
    ("racial equity questions for partnerships", "partnership_tools"),
    ("is there a partnership playbook", "partnership_tools"),
    ("Where do I take the partnership requirements training module?", "training_module"),
    ("how long is the online partnership module", "training_module"),
    # help / unknown
    ("what can this bot do", "help"),
    ("help", "help"),
    ("hi", "help"),
    ("How do I book a field trip bus?", "unknown"),
    ("what's for lunch today", "unknown"),
    ("reset my password", "unknown"),
    ("will it snow tomorrow, weather?", "unknown"),
    ("when is payroll", "unknown"),
]


@pytest.mark.parametrize("text,intent", PHRASINGS)
def test_phrasings_map_to_intents(harness, text: str, intent: str) -> None:
    reply = harness.ask(text)
    assert reply.intent == intent, (reply.intent, reply.data)


def test_confidence_is_reported_and_higher_for_clear_questions(harness) -> None:
    clear = harness.ask("Which agreement applies when the school pays a tutor?", session="a")
    vague = harness.ask("partner", session="b")
    assert clear.confidence > 0.7
    assert vague.confidence < clear.confidence


def test_a_typo_is_corrected_to_a_word_with_its_first_letter_though_another_is_as_close() -> None:
    from bot.understanding.tokens import Tokenizer

    tokenizer = Tokenizer({}, ["drama", "trauma", "leases"])
    assert tokenizer.correct("trama") == "trauma"  # "drama" is one edit away too, but typos keep the first letter
    assert tokenizer.correct("pleas") == "pleas"  # never "leases" or another first letter


def test_a_misspelt_training_topic_still_filters(harness) -> None:
    reply = harness.ask("trama informed training dates?")
    assert reply.intent == "trainings" and "trauma" in (reply.data.get("topic") or "").lower()


def test_a_request_said_last_is_read_like_one_said_first(harness) -> None:
    """"..., can you help?" at the end asks what comes before it, as "can you help me find ..." does."""
    reply = harness.ask("Good morning, our principal ask me to find who is doing STEM or robotics at Concord, can you "
                        "help?")
    assert reply.intent == "partners" and reply.data["school"] == "Concord Int'l", (reply.intent, reply.data)
    assert harness.ask("can you help me?", session="alone").intent == "help"
