"""The pages anyone may open, in a real headless Chromium: /privacy, /terms and the e-mail confirmation page
pass axe-core's WCAG 2.1 A/AA rules at 1100 px and 375 px, and an address is confirmed with the keyboard alone."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests

from tests.fakes import FakeRelay
from tests.test_browser import ARGS, CHROMIUM, playwright, serving
from tests.browser_checks import WIDTHS, _every_width, _tab_to

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM, reason="no Chromium found")]


def _confirmation_link(relay: FakeRelay, url: str) -> str:
    deadline = time.monotonic() + 30
    while not relay.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    assert relay.messages, "no confirmation e-mail reached the relay"
    found = re.search(r"http://localhost:\d+(/email\?t=\S+)", relay.messages[0].get_content())
    assert found, relay.messages[0].get_content()
    return url + found.group(1)


def test_privacy_terms_and_the_email_page_are_accessible_and_work_from_the_keyboard(tmp_path: Path) -> None:
    with FakeRelay() as relay, serving(tmp_path, SMTP_URL=relay.url, RETENTION_DAYS="180") as url:
        visitor = requests.Session()
        visitor.post(url + "/chat", json={"session": "b1", "text": "I need a consultation: please help renew our MOU "
                                                                   "with a mentoring partner at Lowell"}, timeout=20)
        opened = visitor.post(url + "/chat", json={"session": "b1", "text": "yes"}, timeout=20).json()
        assert "type your e-mail address" in opened["text"]
        given = visitor.post(url + "/chat", json={"session": "b1", "text": "pat.kim@school.example"}, timeout=20).json()
        assert given["data"] == {"email": "confirmation_sent"}
        link = _confirmation_link(relay, url)
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": WIDTHS[0], "height": 800})
            for path, heading in (("/privacy", "Privacy"), ("/terms", "Terms of use")):
                page.goto(url + path)
                assert page.locator("h1").inner_text() == heading
                _every_width(page, heading)
            page.goto(url + "/privacy")
            assert "180 days" in page.locator("main").inner_text()
            page.goto(link)
            assert "pat.kim@school.example" in page.locator("main").inner_text()
            _every_width(page, "e-mail confirmation")
            _tab_to(page, "#shared")
            page.keyboard.press("Space")
            _tab_to(page, "form:has(#shared) button")
            page.keyboard.press("Enter")
            page.wait_for_selector("text=Thank you")
            assert "The department can see this address" in page.locator("main").inner_text()
            _every_width(page, "e-mail confirmed")
            browser.close()
