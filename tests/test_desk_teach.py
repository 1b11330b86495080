"""The desk's teaching page, signed in through the fake identity provider: this month's unanswered questions
with Teach (a taught example, as from chat, in the audit log), and the feedback on grounded answers."""

from __future__ import annotations

import requests
from sqlalchemy import select

from bot.models import GroundedAnswer, TaughtExample
from bot.models.base import utcnow
from tests.test_desk import Desk, csrf, desk  # noqa: F401  (the fixture)


def test_an_unanswered_question_is_taught_from_the_desk_and_feedback_is_shown(desk: Desk) -> None:  # noqa: F811
    visitor = requests.Session()
    visitor.post(desk.url + "/chat", json={"session": "t1", "text": "How do I book a field trip bus?"}, timeout=20)
    with desk.runtime.database.session() as session:
        session.add(GroundedAnswer(platform="web", user="v-1", mode="retrieval", outcome="answered",
                                   sources=[{"key": "faq:data_sharing", "source": "faq.yaml", "score": 0.8}],
                                   helpful=False, feedback_at=utcnow()))
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, _ = desk.sign_in()
    page = browser.get(desk.url + "/desk/teach", timeout=10)
    assert "“How do I book a field trip bus?”" in page.text and "(1×" in page.text
    assert "1 marked helpful" not in page.text and "0 marked helpful, 1 not helpful" in page.text
    assert "faq:data_sharing" in page.text
    refused = browser.post(desk.url + "/desk/teach", data={"csrf": csrf(page), "text": "How do I book a field trip bus?",
                                                           "intent": "no_such_topic"}, timeout=10)
    assert refused.status_code == 400
    taught = browser.post(desk.url + "/desk/teach", data={"csrf": csrf(page), "text": "How do I book a field trip bus?",
                                                          "intent": "unknown"}, timeout=10)
    assert taught.url.endswith("?taught=unknown") and "Filed under unknown" in taught.text
    assert "field trip bus" not in taught.text  # taught: off the list
    again = browser.post(desk.url + "/desk/teach", data={"csrf": csrf(page), "text": "How do I book a field trip bus?",
                                                         "intent": "unknown"}, timeout=10)
    assert "Already filed under unknown: nothing changed." in again.text
    with desk.runtime.database.session() as session:
        rows = [(r.text, r.intent, r.taught_by) for r in session.scalars(select(TaughtExample))]
    assert rows == [("How do I book a field trip bus?", "unknown", "desk:dana@district.example (Dana Lee)")]
    assert ("desk:dana@district.example (Dana Lee)", "teach", "How do I book a field trip bus?") in desk.audit()
