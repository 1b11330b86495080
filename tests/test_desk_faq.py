"""The desk's FAQ pages, signed in through the fake identity provider: an entry's answer changed, an entry
added and deleted, a topic's overview changed, each what the web chat answers next; a question added to an
entry is taught to the classifier as the topic's; every change is in the audit log with before and after."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
import requests
from sqlalchemy import select

from bot.faq_entries import FaqSource
from bot.models import TaughtExample
from tests.test_desk import Desk, csrf, serving_desk


@pytest.fixture
def desk(sqlite_url: str) -> Iterator[Desk]:
    with serving_desk(sqlite_url, lambda settings, database: {"faq": FaqSource(check_seconds=0.0)}) as serving:
        yield serving


SCORES = "can a partner see our students' test scores"


def test_faq_entries_edited_on_the_desk_are_what_the_chat_answers(desk: Desk) -> None:
    visitor = requests.Session()

    def chat(text: str, session: str) -> str:
        return visitor.post(desk.url + "/chat", json={"session": session, "text": text}, timeout=20).json()["text"]
    assert "Automated Data Report" in chat(SCORES, "f1")
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, _ = desk.sign_in()
    listing = browser.get(desk.url + "/desk/faq", timeout=10)
    assert '<a href="/desk/faq/data_sharing">Sharing student data with partners (FERPA)</a>' in listing.text
    topic = browser.get(desk.url + "/desk/faq/data_sharing", timeout=10)
    slug = re.search(r'href="/desk/faq/data_sharing/([^"]+)">can a partner see our students&#39; test scores', topic.text)
    assert slug is not None
    entry_url = f"{desk.url}/desk/faq/data_sharing/{slug.group(1)}"
    entry = browser.get(entry_url, timeout=10)
    form = {"csrf": csrf(entry), "questions": SCORES + "\nwhat data can partners actually see",
            "cues": "score, assessment", "answer": "Test scores are shared only under a <b>signed</b> DSA, through the department."}
    assert browser.post(entry_url, data={**form, "csrf": "forged"}, timeout=10).status_code in (400, 403)
    refused = browser.post(entry_url, data={**form, "questions": " "}, timeout=10)
    assert refused.status_code == 400 and "at least one question" in refused.text
    saved = browser.post(entry_url, data=form, timeout=10)
    assert saved.url.endswith("?done=saved") and "&lt;b&gt;signed&lt;/b&gt;" in saved.text
    assert "shared only under a <b>signed</b> DSA" in chat(SCORES, "f2")

    added = browser.post(desk.url + "/desk/faq/data_sharing/entries", data={
        "csrf": csrf(entry), "questions": "can a partner see bus ridership data", "cues": "bus, ridership",
        "answer": "Bus ridership is not shared with partners: ask Transportation."}, timeout=10)
    assert added.status_code == 200 and added.url.endswith("?done=saved")
    assert "ask Transportation" in chat("can a partner see bus ridership data", "f3")
    with desk.runtime.database.session() as session:
        taught = {(t.text, t.intent) for t in session.scalars(select(TaughtExample))}
    assert ("can a partner see bus ridership data", "data_sharing") in taught
    gone = browser.post(added.url.split("?")[0] + "/delete", data={"csrf": csrf(entry)}, timeout=10)
    assert gone.url.endswith("/desk/faq/data_sharing?done=deleted") and "bus ridership" not in gone.text
    assert "ask Transportation" not in chat("can a partner see bus ridership data", "f4")

    overview = browser.post(desk.url + "/desk/faq/data_sharing", data={
        "csrf": csrf(entry), "title": "Student data and partners", "source": "The data sharing page",
        "overview": "The department manages every partner's access to student data; ask it first."}, timeout=10)
    assert overview.url.endswith("?done=saved")
    answer = chat(SCORES, "f5")
    assert answer.startswith("*Student data and partners*")
    actions = [(a[1], a[2]) for a in desk.audit() if a[0].startswith("desk:dana")]
    assert [a for a, _ in actions[1:]] == ["faq.entry.change", "faq.entry.add", "faq.entry.delete", "faq.topic.change"]


def test_faq_pages_need_a_signed_in_staff_member(desk: Desk) -> None:
    for path in ("/desk/faq", "/desk/faq/data_sharing"):
        assert requests.get(desk.url + path, timeout=10, allow_redirects=False).status_code in (302, 303, 401)
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, _ = desk.sign_in()
    assert browser.get(desk.url + "/desk/faq/no_such_topic", timeout=10).status_code == 404
    assert browser.get(desk.url + "/desk/faq/data_sharing/no-such-entry", timeout=10).status_code == 404
