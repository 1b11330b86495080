"""End to end in a real headless Chromium: the newcomer's four main jobs in the web chat.

Needs Debian's `chromium` (installed by .ci/run) and Playwright's Python client;
skipped with a clear message where either is missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.browser_checks import _every_width, _tab_to
from tests.fakes import free_port

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright's Python client is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no Chromium found (apt-get install chromium); browser test skipped"),
]
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


REPORT_TOKEN = "staff-report-token"


@contextlib.contextmanager
def serving(tmp_path: Path, **env: str) -> Iterator[str]:
    """`partnerbot serve` on the embedded default in its own process, with `env` added."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'browser.db'}", PORT=str(port), REPORT_TOKEN=REPORT_TOKEN,
               **env)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise AssertionError("partnerbot serve did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
        yield url
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path) as url:
        yield url


def test_newcomer_completes_the_main_jobs(served: str) -> None:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()
        page.goto(served + "/")
        log = page.get_by_role("log")
        box = page.get_by_label("Your question")

        def ask(text: str) -> None:
            box.fill(text)
            box.press("Enter")  # keyboard only

        ask("Which agreement applies?")
        page.get_by_role("button", name="The partner brings its own funding").click()
        playwright.expect(log).to_contain_text("Memorandum of Understanding (MOU)", timeout=15000)

        ask("Who works with Franklin High School?")
        playwright.expect(log).to_contain_text("at Franklin", timeout=15000)

        ask("Upcoming trainings")
        playwright.expect(log).to_contain_text("Upcoming trainings", timeout=15000)

        ask("I need a consultation: please help us renew the MOU with our tutoring partner at Garfield")
        playwright.expect(log).to_contain_text("Shall I send this to the department?", timeout=15000)
        page.get_by_role("button", name="Send request").click()
        playwright.expect(log).to_contain_text("C-1001", timeout=15000)

        page.reload()
        playwright.expect(page.get_by_role("log")).to_contain_text("C-1001", timeout=15000)
        browser.close()


def test_tables_and_forms_are_drawn_as_html(served: str) -> None:
    """A distribution answer is a real table with its chart; the consultation form is fillable and validated."""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()
        page.goto(served + "/")
        log = page.get_by_role("log")
        box = page.get_by_label("Your question")

        box.fill("How are partnerships distributed across the regions?")
        box.press("Enter")
        table = log.get_by_role("table").last
        playwright.expect(table.get_by_role("columnheader", name="Region")).to_be_visible(timeout=15000)
        playwright.expect(table.get_by_role("rowheader", name="Southeast")).to_be_visible()
        chart = log.get_by_role("img", name="Bar chart, Current partnerships by region").last
        playwright.expect(chart).to_be_visible()
        assert chart.evaluate("img => img.complete && img.naturalWidth") > 300  # the SVG was drawn, not a broken image
        _every_width(page, "the web chat with a table and a chart")

        box.fill("I need a consultation")
        box.press("Enter")
        page.get_by_text("Ask the department: fill in the form").last.click()
        form = page.get_by_role("form", name="Ask the department").last
        form.get_by_label("Topic").select_option(label="Data sharing")
        form.get_by_label("School").fill("Nowhere Academy")
        form.get_by_label("What do you need").fill("x")
        form.get_by_role("button").click()
        playwright.expect(log).to_contain_text("couldn't find that school", timeout=15000)
        fixed = page.get_by_role("form", name="Ask the department").last
        playwright.expect(fixed).to_be_visible()  # opened by itself: a field needs fixing
        fixed.get_by_label("School").fill("Garfield")
        fixed.get_by_label("What do you need").fill("Our tutoring partner needs a DSA renewal for attendance data")
        fixed.get_by_role("button").click()
        playwright.expect(log).to_contain_text("C-1001", timeout=15000)
        browser.close()


def test_the_district_report_renders_with_its_charts_and_asks_nothing_of_the_network(served: str) -> None:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(served + f"/report?token={REPORT_TOKEN}")
        assert page.url == served + "/report", "the token is swapped for a cookie and leaves the address bar"
        assert page.get_by_role("heading", level=1).inner_text().startswith("School and Community Partnerships")
        assert page.locator("figure").count() == 8 and page.locator("figure > svg").count() == 8
        for name in ("Bar chart: current partnerships per region", "Bar chart: share with all paperwork"):
            box = page.locator(f'figure[aria-label^="{name}"] svg').bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100, name
        for drawn in page.locator("svg.school-map").all():
            box = drawn.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 300
        assert page.locator("table caption").count() == 7  # every chart's figures as a table too
        _every_width(page, "the district report")
        _tab_to(page, "svg.school-map .dot", limit=120)
        assert "partnership" in page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert page.evaluate("getComputedStyle(document.activeElement.querySelector('text')).display") != "none"
        assert all(url.startswith(served + "/report") for url in requested), requested
        browser.close()


def test_the_chat_greets_with_starters_again_scrolls_to_a_chart_and_has_an_icon(served: str) -> None:
    assert requests.get(served + "/static/favicon.svg", timeout=10).headers["Content-Type"].startswith("image/svg+xml")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 375, "height": 640})
        page.goto(served + "/")
        assert page.locator("link[rel=icon]").get_attribute("href") == "/static/favicon.svg"
        log = page.get_by_role("log")
        starters = log.get_by_role("group", name="Starter questions")
        playwright.expect(starters.get_by_role("button")).to_have_count(4)
        starters.get_by_role("button", name="Upcoming trainings").click()  # a starter asks its question
        playwright.expect(log).to_contain_text("Upcoming trainings", timeout=15000)
        box = page.get_by_label("Your question")
        box.fill("How are partnerships distributed across the regions?")
        box.press("Enter")
        chart = log.get_by_role("img", name="Bar chart, Current partnerships by region").last
        playwright.expect(chart).to_be_visible(timeout=15000)
        page.wait_for_function("document.querySelector('#log img') && document.querySelector('#log img').complete")
        page.wait_for_timeout(200)
        bottom = page.evaluate("(() => { const l = document.getElementById('log'); "
                               "return l.scrollHeight - l.scrollTop - l.clientHeight; })()")
        assert bottom <= 2, f"the chart's answer is {bottom} px below the visible part of the log"
        page.get_by_role("button", name="Start a new conversation").click()
        playwright.expect(log.get_by_role("group", name="Starter questions").get_by_role("button")).to_have_count(4)
        assert "Current partnerships" not in log.inner_text()
        browser.close()
