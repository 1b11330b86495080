"""The desk in a real headless Chromium: every page passes axe-core's WCAG 2.1 A/AA rules at 1100 px and
375 px, fits a phone, and the main job (sign in, claim a ticket) is done with the keyboard alone."""

from __future__ import annotations

import requests
import pytest

from tests.browser_checks import WIDTHS, _every_width, _tab_to  # noqa: F401  (public pages import them from here)
from tests.test_browser import ARGS, CHROMIUM, playwright, served  # noqa: F401  (the fixture)

pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python not installed")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM, reason="no Chromium found")]


def test_every_desk_page_is_accessible_and_works_from_the_keyboard(served: str) -> None:  # noqa: F811
    visitor = requests.Session()
    visitor.post(served + "/chat", json={"session": "b1", "name": "Pat Kim",
                                         "text": "I need a consultation: please help renew our MOU with a mentoring partner at Lowell"}, timeout=20)
    assert visitor.post(served + "/chat", json={"session": "b1", "name": "Pat Kim", "text": "yes"},
                        timeout=20).json()["data"]["ticket_id"] == "C-1001"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": WIDTHS[0], "height": 800})
        page.goto(served + "/desk")
        assert "/desk/sign-in" in page.url
        _every_width(page, "sign-in")
        _tab_to(page, "#email")
        page.keyboard.type("dana@district.example")
        page.keyboard.press("Enter")
        page.wait_for_url("**/desk")
        assert page.locator("h1").inner_text() == "Consultation queue"
        assert "C-1001" in page.locator("#queue").inner_text()
        _every_width(page, "queue")
        _tab_to(page, "a[href='/desk/tickets/C-1001']")
        page.keyboard.press("Enter")
        page.wait_for_url("**/desk/tickets/C-1001")
        _every_width(page, "ticket")
        _tab_to(page, "form[action$='/claim'] button")
        page.keyboard.press("Enter")
        page.wait_for_url("**done=claim")
        assert page.evaluate("document.activeElement.id") == "flash"  # focus moves to what happened
        assert "claimed (dana)" in page.locator(".facts").inner_text()
        _every_width(page, "ticket after claiming")
        for path, heading in (("/desk/staff", "Staff"), ("/desk/audit", "Audit log")):
            page.goto(served + path)
            assert page.locator("h1").inner_text() == heading
            _every_width(page, heading)
        assert "ticket.claimed" in page.locator("table").inner_text()
        _partners_pages(page, served)
        _trainings_page(page, served)
        _teach_page(page, served)
        _contacts_page(page, served)
        _answers_pages(page, served)
        _district_page(page, served)
        _faq_pages(page, served)
        browser.close()


BAD_CSV = b"""organization,school,services,school_year,agreement_type,status
Clay Studio,Garfield,arts,2026-27,psc,active
Clay Studio,Nowhere Academy,arts,2026-27,psc,active
"""


def _partners_pages(page, served: str) -> None:  # type: ignore[no-untyped-def]
    """Search, open and save a partnership, and check a CSV, with the keyboard alone."""
    page.goto(served + "/desk/partners")
    _every_width(page, "partners")
    _tab_to(page, "#q")
    page.keyboard.type("Garfield")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=Garfield")
    _tab_to(page, "tbody a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/partners/*")
    _every_width(page, "a partnership")
    _tab_to(page, "#outcomes")
    page.keyboard.type("Met its reading goals")
    _tab_to(page, "form[action^='/desk/partners/'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**done=saved")
    assert page.evaluate("document.activeElement.id") == "flash"
    assert page.locator("#outcomes").input_value().startswith("Met its reading goals")
    _every_width(page, "a partnership, saved")
    page.goto(served + "/desk/partners")
    page.set_input_files("#file", files=[{"name": "partners.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    _tab_to(page, "form[enctype] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/partners/import")
    assert "would be skipped" in page.locator("main").inner_text()
    _every_width(page, "the import's dry run")


def _trainings_page(page, served: str) -> None:  # type: ignore[no-untyped-def]
    """The calendar and digest preview, and a calendar file checked, with the keyboard alone."""
    page.goto(served + "/desk/trainings")
    assert page.locator("h1").inner_text() == "Trainings"
    _every_width(page, "trainings")
    page.set_input_files("#file", files=[{"name": "fall.csv", "mimeType": "text/csv", "buffer":
                                          (b"title,topic,starts_at,ends_at,location,audience,registration_url,description\n"
                                                     b"RULER,sel,2099-01-05T15:00,,Online,,,\nBroken,,soon,,,,,\n")}])
    _tab_to(page, "form[action='/desk/trainings/import'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/trainings/import")
    assert "would be skipped" in page.locator("main").inner_text()
    _every_width(page, "the calendar's dry run")


def _teach_page(page, served: str) -> None:  # type: ignore[no-untyped-def]
    """An unanswered question taught with the keyboard alone."""
    requests.post(served + "/chat", json={"session": "b9", "text": "How do I book a field trip bus?"}, timeout=20)
    page.goto(served + "/desk/teach")
    assert "field trip bus" in page.locator("main").inner_text()
    _every_width(page, "teach")
    _tab_to(page, "ol.teach select")
    page.keyboard.press("ArrowDown")  # the first topic (a topic must be chosen)
    _tab_to(page, "ol.teach button")
    page.keyboard.press("Enter")
    page.wait_for_url("**taught=*")
    assert page.evaluate("document.activeElement.id") == "flash"
    _every_width(page, "teach, after teaching")


def _contacts_page(page, served: str) -> None:  # type: ignore[no-untyped-def]
    """A school chosen with the keyboard alone; its contacts and nudges."""
    page.goto(served + "/desk/contacts")
    _every_width(page, "contacts")
    _tab_to(page, "#school")
    page.keyboard.type("Garfield")
    _tab_to(page, "form[role=search] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**school=Garfield*")
    assert page.locator("h2").first.inner_text() == "Garfield"
    _every_width(page, "a school's contacts")


def _answers_pages(page, served: str) -> None:  # type: ignore[no-untyped-def]
    """The department's answers, and one opened and saved with the keyboard alone."""
    page.goto(served + "/desk/knowledge")
    _every_width(page, "answers")
    _tab_to(page, "tbody a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/knowledge/*")
    _every_width(page, "an answer")
    _tab_to(page, "form.stack button")
    page.keyboard.press("Enter")
    page.wait_for_url("**done=saved")
    assert page.evaluate("document.activeElement.id") == "flash"


def _district_page(page, served: str) -> None:  # type: ignore[no-untyped-def]
    """The district picture: a school on the map named when reached with the keyboard."""
    page.goto(served + "/desk/district")
    assert page.locator("h1").inner_text().startswith("District picture")
    _every_width(page, "district picture")
    _tab_to(page, "figure.map .dot", limit=120)
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    shown = page.evaluate("getComputedStyle(document.activeElement.querySelector('text')).display")
    assert label and "partnership" in label and shown != "none"
    assert page.evaluate("getComputedStyle(document.querySelector('figure.map .dot:not(:focus) text')).display") == "none"


def _faq_pages(page, served: str) -> None:  # type: ignore[no-untyped-def]
    """The FAQ: a topic and one of its entries opened and saved with the keyboard alone."""
    page.goto(served + "/desk/faq")
    _every_width(page, "FAQ")
    _tab_to(page, "main h2 a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/faq/*")
    _every_width(page, "an FAQ topic")
    _tab_to(page, "tbody a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/faq/*/*")
    _every_width(page, "an FAQ entry")
    _tab_to(page, "form.stack button")
    page.keyboard.press("Enter")
    page.wait_for_url("**done=saved")
    assert page.evaluate("document.activeElement.id") == "flash"
