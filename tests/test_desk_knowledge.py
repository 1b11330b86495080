"""The desk's answers page, signed in through the fake identity provider: the department's own answers
added, changed and deleted in the browser, and the web chat answering from the change within seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import requests

from bot.department_answers import StoredAnswers
from bot.retrieval.answers import GroundedAnswers
from bot.retrieval.index import KnowledgeIndex
from tests.test_desk import Desk, csrf, serving_desk


@pytest.fixture
def desk(sqlite_url: str, tmp_path: Path) -> Iterator[Desk]:
    """A desk whose bot answers from the department's stored answers, looked at on every question."""
    def grounded(settings, database):  # type: ignore[no-untyped-def]
        index = KnowledgeIndex(tmp_path / "cache", check_seconds=0.0, answers=StoredAnswers(database))
        return {"grounded": GroundedAnswers(index, settings.llm)}
    with serving_desk(sqlite_url, grounded) as serving:
        yield serving


QUESTION = "who has to approve a new community partnership at my school"


def test_an_answer_edited_on_the_desk_is_what_the_chat_says(desk: Desk) -> None:
    visitor = requests.Session()

    def chat(text: str) -> str:
        return visitor.post(desk.url + "/chat", json={"session": "k1", "text": text}, timeout=20).json()["text"]
    assert "Board Policy 4265" in chat(QUESTION)
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, _ = desk.sign_in()
    listing = browser.get(desk.url + "/desk/knowledge", timeout=10)
    assert '<a href="/desk/knowledge/board_policy_4265">Board Policy 4265</a>' in listing.text
    page = browser.get(desk.url + "/desk/knowledge/board_policy_4265", timeout=10)
    form = {"csrf": csrf(page), "title": "Board Policy 4265", "source": "Partnership database",
            "questions": "who has to approve a new community partnership at my school\ndo partnerships need outcomes",
            "answer": "Your principal approves every partnership in the Partnership Portal by October 1 <b>each</b> year."}
    refused = browser.post(desk.url + "/desk/knowledge/board_policy_4265", data={**form, "answer": " "}, timeout=10)
    assert refused.status_code == 400 and "needs a title and its text" in refused.text
    saved = browser.post(desk.url + "/desk/knowledge/board_policy_4265", data=form, timeout=10)
    assert saved.url.endswith("?done=saved") and "&lt;b&gt;each&lt;/b&gt;" in saved.text
    assert "Partnership Portal by October 1" in chat(QUESTION)
    added = browser.post(desk.url + "/desk/knowledge", data={
        "csrf": csrf(page), "title": "Field trip buses", "source": "Transportation",
        "questions": "how do I book a field trip bus", "answer": "Book field trip buses with Transportation 3 weeks ahead."},
        timeout=10)
    assert added.url.endswith("/desk/knowledge/field_trip_buses?done=saved")
    assert "3 weeks ahead" in chat("how do I book a field trip bus")
    gone = browser.post(desk.url + "/desk/knowledge/field_trip_buses/delete", data={"csrf": csrf(page)}, timeout=10)
    assert gone.url.endswith("?done=deleted") and "Field trip buses" not in gone.text
    assert "3 weeks ahead" not in chat("how do I book a field trip bus")
    actions = [(a[1], a[2]) for a in desk.audit() if a[0].startswith("desk:dana")]
    assert actions[1:] == [("answer.change", "board_policy_4265"), ("answer.add", "field_trip_buses"),
                           ("answer.delete", "field_trip_buses")]
